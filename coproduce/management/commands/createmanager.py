"""`python manage.py createmanager`: the first step of a new install.

Starts an organisation (or finds it by name) and makes someone its project
manager, creating their account when there is none. They sign in with a code
emailed to them, so no password passes through the command line. Safe to run
again: an existing organisation and account are reused.

    python manage.py createmanager --organisation "Riverside Council" \\
        --email sam@riverside.example --name "Sam Okafor"
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from participants.services import person_get_or_create
from projects.permissions import SYSTEM
from projects.services import organisation_manager_add


class Command(BaseCommand):
    help = "Start an organisation (or find it) and make someone its project manager."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's name.")
        parser.add_argument("--email", required=True, help="The manager's email address.")
        parser.add_argument(
            "--name", default="", help="The manager's name, as others will see it (new accounts)."
        )

    def handle(self, *args, organisation, email, name, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        if not organisation.strip():
            raise CommandError("Give the organisation a name: --organisation 'Riverside Council'")
        with transaction.atomic():
            user, new_person = person_get_or_create(
                email=email,
                display_name=name.strip() or email.split("@")[0],
                is_staff=True,
                actor=SYSTEM,
            )
            found, new_organisation = organisation_manager_add(
                organisation_name=organisation, user=user, actor=SYSTEM
            )
        sign_in = settings.SITE_ORIGIN + reverse("account_login")
        self.stdout.write(
            f"{'Started' if new_organisation else 'Found'} the organisation {found.name}.\n"
            f"{user.display_name} <{user.email}> "
            f"{'has a new account and ' if new_person else ''}is its project manager.\n"
            f"They sign in at {sign_in} with a code sent to {user.email}.\n"
            "The admin dashboard asks them to set up two-step sign-in first."
        )
