"""The Celery app. Settings come from Django's settings with the CELERY_ prefix.

The beat schedule lives in code here so that it is reviewed like code; each
entry is documented in README.md.
"""

import os

from celery import Celery

import coproduce.broker  # noqa: F401  (registers the safefs:// embedded broker)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

app = Celery("coproduce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every minute: close each decision whose closing time has come and count
    # its votes once (decisions.tasks.close_due_decisions). It finds decisions
    # "at or before now", so after downtime it catches up, and it is safe when
    # two beats or workers run it at once.
    "close-due-decisions": {
        "task": "decisions.close_due_decisions",
        "schedule": 60.0,
    },
}
