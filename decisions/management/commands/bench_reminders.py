"""`make bench`: how fast Coproduce prepares and sends the reminders of one
decision in a project of 5,000 members, over real SMTP.

1. Creates a throw-away database (like the test runner: the configured
   database's name with "_bench", or SQLite in memory) and a project of
   --members members, all in a time zone where it is daytime now.
2. Starts a counting SMTP sink (aiosmtpd) on 127.0.0.1 in its own process;
   with --celery-worker, one sink process (on a port of its own) for each
   worker process, so that the sink, like a real mail server, takes several
   connections in parallel and one sink process is not what limits two
   workers.
3. Prepares the reminders of one new decision (decisions.reminders.
   decision_proposed): reports the time and the number of queries.
4. Sends the due ones (a new-decision email to everyone but the proposer)
   as the worker's tasks do (participants.reminders.sending.send_due, batch
   after batch), in this one process, over SMTP to the sink: reports
   messages per second, queries and CPU time. With --celery-worker, real
   `celery worker` processes do the sending instead (the queries are then
   not counted here): for each number given to --workers (``--workers 1
   2``), that many worker processes are started, the same reminders are set
   due again, and the time from enqueueing the task to the sink's last
   message is measured; --rounds alternates the measurements several times
   and reports the medians, and the gain of each number of workers over one.
5. Checks that the sink received every message (and, with workers, that
   every reminder was marked sent once), then removes the database.

The targets (issue 12): 500 messages a second per worker process, and 1.8
times the one-worker rate with two. The command exits with an error when one
is missed, after reporting everything.
"""

import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
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
from django.db import connection, models
from django.utils import timezone

TARGET_PER_SECOND = 500  # per worker process
TARGET_TWO_WORKERS = 1.8  # times the rate of one worker process


