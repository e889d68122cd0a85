"""`python manage.py bench_seed`: fill an empty, migrated database with the
benchmark's large dataset (coproduce/bench/seed.py says what it holds).

Progress goes to stderr as it happens; the last line on stdout is one JSON
object: the addresses to measure, who to sign in as and the counts made.
With --sessions, the participant, the facilitator, the manager and every
voter are signed in (sessions stored the way the running settings store
them), and their cookies are added as "cookies":
{"participant": "name=value", "facilitator": ..., "manager": ...,
"voters": ["name=value", ...]}.

    python manage.py bench_seed --sessions | tail -1 > var/bench.json
    python manage.py bench_seed --members 600 --projects 6 --decisions 200
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client

from coproduce.bench.seed import seed
from participants.models import User
from projects.models import Project


class Command(BaseCommand):
    help = "Fill an empty database with the benchmark's large dataset, and print it as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=5000)
        parser.add_argument("--projects", type=int, default=60)
        parser.add_argument("--decisions", type=int, default=5000)
        parser.add_argument("--votes", type=int, default=60000)
        parser.add_argument("--comments", type=int, default=20000)
        parser.add_argument(
            "--voters", type=int, default=200, help="participants who vote during the benchmark"
        )
        parser.add_argument(
            "--sessions",
            action="store_true",
            help="sign in the participant, facilitator, manager and voters; print their cookies",
        )

    def handle(self, *args, sessions, **options):
        if Project.objects.exists():
            raise CommandError(
                "The database already has projects: bench_seed fills an empty database only."
            )
        sizes = {
            name: options[name]
            for name in ("members", "projects", "decisions", "votes", "comments", "voters")
        }
        try:
            result = seed(**sizes, progress=self.progress)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if sessions:
            self.progress(f"Signing in {len(result['voter_emails']) + 3:,} people ...")
            result["cookies"] = self.sign_in(result)
            self.progress("Signed in.")
        self.stdout.write(json.dumps(result))

    def progress(self, line: str) -> None:
        """A line on stderr, shown straight away, in no colour."""
        self.stderr.write(line, style_func=str)
        self.stderr.flush()

    @staticmethod
    def sign_in(result: dict) -> dict:
        """A session for each person, made by the test client's force_login
        (so with the settings' session engine), as "name=value" cookies."""
        name = settings.SESSION_COOKIE_NAME
        emails = [
            result["participant_email"],
            result["facilitator_email"],
            result["manager_email"],
            *result["voter_emails"],
        ]
        people = User.objects.in_bulk(emails, field_name="email")
        cookies = []
        with transaction.atomic():
            for email in emails:
                # One client each: signing a second person in on the same
                # client would end the first person's session.
                browser = Client()
                browser.force_login(people[email])
                cookies.append(f"{name}={browser.cookies[name].value}")
        participant, facilitator, manager, *voters = cookies
        return {
            "participant": participant,
            "facilitator": facilitator,
            "manager": manager,
            "voters": voters,
        }
