"""Exactly once with two workers at once: two threads, each with its own
database connection, send the same due reminders at the same time. Needs
PostgreSQL's row locks (SELECT ... FOR UPDATE SKIP LOCKED); it always runs in
CI, and on a developer's machine when DATABASE_URL points at PostgreSQL."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from participants.models import ReminderLog
from participants.reminders import sending
from participants.tasks import send_due_reminders
from tests.conftest import IN_CI
from tests.factories import DecisionFactory
from tests.participants.mailers import SlowBackend
from tests.participants.support import NOW, members_with_a_due_reminder

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not IN_CI,
        reason="needs PostgreSQL (set DATABASE_URL); always runs in CI",
    ),
]

MEMBERS = 300


@pytest.fixture(autouse=True)
def _daytime_in_london():
    """The clock stands at 10am in London, where the members live, so nothing
    waits for the morning (docs/email-rules.md rule 24). Both threads see the
    same frozen clock."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def due_reminders(settings):
    SlowBackend.reset()
    settings.MAILERS = {"default": {"BACKEND": "tests.participants.mailers.SlowBackend"}}
    now = timezone.now()
    decision = DecisionFactory(closes_at=now + timedelta(days=2))
    return members_with_a_due_reminder(decision, MEMBERS, due=now - timedelta(minutes=5))


def _at_once(target, count=2):
    """Run target in ``count`` threads that start together."""
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _sent_once_each(users):
    sent = Counter(message.to[0] for message in SlowBackend.sent)
    assert len(sent) == len(users), f"{len(users) - len(sent)} members got nothing"
    assert max(sent.values()) == 1, [address for address, n in sent.items() if n > 1]
    statuses = Counter(ReminderLog.objects.values_list("status", flat=True))
    assert statuses == {ReminderLog.Status.SENT: len(users)}


def test_two_workers_at_once_send_each_reminder_once(due_reminders):
    _at_once(lambda: sending.send_due(batch_size=20))
    _sent_once_each(due_reminders)


def test_a_beat_firing_twice_at_once_sends_each_reminder_once(due_reminders):
    _at_once(lambda: send_due_reminders.apply().get(), count=3)
    _sent_once_each(due_reminders)


def test_both_workers_share_the_work(due_reminders):
    """SKIP LOCKED lets the second worker take other rows instead of
    waiting: both send some."""
    done = Counter()

    def work():
        done[threading.get_ident()] += sending.send_due(batch_size=10).sent

    _at_once(work)
    assert sum(done.values()) == MEMBERS
    assert len([n for n in done.values() if n]) == 2
