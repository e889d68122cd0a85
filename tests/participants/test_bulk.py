"""The reminder log's two shortcuts for speed (participants/reminders/bulk.py)
do exactly what the plain ORM way does."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from participants.models import ReminderLog
from participants.reminders import bulk
from tests.factories import ProjectFactory, UserFactory

FIELDS = ["user_id", "email", "kind", "object_key", "due_at", "send_after", "project_id"]
MORE = ["in_digest", "status", "attempts", "last_error", "claim_token", "created_at"]


@pytest.fixture
def setting(db):
    now = timezone.now().replace(microsecond=0)
    users = UserFactory.create_batch(3)
    project = ProjectFactory()
    rows = [
        (users[0].pk, "", now, now + timedelta(hours=1), False),
        (users[1].pk, "", now, now + timedelta(hours=2), True),
        (users[2].pk, "", now + timedelta(days=1), now + timedelta(days=1), False),
        (None, "someone@example.org", now, now, False),
    ]
    return now, project, rows


def _state():
    return sorted(
        ReminderLog.objects.values_list(*FIELDS, *MORE),
        key=lambda row: (row[0] or 0, row[1], row[4]),
    )


def _insert_with_the_orm(*, kind, object_key, project_id, rows, now):
    before = ReminderLog.objects.count()
    ReminderLog.objects.bulk_create(
        [
            ReminderLog(
                user_id=user_id,
                email=email,
                kind=kind,
                object_key=object_key,
                due_at=due,
                send_after=at,
                project_id=project_id,
                in_digest=in_digest,
                created_at=now,
            )
            for user_id, email, due, at, in_digest in rows
        ],
        ignore_conflicts=True,
    )
    return ReminderLog.objects.count() - before


@pytest.mark.parametrize("insert", [bulk.insert_ignoring_conflicts, _insert_with_the_orm])
def test_inserting_reminders_writes_the_same_rows_and_skips_existing_keys(setting, insert):
    now, project, rows = setting
    kwargs = {"kind": "new_decision", "object_key": "decision:1", "project_id": project.pk}
    assert insert(rows=rows[:2], now=now, **kwargs) == 2
    assert insert(rows=rows, now=now, **kwargs) == 2  # the first two exist already
    rows_written = _state()
    ReminderLog.objects.all().delete()
    other = (
        _insert_with_the_orm
        if insert is bulk.insert_ignoring_conflicts
        else bulk.insert_ignoring_conflicts
    )
    other(rows=rows, now=now, **kwargs)
    assert rows_written == _state()


def test_inserting_any_number_of_reminders_is_one_query(setting):
    now, project, _rows = setting
    user = UserFactory()
    many = [(user.pk, "", now + timedelta(minutes=i), now, False) for i in range(2000)]
    with CaptureQueriesContext(connection) as queries:
        added = bulk.insert_ignoring_conflicts(
            kind="closing_soon", object_key="decision:2", project_id=project.pk, rows=many, now=now
        )
    assert added == 2000
    assert len(queries) == 1


def test_marking_sent_is_what_the_orm_update_does_and_only_with_the_claim(setting):
    now, project, rows = setting
    bulk.insert_ignoring_conflicts(
        kind="result", object_key="decision:3", project_id=project.pk, rows=rows[:2], now=now
    )
    first, second = ReminderLog.objects.order_by("pk")
    ReminderLog.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=ReminderLog.Status.CLAIMED, claim_token="mine", last_error="earlier try"
    )
    assert bulk.mark_sent(first.pk, "someone-else") == 0
    assert bulk.mark_sent(first.pk, "mine") == 1
    ReminderLog.objects.filter(pk=second.pk, claim_token="mine").update(
        status=ReminderLog.Status.SENT, claim_token="", sent_at=timezone.now(), last_error=""
    )
    first.refresh_from_db()
    second.refresh_from_db()
    for row in (first, second):
        assert (row.status, row.claim_token, row.last_error) == ("sent", "", "")
        assert row.sent_at is not None
