"""Celery beat's scheduler, with a heartbeat.

Beat is the one process nobody watches: when it stops, no decision closes and
no reminder goes, and nothing says so. This scheduler records in the database
that beat is alive each time it looks at its schedule (at most once every few
seconds), and /healthz and the beat container's health check read that.
"""

import logging
import time
from pathlib import Path

from celery.beat import PersistentScheduler
from django.db import close_old_connections
from django.utils import timezone

from coproduce.models import Heartbeat

logger = logging.getLogger(__name__)

# Beat looks at its schedule at least once a beat period; recording more often
# than this adds nothing.
RECORD_EVERY_SECONDS = 5


def record_beat() -> None:
    Heartbeat.objects.update_or_create(name=Heartbeat.BEAT, defaults={"at": timezone.now()})


class HeartbeatScheduler(PersistentScheduler):
    last_recorded = 0.0

    def setup_schedule(self):
        # The schedule file's folder (COPRODUCE_VAR_DIR) may not exist yet.
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self.last_recorded >= RECORD_EVERY_SECONDS:
            try:
                close_old_connections()
                record_beat()
                self.last_recorded = now
            except Exception:  # the schedule must run even when the database is down
                logger.warning("Could not record beat's heartbeat", exc_info=True)
        return super().tick(*args, **kwargs)
