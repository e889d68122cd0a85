"""Scheduling reminders: what is due for whom, honouring each person's
choices (a kind turned off: nothing; "straight away": sent when due, in
their daytime; daily or weekly: held for their digest). Each row of the
reminder log is keyed by (person, kind, object, due time) with a unique
constraint, so scheduling the same thing twice adds nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from celery import current_app
from django.db import transaction
from django.utils import timezone

from participants.models import ReminderLog, User
from participants.reminders import bulk
from participants.reminders.registry import get_kind, is_turned_off, registered_kinds
from participants.reminders.timing import plan
from projects.models import Organisation

logger = logging.getLogger(__name__)

Status = ReminderLog.Status

# The Celery task that sends what is due (participants.tasks).
SEND_TASK = "participants.tasks.send_due_reminders"

# What schedule() and the sender need of each recipient.
RECIPIENT_FIELDS = [
    "id",
    "email",
    "display_name",
    "is_active",
    "timezone",
    "reminder_format",
    "reminder_timing",
    "digest_time",
    "digest_weekday",
    "reminders_turned_off",
]


def project_recipients(project_id: int):
    """The current members of a project who can get email, with only the
    fields reminders need: one query."""
    return User.objects.filter(
        memberships__project_id=project_id,
        memberships__left_at__isnull=True,
        is_active=True,
    ).only(*RECIPIENT_FIELDS)


@transaction.atomic
def schedule(
    *,
    kind: str,
    object_key: str,
    due_at: datetime | Sequence[datetime],
    recipients: Iterable[User] = (),
    addresses: Iterable[str] = (),
    project=None,
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Plan one kind of reminder about one object for many people, in a fixed
    number of queries (one INSERT, whatever the number of recipients).

    ``recipients`` are Users loaded with at least RECIPIENT_FIELDS (see
    ``project_recipients``); ``addresses`` are email addresses without an
    account (invitations). ``due_at`` is one moment or several (closing-soon
    reminders at 48 and 24 hours). ``deadline`` is what the reminder is about
    (when the vote closes): it is never planned after it.

    Returns how many new rows were added; rows that already exist (the same
    person, kind, object and due time) are left alone, so calling this twice
    is harmless. Anything due now is sent by a task enqueued on commit.
    """
    spec = get_kind(kind)
    now = now or timezone.now()
    due_times = [due_at] if isinstance(due_at, datetime) else list(due_at)
    project_id = project.pk if project is not None else None
    rows = []
    for user in recipients:
        if not user.is_active or is_turned_off(user, spec):
            continue
        for due in due_times:
            in_digest, send_after = plan(user=user, kind=spec, due=due, deadline=deadline, now=now)
            rows.append((user.pk, "", due, send_after, in_digest))
    for address in dict.fromkeys(a.strip().lower() for a in addresses if a.strip()):
        for due in due_times:
            rows.append((None, address, due, due, False))
    if not rows:
        return 0
    added = bulk.insert_ignoring_conflicts(
        kind=kind, object_key=object_key, project_id=project_id, rows=rows, now=now
    )
    if added and any(not in_digest and at <= now for *_, at, in_digest in rows):
        transaction.on_commit(enqueue_sending)
    return added


@transaction.atomic
def cancel(*, kind: str, object_key: str, reason: str, project=None) -> int:
    """Drop reminders of one kind that have not gone yet, about one object
    (the vote closed, so no more closing-soon reminders), or about anything in
    one project when ``object_key`` is "" and ``project`` is given."""
    pending = ReminderLog.objects.filter(kind=kind, status=Status.PENDING)
    if object_key:
        pending = pending.filter(object_key=object_key)
    elif project is not None:
        pending = pending.filter(project=project)
    else:
        raise ValueError("cancel() needs an object_key or a project")
    return pending.update(status=Status.SKIPPED, last_error=reason)


def enqueue_sending() -> None:
    """Ask a worker to send what is due now (beat would find it too, a few
    seconds later)."""
    try:
        current_app.signature(SEND_TASK).apply_async(retry=False)
    except Exception:  # noqa: BLE001  (the broker is down: beat sends it on its next run)
        logger.warning("Could not ask a worker to send reminders now; beat will send them")


@transaction.atomic
def reschedule_for(*, user: User, now: datetime | None = None) -> None:
    """The member changed their preferences: an opt-out takes effect at once
    (pending reminders of a kind they turned off are dropped), and pending
    reminders move to their new timing."""
    now = now or timezone.now()
    kinds = registered_kinds()
    turned_off = [name for name, kind in kinds.items() if is_turned_off(user, kind)]
    pending = ReminderLog.objects.filter(user=user, status=Status.PENDING)
    pending.filter(kind__in=turned_off).update(
        status=Status.SKIPPED, last_error="Turned off by the member"
    )
    wanted = pending.exclude(kind__in=turned_off)
    deadlines = {
        (name, key): kinds[name].deadline_for(key)
        for name, key in wanted.values_list("kind", "object_key").distinct()
        if name in kinds
    }
    for row in wanted.select_for_update():
        spec = kinds.get(row.kind)
        if spec is None:
            continue
        in_digest, send_after = plan(
            user=user,
            kind=spec,
            due=max(row.due_at, now),
            deadline=deadlines.get((row.kind, row.object_key)),
            now=now,
        )
        if (in_digest, send_after) != (row.in_digest, row.send_after):
            row.in_digest, row.send_after = in_digest, send_after
            row.save(update_fields=["in_digest", "send_after"])


@transaction.atomic
def reminders_retry(*, reminders: Iterable[ReminderLog], actor: User) -> int:
    """A manager asked to try failed reminders again: those of the projects
    of organisations they manage (any, for a superuser) go back to the queue
    with a fresh set of attempts."""
    pks = [reminder.pk for reminder in reminders]
    failed = ReminderLog.objects.filter(pk__in=pks, status=Status.FAILED)
    if not (actor.is_active and actor.is_superuser):
        failed = failed.filter(project__organisation__in=Organisation.objects.managed_by(actor))
    count = failed.update(
        status=Status.PENDING, attempts=0, send_after=timezone.now(), claim_token=""
    )
    if count:
        transaction.on_commit(enqueue_sending)
    return count
