"""How long Coproduce keeps records that nobody needs for long, run daily by
beat (participants.tasks, coproduce/celery.py):

- sessions that have expired (Django's own ``clearsessions``);
- reminders that were sent, skipped or gave up more than
  COPRODUCE_KEEP_REMINDER_LOGS_DAYS ago (never those still waiting to be
  sent, or being sent);
- sign-in records older than COPRODUCE_KEEP_SIGN_INS_DAYS.

Rows are deleted in batches of BATCH_SIZE, each its own short statement, so
a large backlog (the first run on an old site) never holds a long lock.
"""

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from participants.models import ReminderLog, SignIn

BATCH_SIZE = 1000

# Reminders that are finished with: nothing will send them again.
FINISHED = [ReminderLog.Status.SENT, ReminderLog.Status.SKIPPED, ReminderLog.Status.FAILED]


def delete_in_batches(rows: QuerySet, *, batch_size: int = BATCH_SIZE) -> int:
    """Delete these rows, at most ``batch_size`` at a time. Returns how many."""
    deleted = 0
    while True:
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += rows.model.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            return deleted


def clear_expired_sessions() -> None:
    """What ``manage.py clearsessions`` does: remove sessions whose time is up
    (a cached_db store keeps its sessions in the database too)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def reminder_logs_to_forget(*, now: datetime | None = None) -> QuerySet:
    """Reminders finished with (sent, not needed, or given up on) whose every
    date is more than COPRODUCE_KEEP_REMINDER_LOGS_DAYS ago. Rows waiting to
    be sent, or being sent, stay whatever their age."""
    before = (now or timezone.now()) - timedelta(days=settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS)
    return ReminderLog.objects.filter(
        Q(sent_at__isnull=True) | Q(sent_at__lt=before),
        status__in=FINISHED,
        created_at__lt=before,
        due_at__lt=before,
    )


def sign_ins_to_forget(*, now: datetime | None = None) -> QuerySet:
    before = (now or timezone.now()) - timedelta(days=settings.COPRODUCE_KEEP_SIGN_INS_DAYS)
    return SignIn.objects.filter(signed_in_at__lt=before)


def delete_old_reminder_logs(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    return delete_in_batches(reminder_logs_to_forget(now=now), batch_size=batch_size)


def delete_old_sign_ins(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    return delete_in_batches(sign_ins_to_forget(now=now), batch_size=batch_size)
