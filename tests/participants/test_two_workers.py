"""Exactly once with two real worker processes claiming at once: two
`celery worker` processes (tests/participants/celery_processes.py), against
the real broker and this test's database, share the sending of 600 due
reminders in batches of 25. Every member gets exactly one email, none gets
two, every row ends sent, and both workers sent some (the batches are
claimed in parallel, not by one worker while the other waits).

Needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED, and a database two
processes write at once); it always runs in CI, and on a developer's machine
when DATABASE_URL points at PostgreSQL."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from participants.models import ReminderLog
from participants.tasks import send_due_reminders
from tests.conftest import IN_CI
from tests.factories import DecisionFactory
from tests.participants.celery_processes import (
    addresses_sent_by,
    counts,
    database_rows,
    environment,
    read_outbox,
    start,
    stop,
    wait_for,
    wait_until_ready,
    worker_arguments,
)
from tests.participants.support import members_with_a_due_reminder

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not IN_CI,
        reason="needs PostgreSQL (set DATABASE_URL); always runs in CI",
    ),
]

MEMBERS = 600
BATCH = 25
WORKERS = ["worker-one", "worker-two"]


@pytest.fixture
def due_reminders(settings):
    """A new-decision reminder due for each of MEMBERS members."""
    settings.COPRODUCE_DAYTIME = None  # as in the workers: at any hour
    now = timezone.now()
    decision = DecisionFactory(closes_at=now + timedelta(days=2))
    users = members_with_a_due_reminder(decision, MEMBERS, due=now - timedelta(minutes=1))
    return {user.email for user in users}


def test_two_worker_processes_share_the_batches_and_send_each_reminder_once(
    tmp_path, real_broker, due_reminders
):
    from coproduce.celery import app

    outbox, var_dir, logs = tmp_path / "outbox", tmp_path / "var", tmp_path / "logs"
    for folder in (outbox, var_dir, logs):
        folder.mkdir()
    env = environment(broker_url=real_broker, var_dir=var_dir, outbox=outbox)
    processes = {name: start(name, worker_arguments(name), env, logs) for name in WORKERS}
    app.conf.task_always_eager = False  # to the real broker (the fixture puts it back)
    try:
        wait_until_ready(logs, WORKERS)
        # Beat's run and one enqueued on commit, at once: each worker starts a
        # run, and each full batch queues the next for whichever is free.
        # (Through a connection of its own: this process's pool may still
        # hold the in-memory broker of the tests before.)
        with app.connection_for_write(real_broker) as broker, broker.Producer() as producer:
            for _ in range(2):
                send_due_reminders.apply_async(kwargs={"batch_size": BATCH}, producer=producer)

        def all_sent():
            return database_rows(
                var_dir, "SELECT COUNT(*) FROM participants_reminderlog WHERE status = 'sent'"
            ) == [(MEMBERS,)]

        wait_for(all_sent, logs=logs, what=f"{MEMBERS} reminders marked sent")
    finally:
        stop(processes)

    got = counts(read_outbox(outbox))
    assert set(got) == {("new_decision", address) for address in due_reminders}
    assert max(got.values()) == 1, [key for key, n in got.items() if n > 1]
    by_worker = {name: addresses_sent_by(logs, name) for name in WORKERS}
    assert Counter(a for sent in by_worker.values() for a in sent) == Counter(due_reminders)
    assert all(by_worker.values()), {name: len(sent) for name, sent in by_worker.items()}
    assert database_rows(
        var_dir, "SELECT status, COUNT(*) FROM participants_reminderlog GROUP BY status"
    ) == [(ReminderLog.Status.SENT, MEMBERS)]
    print(  # noqa: T201
        "\nTwo workers: " + ", ".join(f"{n}: {len(s)} emails" for n, s in by_worker.items())
    )