def daytime_zone() -> str:
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        name = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
        if 11 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour <= 15:
            return name
    return "UTC"


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            help="Send through real `celery worker` processes instead of this process.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            nargs="+",
            default=[1],
            help="With --celery-worker: how many worker processes send, one measurement for "
            "each number given (--workers 1 2 compares two with one).",
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=1,
            help="With --celery-worker: measure each number of workers this many times, "
            "alternating, and report the medians.",
        )
        parser.add_argument(
            "--results",
            type=Path,
            help="Also write the figures to this JSON file (name, value, unit, ratio).",
        )

    def handle(self, *args, members, celery_worker, workers, rounds, results, **options):
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
        stop = context.Event()
        ports: list[int] = []
        while len(ports) < (max(workers) if celery_worker else 1):
            ports += {free_port()} - set(ports)
        port = ports[0]
        readies = [context.Event() for _ in ports]
        sinks = [
            context.Process(target=serve, args=(sink_port, counter, ready, stop), daemon=True)
            for sink_port, ready in zip(ports, readies, strict=True)
        ]
        for sink in sinks:
            sink.start()
        try:
            if not all(ready.wait(20) for ready in readies):
                raise CommandError("The SMTP sink did not start")
            settings.MAILERS = {
                "default": {
                    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 30},
                }
            }
            decision = self._project(members)
            self._prepare(decision, members)
            self.missed: list[str] = []
            self.figures: list[dict] = []
            if celery_worker:
                self._send_with_workers(
                    ports,
                    counter,
                    members - 1,
                    Path(temporary.name),
                    workers,
                    rounds,
                    [sink.pid for sink in sinks],
                )
            else:
                sent = self._send_here(port)
                received = self._wait_for(counter, sent)
                self.stdout.write(f"The SMTP sink received {received:,} messages.")
                if received != sent:
                    raise CommandError(f"Sent {sent} but the sink received {received}")
        finally:
            stop.set()
            for sink in sinks:
                sink.join(10)
            connection.creation.destroy_test_db(old_name, verbosity=0)
            temporary.cleanup()
        if results:
            results.write_text(json.dumps(self.figures, indent=2) + "\n")
            self.stdout.write(f"Figures written to {results}.")
        if self.missed:
            raise CommandError("Target missed: " + "; ".join(self.missed))

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

        self.stdout.write(f"Sending over SMTP to 127.0.0.1:{port} from this one process...")
        with counting_queries() as queries:
            started = time.perf_counter()
            cpu = time.process_time()
            sending.send_due()  # what the worker's tasks do, batch after batch, here
            cpu = time.process_time() - cpu
            seconds = time.perf_counter() - started
        from participants.models import ReminderLog

        sent = ReminderLog.objects.filter(status=ReminderLog.Status.SENT).count()
        rate = sent / seconds
        batches = -(-sent // sending.BATCH_SIZE)
        self.stdout.write(
            f"Sent {sent:,} emails in {seconds:.2f} s: {rate:,.0f} messages per second "
            f"(target {TARGET_PER_SECOND}). {queries.count:,} queries for {batches} batches "
            f"of up to {sending.BATCH_SIZE}, the messages marked sent in groups of up to "
            f"{sending.MARK_EVERY}. CPU: {1000 * cpu / sent:.2f} s per 1,000 messages; "
            f"load average {os.getloadavg()[0]:.1f}."
        )
        self.figures.append(
            {"name": "reminders, one process", "value": round(rate), "unit": "messages/s"}
        )
        if rate < TARGET_PER_SECOND:
            self.stderr.write(self.style.WARNING("Below the target."))
            self.missed.append(f"{rate:,.0f} messages a second from one process")
        return sent

    def _send_with_workers(
        self,
        ports: list[int],
        counter,
        expected: int,
        folder: Path,
        workers: list[int],
        rounds: int,
        sink_pids: list[int],
    ) -> None:
        """Measure sending through ``n`` worker processes for each ``n`` in
        ``workers``, ``rounds`` times, alternating; report the medians and
        each as a multiple of one worker."""
        env = self._worker_env(folder)
        rates: dict[int, list[float]] = {n: [] for n in workers}
        for round_number in range(1, rounds + 1):
            for n in workers:
                self._reset(counter)
                rate = self._measure(n, env, ports, counter, expected, folder, sink_pids)
                rates[n].append(rate)
                if rounds > 1:
                    self.stdout.write(f"  (round {round_number} of {rounds})")
        medians = {n: statistics.median(values) for n, values in rates.items()}
        one = medians.get(1)
        self.stdout.write("")
        if 1 in rates and rounds > 1:
            for n in (n for n in rates if n != 1):
                pairs = ", ".join(f"{b / a:.2f}" for a, b in zip(rates[1], rates[n], strict=True))
                self.stdout.write(f"{n} workers over one, round by round: {pairs}.")
        for n, median in medians.items():
            ratio = median / one if one else None
            gain = f", {ratio:.2f} times one worker" if ratio and n != 1 else ""
            runs = ", ".join(f"{value:,.0f}" for value in rates[n])
            self.stdout.write(
                f"{n} worker process{'es' if n > 1 else ''}: {median:,.0f} messages per second"
                f"{' (median of ' + runs + ')' if rounds > 1 else ''}{gain}; "
                f"{median / n:,.0f} per process (target {TARGET_PER_SECOND})."
            )
            self.figures.append(
                {
                    "name": f"reminders, {n} worker process{'es' if n > 1 else ''}",
                    "value": round(median),
                    "unit": "messages/s",
                    "ratio": round(ratio, 2) if ratio else None,
                }
            )
            if n == 1 and median < TARGET_PER_SECOND:
                self.missed.append(f"{median:,.0f} messages a second through one worker")
            if n == 2 and ratio is not None and ratio < TARGET_TWO_WORKERS:
                self.missed.append(
                    f"two workers {ratio:.2f} times one (target {TARGET_TWO_WORKERS})"
                )
        if self.missed:
            self.stderr.write(self.style.WARNING("Below the target: " + "; ".join(self.missed)))

    def _worker_env(self, folder: Path) -> dict[str, str]:
        from coproduce.celery import app

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
        return env

    def _reset(self, counter) -> None:
        """The same reminders due again, and the sink's count at zero."""
        from participants.models import ReminderLog

        ReminderLog.objects.filter(kind="new_decision").update(
            status=ReminderLog.Status.PENDING,
            claim_token="",
            attempts=0,
            sent_at=None,
            last_error="",
            send_after=timezone.now() - timedelta(seconds=1),
        )
        with counter.get_lock():
            counter.value = 0

    def _start_worker(self, name: str, env: dict, folder: Path):
        """A `celery worker` process (solo pool: one process, as one of the
        compose setup's worker processes), its output in ``name``.log."""
        log_path = folder / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
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
                    f"--hostname={name}-{os.getpid()}@%h",
                ],  # fmt: skip
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return process, log_path

    def _stop(self, processes) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def _measure(
        self,
        n: int,
        env: dict,
        ports: list[int],
        counter,
        expected: int,
        folder: Path,
        sink_pids: list[int],
    ) -> float:
        """Send the due reminders through ``n`` worker processes; returns
        messages per second."""
        from participants.models import ReminderLog
        from participants.tasks import send_due_reminders

        started_workers = [
            self._start_worker(f"bench{i + 1}", {**env, "SMTP_PORT": str(ports[i])}, folder)
            for i in range(n)
        ]
        processes = [process for process, _log in started_workers]
        try:
            deadline = time.monotonic() + 60
            for process, log_path in started_workers:
                while b" ready." not in log_path.read_bytes():
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise CommandError(f"A worker did not start; see {log_path}")
                    time.sleep(0.1)
            load = os.getloadavg()[0]
            pids = [*sink_pids, *(p.pid for p in processes)]
            cpu_before = {pid: cpu_seconds(pid) for pid in pids}
            self.stdout.write(
                f"Sending over SMTP from {n} Celery worker process{'es' if n > 1 else ''} "
                f"(load average {load:.1f})..."
            )
            started = time.perf_counter()
            send_due_reminders.delay()
            received = self._wait_for(counter, expected)
            seconds = time.perf_counter() - started
            cpu = {pid: cpu_seconds(pid) - before for pid, before in cpu_before.items()}
            marked = self._wait_until_marked(expected)
        finally:
            self._stop(processes)
        shares = [
            sum(
                1
                for line in log_path.read_text(errors="replace").splitlines()
                if "participants.tasks.send_" in line and " succeeded in " in line
            )
            for _process, log_path in started_workers
        ]
        rate = received / seconds
        workers_cpu = sum(cpu[p.pid] for p in processes)
        self.stdout.write(
            f"{n} worker process{'es' if n > 1 else ''} sent {received:,} emails in "
            f"{seconds:.2f} s (from enqueueing the task to the last message): "
            f"{rate:,.0f} messages per second, {rate / n:,.0f} per process. Batches run by "
            f"each: {', '.join(map(str, shares))}. CPU per 1,000 messages: workers "
            f"{1000 * workers_cpu / received:.2f} s, SMTP sink "
            f"{1000 * sum(cpu[pid] for pid in sink_pids) / received:.2f} s; load average now "
            f"{os.getloadavg()[0]:.1f}."
        )
        if received != expected:
            raise CommandError(f"The sink received {received} messages, not {expected}")
        statuses = dict(
            ReminderLog.objects.filter(kind="new_decision")
            .values_list("status")
            .annotate(count=models.Count("pk"))
        )
        if marked != expected or statuses != {ReminderLog.Status.SENT: expected}:
            raise CommandError(f"Not every reminder was marked sent once: {statuses}")
        return rate

    def _wait_until_marked(self, expected: int, seconds: float = 30) -> int:
        from participants.models import ReminderLog

        deadline = time.monotonic() + seconds
        while True:
            marked = ReminderLog.objects.filter(
                kind="new_decision", status=ReminderLog.Status.SENT
            ).count()
            if marked >= expected or time.monotonic() > deadline:
                return marked
            time.sleep(0.05)

    def _wait_for(self, counter, expected: int, seconds: float = 300) -> int:
        deadline = time.monotonic() + seconds
        while counter.value < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return counter.value
