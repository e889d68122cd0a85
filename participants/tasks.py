"""Thin Celery tasks for the reminder machinery: they call
participants.reminders (sending, digests, planning), which does the work and
keeps it exactly-once. The machinery queues them by name, on commit, so it
never imports this module.

Beat runs the sending tasks every COPRODUCE_BEAT_SECONDS (see
coproduce/celery.py), and schedule() enqueues send_due_reminders on commit
when something is due now. send_due_reminders sends the first batch of what
is due and, while batches come back full, queues send_reminder_batch for the
next one, so every worker process (on every host) takes a share of a large
send. Two runs at once are safe: each row is claimed by one worker only.
Beat also runs plan_missed_reminders, the sweep that plans what a process
dying straight after a commit left unplanned; planning twice adds nothing.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from participants.accounts import retention
from participants.reminders import digests, planning, sending

logger = logging.getLogger(__name__)


# Sending failures are retried per reminder, with backoff, by the reminder
# log itself; the sending tasks retry only when the database is down.
SENDING = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "ignore_result": True,
}


@shared_task(**SENDING)
def send_due_reminders(batch_size: int = sending.BATCH_SIZE) -> dict:
    """Send the reminders that are due at or before now and not yet sent:
    release the claims of dead workers, send the first batch here and, if
    more may be due, queue the next batch for any worker (send_reminder_batch,
    which queues the one after, and so on)."""
    sending.release_stale_claims()
    return _sent(sending.send_batch(batch_size=batch_size, more=_next(batch_size)))


@shared_task(**SENDING)
def send_reminder_batch(batch_size: int = sending.BATCH_SIZE) -> dict:
    """One batch of due reminders, claimed by whichever worker process takes
    this task; it queues the next batch first if more may be due."""
    return _sent(sending.send_batch(batch_size=batch_size, more=_next(batch_size)))


def _next(batch_size: int):
    return lambda: sending.enqueue_next_batch(batch_size=batch_size)


def _sent(report: sending.SendReport) -> dict:
    if report.sent or report.retried or report.failed or report.postponed:
        logger.info(
            "Reminders: %s sent, %s skipped, %s to try again, %s failed, %s waiting for daytime",
            report.sent,
            report.skipped,
            report.retried,
            report.failed,
            report.postponed,
        )
    return {
        "sent": report.sent,
        "skipped": report.skipped,
        "failed": report.failed,
        "postponed": report.postponed,
    }


@shared_task(**SENDING)
def send_due_digests() -> dict:
    """Send the daily and weekly digests that are due."""
    report = digests.send_due_digests()
    if report.digests or report.failed:
        logger.info("Digests: %s sent, %s failed", report.digests, report.failed)
    return {"digests": report.digests, "failed": report.failed}


@shared_task(bind=True, max_retries=8, ignore_result=True)
def plan_reminders(self, event: str, args: list) -> None:
    """Plan reminders that could not be planned straight after commit (see
    participants.reminders.planning.plan_committed): tried again with backoff. Beat's
    sweep (plan_missed_reminders) would plan them too."""
    try:
        planning.plan_now(event, *args)
    except Exception as error:
        raise self.retry(exc=error, countdown=min(60 * 2**self.request.retries, 3600)) from error


@shared_task(ignore_result=True)
def plan_missed_reminders() -> int:
    """Plan the reminders of every change whose planning after commit never
    happened (the process died between the commit and the planning) or
    failed. Beat runs it every COPRODUCE_BEAT_SECONDS."""
    planned = planning.plan_missed()
    if planned:
        logger.warning("Planned the reminders of %s change(s) missed after commit", planned)
    return planned


# Keeping records no longer than needed (participants.accounts.retention):
# beat runs these once a day.


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Remove sessions whose time is up, as ``manage.py clearsessions`` does."""
    retention.clear_expired_sessions()


@shared_task(ignore_result=True)
def delete_old_reminder_logs() -> int:
    """Delete reminders sent or finished with more than
    COPRODUCE_KEEP_REMINDER_LOGS_DAYS ago; never those waiting to be sent."""
    deleted = retention.delete_old_reminder_logs()
    if deleted:
        logger.info("Deleted %s old reminder record(s)", deleted)
    return deleted


@shared_task(ignore_result=True)
def delete_old_sign_ins() -> int:
    """Delete sign-in records older than COPRODUCE_KEEP_SIGN_INS_DAYS."""
    deleted = retention.delete_old_sign_ins()
    if deleted:
        logger.info("Deleted %s old sign-in record(s)", deleted)
    return deleted
