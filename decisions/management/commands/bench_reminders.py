"""`make bench`: how fast Coproduce prepares and sends the reminders of one
decision in a project of 5,000 members, over real SMTP.

1. Creates a throw-away database (like the test runner: the configured
   database's name with "_bench", or SQLite in memory) and a project of
   --members members, all in a time zone where it is daytime now.
2. Starts a counting SMTP sink (aiosmtpd) on 127.0.0.1 in its own process.
3. Prepares the reminders of one new decision (decisions.reminders.
   decision_proposed): reports the time and the number of queries.
4. Sends the due ones (a new-decision email to everyone but the proposer)
   through the worker's task (participants.tasks.send_due_reminders), in this
   one process, over SMTP to the sink: reports messages per second and
   queries. With --celery-worker, a real `celery worker` process does the
   sending instead (the queries are then not counted here).
5. Checks that the sink received every message, then removes the database.
"""

import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zoneinfo
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

TARGET_PER_SECOND = 500


def daytime_zone() -> str:
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        name = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
        if 11 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour <= 15:
            return name
    return "UTC"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class QueryCounter:
    """Counts queries with a cheap execute wrapper (no query log)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting_queries():
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


class Command(BaseCommand):
    help = "Measure preparing and sending one decision's reminders to 5,000 members over SMTP."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=5000)
        parser.add_argument(
            "--celery-worker",
            action="store_true",
            help="Send through a real `celery worker` process instead of this process.",
        )

    def handle(self, *args, members, celery_worker, **options):
        from participants.smtp_sink import serve

        # Measure as production runs: DEBUG off, so queries are not logged.
        settings.DEBUG = False
        database = connection.settings_dict
        old_name = database["NAME"]
        temporary = tempfile.TemporaryDirectory(prefix="coproduce-bench-")
        database.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            # A real worker needs a file; this process alone can use memory.
            database["TEST"]["NAME"] = (
                str(Path(temporary.name) / "bench.sqlite3") if celery_worker else None
            )
        else:
            database["TEST"]["NAME"] = f"{old_name}_bench"
        self.stdout.write("Creating a throw-away database...")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)

        context = multiprocessing.get_context("spawn")
        counter = context.Value("i", 0)
        ready, stop = context.Event(), context.Event()
        port = free_port()
        sink = context.Process(target=serve, args=(port, counter, ready, stop), daemon=True)
        sink.start()
        try:
            if not ready.wait(20):
                raise CommandError("The SMTP sink did not start")
            settings.MAILERS = {
                "default": {
                    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 30},
                }
            }
            decision = self._project(members)
            self._prepare(decision, members)
            if celery_worker:
                sent = self._send_with_worker(port, counter, members - 1, Path(temporary.name))
            else:
                sent = self._send_here(port)
            received = self._wait_for(counter, sent)
            self.stdout.write(f"The SMTP sink received {received:,} messages.")
            if received != sent:
                raise CommandError(f"Sent {sent} but the sink received {received}")
        finally:
            stop.set()
            sink.join(10)
            connection.creation.destroy_test_db(old_name, verbosity=0)
            temporary.cleanup()

    def _project(self, members: int):
        from decisions.models import Decision
        from participants.models import User
        from projects.models import Membership, Organisation, Project, Stage

        self.stdout.write(f"Creating a project of {members:,} members...")
        now = timezone.now()
        zone = daytime_zone()
        organisation = Organisation.objects.create(name="Bench organisation", slug="bench")
        project = Project.objects.create(
            organisation=organisation, name="Riverside Day Service", summary="A benchmark."
        )
        stage = Stage.objects.create(project=project, position=0, name="Ideas", started_at=now)
        users = User.objects.bulk_create(
            (
                User(
                    email=f"member{i}@example.org",
                    display_name=f"Member {i}",
                    password="!",  # noqa: S106  (an unusable password)
                    timezone=zone,
                    reminder_format=User.ReminderFormat.values[i % 4],
                )
                for i in range(members)
            ),
            batch_size=1000,
        )
        memberships = Membership.objects.bulk_create(
            (Membership(project=project, user=user, label="participant") for user in users),
            batch_size=1000,
        )
        return Decision.objects.create(
            project=project,
            stage=stage,
            proposer=memberships[0],
            title="Choose the new drop-in times",
            description="Which time should the weekly drop-in session be?",
            kind=Decision.Kind.CONSENT,
            closes_at=now + timedelta(days=3),
            created_at=now,
        )

    def _prepare(self, decision, members: int) -> None:
        from decisions.reminders import decision_proposed
        from participants.models import ReminderLog

        with (
            mock.patch("participants.reminders.scheduling.enqueue_sending"),
            counting_queries() as queries,
        ):
            started = time.perf_counter()
            decision_proposed(decision.pk)
            seconds = time.perf_counter() - started
        planned = ReminderLog.objects.count()
        self.stdout.write(
            f"Prepared the reminders of one decision for {members:,} members: "
            f"{planned:,} reminders planned in {seconds:.2f} s with {queries.count} queries."
        )

    def _send_here(self, port: int) -> int:
        from participants.reminders import sending
        from participants.tasks import send_due_reminders

        self.stdout.write(f"Sending over SMTP to 127.0.0.1:{port} from this one process...")
        with counting_queries() as queries:
            started = time.perf_counter()
            send_due_reminders.apply().get()
            seconds = time.perf_counter() - started
        from participants.models import ReminderLog

        sent = ReminderLog.objects.filter(status=ReminderLog.Status.SENT).count()
        rate = sent / seconds
        batches = -(-sent // sending.BATCH_SIZE)
        self.stdout.write(
            f"Sent {sent:,} emails in {seconds:.2f} s: {rate:,.0f} messages per second "
            f"(target {TARGET_PER_SECOND}). {queries.count:,} queries: "
            f"{queries.count - sent:,} for {batches} batches of up to "
            f"{sending.BATCH_SIZE}, and one per message to mark it sent."
        )
        if rate < TARGET_PER_SECOND:
            self.stderr.write(self.style.WARNING("Below the target."))
        return sent

    def _send_with_worker(self, port: int, counter, expected: int, folder: Path) -> int:
        from coproduce.celery import app
        from participants.tasks import send_due_reminders

        env = {k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}
        env.update(
            {
                # As in production: DEBUG off (a throw-away key for this run),
                # unless there is no broker server: production refuses the
                # folder broker, which `make run` uses.
                "DEBUG": "false" if os.environ.get("CELERY_BROKER_URL") else "true",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "SITE_URL": "http://127.0.0.1:8000",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "SMTP_SECURITY": "none",
                # A measure of throughput: at any hour, not only in daytime.
                "COPRODUCE_DAYTIME": "always",
                "COPRODUCE_VAR_DIR": str(folder / "var"),
            }
        )
        database = connection.settings_dict
        if connection.vendor == "postgresql":
            auth = database.get("USER") or ""
            if database.get("PASSWORD"):
                auth += f":{database['PASSWORD']}"
            host, port_db = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
            env["DATABASE_URL"] = f"postgres://{auth}@{host}:{port_db}/{database['NAME']}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
        if not os.environ.get("CELERY_BROKER_URL"):
            broker = folder / "var" / "broker"
            app.conf.broker_transport_options = {
                **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                "data_folder_in": str(broker / "queue"),
                "data_folder_out": str(broker / "queue"),
                "control_folder": str(broker / "control"),
                "processed_folder": str(broker / "processed"),
            }
        log_path = folder / "worker.log"
        with log_path.open("wb") as log:
            worker = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "coproduce",
                    "worker",
                    "--loglevel=INFO",
                    "--pool=solo",
                    "--concurrency=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    f"--hostname=bench-{os.getpid()}@%h",
                ],  # fmt: skip
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 60
            while b" ready." not in log_path.read_bytes():
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise CommandError(f"The worker did not start; see {log_path}")
                time.sleep(0.1)
            self.stdout.write(f"Sending over SMTP to 127.0.0.1:{port} from one Celery worker...")
            started = time.perf_counter()
            send_due_reminders.delay()
            received = self._wait_for(counter, expected)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"The worker sent {received:,} emails in {seconds:.2f} s (from enqueueing the "
                f"task to the last message): {received / seconds:,.0f} messages per second "
                f"(target {TARGET_PER_SECOND})."
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
        return received

    def _wait_for(self, counter, expected: int, seconds: float = 300) -> int:
        deadline = time.monotonic() + seconds
        while counter.value < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return counter.value
