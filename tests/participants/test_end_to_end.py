"""End to end: a real Celery worker and Celery beat, started as separate
processes against the real broker (Redis when CELERY_BROKER_URL is set, as in
CI; otherwise the embedded folder broker) and this test's database, send the
reminders of a decision that closes within seconds into a file outbox.

The test sees exactly one closing-soon reminder for each member who has not
voted, and exactly one result email for each member, each in the member's
chosen format; then it stops both processes cleanly.

The database the processes use:
- PostgreSQL: the test database itself (its name is passed in DATABASE_URL).
- SQLite: the test database is in memory, which other processes cannot open,
  so the test copies it (after creating the data) into a file with SQLite's
  backup API and points the processes at that file (COPRODUCE_VAR_DIR).
"""

import contextlib
import email
import email.policy
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from decisions import reminders as decision_reminders
from decisions.models import Vote
from participants.models import ReminderLog
from tests.factories import DecisionFactory, MembershipFactory, ProjectFactory, StageFactory
from tests.participants.support import daytime_zone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BEAT_SECONDS = "1"
DEADLINE_SECONDS = 120
CLOSES_IN = timedelta(seconds=25)
FORMATS = ["standard", "plain_text", "large_print", "easy_words"]


def _database_for_subprocesses(var_dir: Path) -> dict[str, str]:
    """Environment that points the worker and beat at this test's data."""
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
    target = sqlite3.connect(var_dir / "coproduce.sqlite3")
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return {}


def _purge(broker_url: str) -> None:
    """Empty the queue first, so the worker sees only this test's tasks."""
    from kombu import Connection

    with Connection(broker_url) as broker:
        broker.default_channel.queue_purge("celery")


