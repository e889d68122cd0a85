"""Keeping records no longer than needed: expired sessions, old reminder
records (never those still waiting to be sent) and old sign-in records, each
deleted by a beat task once a day, in batches; and the settings that say how
long, checked at start-up."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session

from coproduce.celery import app
from participants import tasks
from participants.accounts import retention
from participants.models import ReminderLog, SignIn
from tests.coproduce.test_settings_and_health import PRODUCTION, _settings_check
from tests.factories import UserFactory

NOW = datetime(2026, 6, 10, 3, 20, tzinfo=UTC)
DAY = timedelta(days=1)


def reminder(user, *, status, age_days, sent=True, key="decision:1"):
    moment = NOW - age_days * DAY
    return ReminderLog.objects.create(
        user=user,
        kind="new_decision",
        object_key=f"{key}-{status}-{age_days}",
        due_at=moment,
        send_after=moment,
        created_at=moment,
        sent_at=moment if sent and status == ReminderLog.Status.SENT else None,
        status=status,
    )


def test_beat_runs_each_clean_up_once_a_day():
    schedule = app.conf.beat_schedule
    for entry, task in [
        ("clear-expired-sessions", "participants.tasks.clear_expired_sessions"),
        ("delete-old-reminder-logs", "participants.tasks.delete_old_reminder_logs"),
        ("delete-old-sign-ins", "participants.tasks.delete_old_sign_ins"),
    ]:
        assert schedule[entry]["task"] == task
        assert task in app.tasks
        cron = schedule[entry]["schedule"]
        assert cron.hour == {3}
        assert len(cron.minute) == 1


def test_old_finished_reminders_go_and_waiting_ones_stay(db, settings):
    settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS = 365
    person = UserFactory()
    old_sent = reminder(person, status=ReminderLog.Status.SENT, age_days=400)
    old_skipped = reminder(person, status=ReminderLog.Status.SKIPPED, age_days=366)
    old_failed = reminder(person, status=ReminderLog.Status.FAILED, age_days=500)
    old_pending = reminder(person, status=ReminderLog.Status.PENDING, age_days=800)
    old_claimed = reminder(person, status=ReminderLog.Status.CLAIMED, age_days=800)
    recent = reminder(person, status=ReminderLog.Status.SENT, age_days=364)
    # Planned long ago for a vote that closed only recently: sent last week.
    late = reminder(person, status=ReminderLog.Status.SENT, age_days=400, sent=False, key="late")
    late.sent_at = NOW - 7 * DAY
    late.save()

    with time_machine.travel(NOW, tick=False):
        assert tasks.delete_old_reminder_logs() == 3

    left = set(ReminderLog.objects.values_list("pk", flat=True))
    assert left == {old_pending.pk, old_claimed.pk, recent.pk, late.pk}
    assert not left & {old_sent.pk, old_skipped.pk, old_failed.pk}


def test_the_reminder_setting_decides_how_long(db, settings):
    person = UserFactory()
    row = reminder(person, status=ReminderLog.Status.SENT, age_days=40)
    settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS = 60
    with time_machine.travel(NOW, tick=False):
        assert tasks.delete_old_reminder_logs() == 0
        settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS = 30
        assert tasks.delete_old_reminder_logs() == 1
    assert not ReminderLog.objects.filter(pk=row.pk).exists()


def test_old_sign_ins_go(db, settings):
    settings.COPRODUCE_KEEP_SIGN_INS_DAYS = 90
    person = UserFactory()
    kept = SignIn.objects.create(user=person, signed_in_at=NOW - 89 * DAY)
    SignIn.objects.create(user=person, signed_in_at=NOW - 91 * DAY)
    SignIn.objects.create(user=person, signed_in_at=NOW - 400 * DAY)
    with time_machine.travel(NOW, tick=False):
        assert tasks.delete_old_sign_ins() == 2
        assert tasks.delete_old_sign_ins() == 0  # running again finds nothing
    assert list(SignIn.objects.values_list("pk", flat=True)) == [kept.pk]
    # A day later, the one kept is old enough to go too.
    with time_machine.travel(NOW + 2 * DAY, tick=False):
        assert tasks.delete_old_sign_ins() == 1


@pytest.mark.parametrize("rows", [5, 12])
def test_rows_are_deleted_in_bounded_batches(db, rows, django_assert_max_num_queries):
    person = UserFactory()
    SignIn.objects.bulk_create(
        SignIn(user=person, signed_in_at=NOW - 400 * DAY) for _ in range(rows)
    )
    SignIn.objects.create(user=person, signed_in_at=NOW)
    batches = -(-rows // 5)  # each batch: one read of ids, one delete
    with (
        time_machine.travel(NOW, tick=False),
        django_assert_max_num_queries(2 * batches + 1) as captured,
    ):
        assert retention.delete_old_sign_ins(batch_size=5) == rows
    deletes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == batches
    assert SignIn.objects.count() == 1


def test_expired_sessions_are_cleared(db):
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    with time_machine.travel(NOW - 30 * DAY, tick=False):
        old = store()
        old["x"] = 1
        old.set_expiry(14 * 24 * 3600)
        old.create()
    with time_machine.travel(NOW, tick=False):
        fresh = store()
        fresh["x"] = 2
        fresh.create()
        tasks.clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        (
            "COPRODUCE_KEEP_REMINDER_LOGS_DAYS",
            "10",
            "COPRODUCE_KEEP_REMINDER_LOGS_DAYS must be from 30 to 3650 days, not 10",
        ),
        (
            "COPRODUCE_KEEP_SIGN_INS_DAYS",
            "a month",
            "COPRODUCE_KEEP_SIGN_INS_DAYS must be a whole number, not 'a month'",
        ),
        (
            "COPRODUCE_KEEP_SIGN_INS_DAYS",
            "0",
            "COPRODUCE_KEEP_SIGN_INS_DAYS must be from 1 to 3650 days, not 0",
        ),
        (
            "COPRODUCE_PRIVACY_CONTACT_EMAIL",
            "the office",
            "COPRODUCE_PRIVACY_CONTACT_EMAIL must be an email address",
        ),
    ],
)
def test_a_bad_privacy_setting_stops_start_up_in_one_plain_line(variable, value, says):
    result = _settings_check(**{**PRODUCTION, variable: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Coproduce cannot start: {says}"), lines[0]


def test_the_privacy_settings_have_defaults():
    result = _settings_check(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.COPRODUCE_PRIVACY_CONTACT_EMAIL,"
        " s.COPRODUCE_KEEP_REMINDER_LOGS_DAYS, s.COPRODUCE_KEEP_SIGN_INS_DAYS)",
        **PRODUCTION,
        DEFAULT_FROM_EMAIL="Riverside Coproduce <coproduce@riverside.example.org>",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "coproduce@riverside.example.org",
        "365",
        "90",
    ]
