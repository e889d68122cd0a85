"""Real Celery workers and beat for the end-to-end tests: separate processes
against the real broker (Redis when CELERY_BROKER_URL is set, as in CI;
otherwise the embedded folder broker) and this test's database, sending email
into a file outbox.

The database the processes use:
- PostgreSQL: the test database itself (its name is passed in DATABASE_URL).
- SQLite: the test database is in memory, which other processes cannot open,
  so ``environment()`` copies it (after the test made its data) into a file
  with SQLite's backup API and points the processes at that file
  (COPRODUCE_VAR_DIR); ``database_rows()`` reads what they wrote there.
"""

import contextlib
import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BEAT_SECONDS = "1"
DEADLINE_SECONDS = 120
SQLITE_FILE = "coproduce.sqlite3"


def _database_for_subprocesses(var_dir: Path) -> dict[str, str]:
    """Environment that points the workers and beat at this test's data."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(database.get("USER") or "")
        password = quote(database.get("PASSWORD") or "")
        auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or "5432"
        return {"DATABASE_URL": f"postgres://{auth}{host}:{port}/{database['NAME']}"}
    # SQLite: copy the in-memory test database into the file the processes use.
    connection.ensure_connection()
    target = sqlite3.connect(var_dir / SQLITE_FILE)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return {}


def _purge(broker_url: str) -> None:
    """Empty the queue first, so the workers see only this test's tasks."""
    from kombu import Connection

    with Connection(broker_url) as broker:
        broker.default_channel.queue_purge("celery")


def environment(*, broker_url: str, var_dir: Path, outbox: Path) -> dict[str, str]:
    """The environment of every process a test starts: this test's data
    (copied now, on SQLite: make the data first), the broker, beat every
    second, email into ``outbox``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMTP_", "CELERY_", "DATABASE_URL"))
    }
    if not broker_url.startswith("safefs"):
        # Redis in CI. (The folder broker lives under COPRODUCE_VAR_DIR.)
        env["CELERY_BROKER_URL"] = broker_url
        _purge(broker_url)
    env.update(
        {
            "DEBUG": "true",
            # Real processes run on the real clock, which a test cannot
            # freeze: reminders go at any hour (docs/email-rules.md rule 24).
            "COPRODUCE_DAYTIME": "always",
            "COPRODUCE_VAR_DIR": str(var_dir),
            "MAIL_OUTBOX_DIR": str(outbox),
            "COPRODUCE_BEAT_SECONDS": BEAT_SECONDS,
            "SITE_URL": "https://coproduce.example.org",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(_database_for_subprocesses(var_dir))
    return env


def worker_arguments(name: str) -> list[str]:
    return [
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
    ]


def beat_arguments(var_dir: Path) -> list[str]:
    return ["-A", "coproduce", "beat", "--loglevel=INFO", f"--schedule={var_dir / 'beat-schedule'}"]


def start(
    name: str, arguments: list[str], env: dict, logs: Path, *, module: str = "celery"
) -> subprocess.Popen:
    """``python -m <module> <arguments>`` in a session of its own, its output
    in logs/<name>.log."""
    with (logs / f"{name}.log").open("wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", module, *arguments],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(processes: dict[str, subprocess.Popen]) -> None:
    """Ask each process still running to stop (SIGTERM), and kill those that
    have not within 30 seconds."""
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def read_outbox(outbox: Path) -> list[email.message.EmailMessage]:
    messages = []
    for path in sorted(outbox.glob("*.eml")):
        with path.open("rb") as handle:
            messages.append(email.message_from_binary_file(handle, policy=email.policy.default))
    return messages


def counts(messages) -> Counter:
    """How many emails of each kind each address got."""
    return Counter((message["X-Coproduce-Kind"], message["To"]) for message in messages)


def beat_ticks(logs: Path, task: str = "participants.tasks.send_due_reminders") -> int:
    """How many times beat has sent ``task`` so far."""
    path = logs / "beat.log"
    if not path.exists():
        return 0
    return path.read_text(errors="replace").count(task)


def wait_for(condition, *, logs: Path, what: str) -> None:
    """Poll ``condition`` until it holds; after DEADLINE_SECONDS, fail with
    the end of every process's log."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)  # polling interval, not a wait for something to happen
    tails = "\n".join(
        f"--- {path.stem} ---\n{path.read_text(errors='replace')[-4000:]}"
        for path in sorted(logs.glob("*.log"))
    )
    pytest.fail(f"Timed out waiting for {what}.\n{tails}")


def database_rows(var_dir: Path, sql: str, params=()) -> list[tuple]:
    """Rows from the database the processes use (``%s`` placeholders): the
    test database itself on PostgreSQL, the file they share on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with contextlib.closing(sqlite3.connect(var_dir / SQLITE_FILE)) as database:
        return database.execute(sql.replace("%s", "?"), params).fetchall()


def worker_runs(logs: Path, task: str, *, worker: str = "worker") -> int:
    """How many times the worker has finished ``task`` so far."""
    path = logs / f"{worker}.log"
    if not path.exists():
        return 0
    return sum(
        1
        for line in path.read_text(errors="replace").splitlines()
        if f"Task {task}[" in line and " succeeded in " in line
    )


def wait_until_ready(logs: Path, names: list[str]) -> None:
    """Wait until each named worker says it is ready to take tasks."""
    wait_for(
        lambda: all(
            (logs / f"{name}.log").exists()
            and " ready." in (logs / f"{name}.log").read_text(errors="replace")
            for name in names
        ),
        logs=logs,
        what=f"{', '.join(names)} to be ready",
    )


def addresses_sent_by(logs: Path, worker: str) -> list[str]:
    """The addresses a worker wrote emails to, from its log (the outbox
    backend prints "Email to ADDRESS: SUBJECT" for each message)."""
    path = logs / f"{worker}.log"
    if not path.exists():
        return []
    return [
        line.split("Email to ", 1)[1].split(":", 1)[0]
        for line in path.read_text(errors="replace").splitlines()
        if "Email to " in line
    ]
