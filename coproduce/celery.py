"""The Celery app. Settings come from Django's settings with the CELERY_ prefix.

The beat schedule lives in code here so that it is reviewed like code; each
entry is documented in README.md.
"""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

import coproduce.broker  # noqa: F401  (registers the safefs:// embedded broker)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

app = Celery("coproduce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat records that it is alive as it runs (coproduce/beat.py), for /healthz.
app.conf.beat_scheduler = "coproduce.beat:HeartbeatScheduler"

# How often beat runs each entry below, in seconds: COPRODUCE_BEAT_SECONDS
# (default 60). The end-to-end test sets it to 1 so a vote that closes within
# seconds is seen through; every entry finds its work "at or before now", so
# any interval is correct, only slower or faster.
BEAT_SECONDS = settings.COPRODUCE_BEAT_SECONDS

app.conf.beat_schedule = {
    # Every minute: close each decision whose closing time has come and count
    # its votes once (decisions.tasks.close_due_decisions). It finds decisions
    # "at or before now", so after downtime it catches up, and it is safe when
    # two beats or workers run it at once.
    "close-due-decisions": {
        "task": "decisions.close_due_decisions",
        "schedule": BEAT_SECONDS,
    },
    # Every minute: plan the reminders of each change whose planning after
    # commit was missed (participants.tasks.plan_missed_reminders). A change
    # that calls for reminders (a decision proposed or closed, an outcome, a
    # vote recorded for a member, a new stage, someone joining) writes a
    # planning request in its own transaction, and the reminders are planned
    # as soon as it commits; a process killed in between leaves the request,
    # which this plans once it is a beat old. Planning is idempotent (the
    # reminder log's unique key), so running it twice at once is safe.
    "plan-missed-reminders": {
        "task": "participants.tasks.plan_missed_reminders",
        "schedule": BEAT_SECONDS,
    },
    # Every minute: send each reminder that is due at or before now and not yet
    # sent (participants.tasks.send_due_reminders): new decisions, votes
    # closing soon (to members who have not voted), results and outcomes, new
    # stages, invitations. Rows are claimed before sending and marked sent
    # after, so a beat that fires twice or two workers never send one twice;
    # after downtime it catches up. It sends the first batch and queues the
    # next (participants.tasks.send_reminder_batch) while batches come back
    # full, so every worker process takes a share. Also enqueued on commit
    # when something is due at once.
    "send-due-reminders": {
        "task": "participants.tasks.send_due_reminders",
        "schedule": BEAT_SECONDS,
    },
    # Every minute: send the daily and weekly digests that are due
    # (participants.tasks.send_due_digests), one email per member who has
    # something waiting, found from the reminder log (no job per member).
    "send-due-digests": {
        "task": "participants.tasks.send_due_digests",
        "schedule": BEAT_SECONDS,
    },
    # Once a day, in the quiet of the night (UTC): keep records no longer than
    # needed (participants.accounts.retention, README "Your data and
    # privacy"). Expired sessions go, as `manage.py clearsessions` does;
    # reminders finished with more than COPRODUCE_KEEP_REMINDER_LOGS_DAYS ago
    # (never those waiting to be sent) and sign-in records older than
    # COPRODUCE_KEEP_SIGN_INS_DAYS are deleted in batches. Each finds its
    # rows by age, so a missed night is caught up the next.
    "clear-expired-sessions": {
        "task": "participants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=10),
    },
    "delete-old-reminder-logs": {
        "task": "participants.tasks.delete_old_reminder_logs",
        "schedule": crontab(hour=3, minute=20),
    },
    "delete-old-sign-ins": {
        "task": "participants.tasks.delete_old_sign_ins",
        "schedule": crontab(hour=3, minute=30),
    },
}
