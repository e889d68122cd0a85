"""The reminder log's two shortcuts for speed (participants/reminders/bulk.py)
do exactly what the plain ORM way does."""

from datetime import timedelta

import pytest
import time_machine
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


def _mark_with_the_orm(pks, token):
    return ReminderLog.objects.filter(pk__in=pks, claim_token=token).update(
        status=ReminderLog.Status.SENT, claim_token="", sent_at=timezone.now(), last_error=""
    )


def _marked_state():
    return sorted(
        ReminderLog.objects.values_list(*FIELDS, *MORE, "sent_at"),
        key=lambda row: (row[0] or 0, row[1], row[4]),
    )


def _claimed_rows(now, project, rows):
    """The four rows, three claimed by "mine" and one by another worker."""
    bulk.insert_ignoring_conflicts(
        kind="result", object_key="decision:3", project_id=project.pk, rows=rows, now=now
    )
    pks = list(ReminderLog.objects.order_by("pk").values_list("pk", flat=True))
    ReminderLog.objects.filter(pk__in=pks[:3]).update(
        status=ReminderLog.Status.CLAIMED, claim_token="mine", last_error="earlier try"
    )
    ReminderLog.objects.filter(pk=pks[3]).update(
        status=ReminderLog.Status.CLAIMED, claim_token="someone-else"
    )
    return pks


@pytest.mark.parametrize("mark", [bulk.mark_sent, _mark_with_the_orm])
def test_marking_a_group_sent_is_what_the_orm_update_does_and_only_with_the_claim(setting, mark):
    now, project, rows = setting
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        pks = _claimed_rows(now, project, rows)
        assert mark(pks, "nobody") == 0
        assert mark(pks, "mine") == 3  # not the row another worker holds
        assert mark(pks, "mine") == 0  # marked already
    rows_written = _marked_state()
    statuses = sorted(ReminderLog.objects.values_list("status", "claim_token", "last_error"))
    assert statuses == [("claimed", "someone-else", ""), *[("sent", "", "")] * 3]
    assert ReminderLog.objects.get(pk=pks[0]).sent_at == now + timedelta(minutes=1)

    ReminderLog.objects.all().delete()
    other = _mark_with_the_orm if mark is bulk.mark_sent else bulk.mark_sent
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        other(_claimed_rows(now, project, rows), "mine")
    assert rows_written == _marked_state()


def test_marking_any_number_of_reminders_sent_is_one_query(setting):
    now, project, _rows = setting
    user = UserFactory()
    many = [(user.pk, "", now + timedelta(minutes=i), now, False) for i in range(2000)]
    bulk.insert_ignoring_conflicts(
        kind="closing_soon", object_key="decision:4", project_id=project.pk, rows=many, now=now
    )
    ReminderLog.objects.update(status=ReminderLog.Status.CLAIMED, claim_token="mine")
    pks = list(ReminderLog.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert bulk.mark_sent(pks, "mine") == 2000
    assert len(queries) == 1
    assert bulk.mark_sent([], "mine") == 0
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"sent"}
