"""Views that belong to the whole site rather than to one app."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from coproduce.celery import app as celery_app
from coproduce.models import Heartbeat
from participants.display import DisplayPreferences, display_preferences_for

logger = logging.getLogger(__name__)


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001  (any failure means "down")
        return False, type(error).__name__
    return True, connection.vendor


def _broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport.driver_name
    except Exception as error:  # noqa: BLE001
        return False, type(error).__name__
    return True, transport


def beat_silence() -> float | None:
    """Seconds since Celery beat last showed it was alive (coproduce.beat),
    or None if it never has."""
    at = Heartbeat.objects.filter(name=Heartbeat.BEAT).values_list("at", flat=True).first()
    return None if at is None else max(0.0, (timezone.now() - at).total_seconds())


def _beat_ok(database_ok: bool) -> tuple[bool, str, float | None]:
    if not database_ok:
        return False, "unknown: the database is down", None
    try:
        silent = beat_silence()
    except Exception as error:  # noqa: BLE001
        return False, type(error).__name__, None
    if silent is None:
        return False, "never ran", None
    if silent > settings.BEAT_SILENT_AFTER_SECONDS:
        return False, f"silent for {round(silent)} seconds", round(silent, 1)
    return True, "running", round(silent, 1)


@never_cache
@require_safe
def healthz(request):
    """Database, broker and Celery beat as JSON, for Docker, load balancers
    and monitoring. Answers 200 when the database and the broker are reachable
    and beat ran within BEAT_SILENT_AFTER_SECONDS, 503 otherwise."""
    database_ok, database_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    beat_ok, beat_detail, beat_seconds = _beat_ok(database_ok)
    healthy = database_ok and broker_ok and beat_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": database_ok, "detail": database_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
        "beat": {"ok": beat_ok, "detail": beat_detail, "last_ran_seconds_ago": beat_seconds},
    }
    if settings.DEBUG:
        body["debug"] = True
    return JsonResponse(body, status=200 if healthy else 503)


def server_error(request):
    """The 500 page, in the viewer's display settings when they can still be
    read (the error may be that the database is down: then the standard
    look). Django's own handler renders the page without the request."""
    try:
        display = display_preferences_for(request)
    except Exception:  # noqa: BLE001  (the page must render whatever failed)
        logger.warning("Could not read display settings for the error page", exc_info=True)
        display = DisplayPreferences()
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"display": display}))