def _start(name: str, args: list[str], env: dict, logs: Path) -> subprocess.Popen:
    with (logs / f"{name}.log").open("wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coproduce", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(processes: dict[str, subprocess.Popen]) -> None:
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


def _read_outbox(outbox: Path) -> list[email.message.EmailMessage]:
    messages = []
    for path in sorted(outbox.glob("*.eml")):
        with path.open("rb") as handle:
            messages.append(email.message_from_binary_file(handle, policy=email.policy.default))
    return messages


def _counts(messages) -> Counter:
    return Counter((message["X-Coproduce-Kind"], message["To"]) for message in messages)


def _beat_ticks(logs: Path) -> int:
    path = logs / "beat.log"
    if not path.exists():
        return 0
    return path.read_text(errors="replace").count("participants.tasks.send_due_reminders")


def _wait_for(condition, *, logs: Path, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)  # polling interval, not a wait for something to happen
    worker = (logs / "worker.log").read_text(errors="replace")[-4000:]
    beat = (logs / "beat.log").read_text(errors="replace")[-2000:]
    pytest.fail(f"Timed out waiting for {what}.\n--- worker ---\n{worker}\n--- beat ---\n{beat}")


def test_a_real_worker_and_beat_send_each_reminder_once(tmp_path, real_broker):
    started = time.monotonic()
    outbox, var_dir, logs = tmp_path / "outbox", tmp_path / "var", tmp_path / "logs"
    for folder in (outbox, var_dir, logs):
        folder.mkdir()

    # The data: a decision that closes in 25 seconds, with a closing-soon
    # reminder 12 seconds before; one member of each format has not voted,
    # one member has.
    zone = daytime_zone()
    now = timezone.now()
    project = ProjectFactory(
        name="Riverside Day Service", timezone=zone, closing_reminder_hours=[12 / 3600]
    )
    stage = StageFactory(project=project, current=True, name="Ideas")
    proposer = MembershipFactory(
        project=project, is_facilitator=True, user__email="sam@example.org", user__timezone=zone
    )
    for reminder_format in FORMATS:
        MembershipFactory(
            project=project,
            user__email=f"{reminder_format}@example.org",
            user__reminder_format=reminder_format,
            user__timezone=zone,
        )
    voter = MembershipFactory(project=project, user__email="voter@example.org", user__timezone=zone)
    decision = DecisionFactory(
        project=project,
        stage=stage,
        proposer=proposer,
        title="Choose the new drop-in times",
        created_at=now,
        closes_at=now + CLOSES_IN,
    )
    for membership in (proposer, voter):
        Vote.objects.create(decision=decision, member=membership, choice=Vote.Choice.AGREE)
    # The hand-over decisions.services makes on commit. Nothing is enqueued
    # from this process: beat finds the due reminders on its own.
    with mock.patch("participants.reminders.enqueue_sending"):
        decision_reminders.decision_proposed(decision.pk)
    assert ReminderLog.objects.filter(kind="closing_soon").count() == len(FORMATS) + 2

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMTP_", "CELERY_", "DATABASE_URL"))
    }
    if not real_broker.startswith("safefs"):
        # Redis in CI. (The folder broker lives under COPRODUCE_VAR_DIR.)
        env["CELERY_BROKER_URL"] = real_broker
        _purge(real_broker)
    env.update(
        {
            "DEBUG": "true",
            "COPRODUCE_VAR_DIR": str(var_dir),
            "MAIL_OUTBOX_DIR": str(outbox),
            "COPRODUCE_BEAT_SECONDS": BEAT_SECONDS,
            "SITE_URL": "https://coproduce.example.org",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(_database_for_subprocesses(var_dir))
    processes = {
        "worker": _start(
            "worker",
            [
                "worker",
                "--loglevel=INFO",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=e2e-{os.getpid()}@%h",
            ],
            env,
            logs,
        ),
        "beat": _start(
            "beat",
            ["beat", "--loglevel=INFO", f"--schedule={var_dir / 'beat-schedule'}"],
            env,
            logs,
        ),
    }
    try:
        expected = Counter()
        for reminder_format in FORMATS:
            expected[("closing_soon", f"{reminder_format}@example.org")] = 1
        everyone = [*(f"{f}@example.org" for f in FORMATS), "voter@example.org"]
        for address in everyone:
            expected[("new_decision", address)] = 1  # not to the proposer
        for address in [*everyone, "sam@example.org"]:
            expected[("result", address)] = 1

        def all_arrived():
            counts = _counts(_read_outbox(outbox))
            return all(counts[key] >= n for key, n in expected.items())

        _wait_for(all_arrived, logs=logs, what="the closing-soon and result emails")
        # Let beat run the sending task three more times: nothing more may come.
        ticks = _beat_ticks(logs)
        _wait_for(lambda: _beat_ticks(logs) >= ticks + 3, logs=logs, what="three more beats")
    finally:
        _stop(processes)

    messages = _read_outbox(outbox)
    counts = _counts(messages)
    for key, n in expected.items():
        assert counts[key] == n, f"{key}: {counts[key]} emails"
    # Members who voted get no closing-soon reminder.
    assert counts[("closing_soon", "voter@example.org")] == 0
    assert counts[("closing_soon", "sam@example.org")] == 0
    # Each in the member's chosen format.
    by_key = {(m["X-Coproduce-Kind"], m["To"]): m for m in messages}
    for kind in ("closing_soon", "result"):
        plain = by_key[(kind, "plain_text@example.org")]
        assert plain.get_content_type() == "text/plain"
        for reminder_format, size in [("standard", 19), ("large_print", 24), ("easy_words", 21)]:
            message = by_key[(kind, f"{reminder_format}@example.org")]
            assert message.get_content_type() == "multipart/alternative"
            document = message.get_body(preferencelist=("html",)).get_content()
            assert f"font-size:{size}px" in document
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        str(by_key[("closing_soon", "easy_words@example.org")]["Subject"])
        .strip()
        .startswith("Please vote")
    )
    assert (
        str(by_key[("closing_soon", "standard@example.org")]["Subject"])
        .strip()
        .startswith("Vote closes")
    )
    # Both processes stopped when asked.
    assert all(process.returncode is not None for process in processes.values())
    seconds = time.monotonic() - started
    print(f"\nEnd-to-end run: {len(messages)} emails in {seconds:.1f} s")  # noqa: T201
    assert re.search(r"ready", (logs / "worker.log").read_text(errors="replace"))
