"""What the site records about its own processes."""

from django.db import models


class Heartbeat(models.Model):
    """When a background process last showed it was alive: Celery beat writes
    its row as it runs its schedule, and /healthz reads how long ago that was,
    so a dead beat (no reminders, no decisions closed) does not go unnoticed."""

    BEAT = "beat"

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
