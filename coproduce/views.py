"""Views that belong to the whole site rather than to one app, and the one
way every app's pages send a form to a service (``save_if_valid``)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from coproduce.celery import app as celery_app
from coproduce.forms import form_errors_from
from coproduce.models import Heartbeat
from participants.profile.display import DisplayPreferences, display_preferences_for

logger = logging.getLogger(__name__)


# --- sending a form to a service ------------------------------------------------


def posted(request: HttpRequest) -> QueryDict | None:
    """A form's data: what was submitted for a POST (even nothing, so an
    empty POST shows what is missing), None for a GET."""
    return request.POST if request.method == "POST" else None


@dataclass(frozen=True)
class Saved:
    """A valid POST the service accepted, with what the service returned."""

    result: Any


def save_if_valid(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict], Any],
    *,
    field_map: dict[str, str] | None = None,
    otherwise: str | None = None,
) -> Saved | None:
    """For a POST whose input is valid, call ``save(form.cleaned_data)``:
    the service that writes. Saved, with the service's answer, when it
    wrote. None for a GET, for input that is not valid, and when the service
    refuses with a ValidationError: its reasons are then on the form
    (coproduce.forms.form_errors_from, with ``field_map`` and ``otherwise``),
    so the page shows them again with what the person typed."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as error:
        form_errors_from(form, error, field_map=field_map, otherwise=otherwise)
        return None
    return Saved(result)


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


# --- pages of the whole site ------------------------------------------------------


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to: send them
    to the SVG icon that every page links to (static/favicon.svg)."""
    response = HttpResponseRedirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def accessibility_statement(request):
    """The accessibility statement, with the parts each organisation that
    runs Coproduce fills in from its settings (README, "Configuration")."""
    return render(
        request,
        "pages/accessibility.html",
        {
            "operator": settings.COPRODUCE_SITE_OPERATOR,
            "contact_email": settings.COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL,
            "contact_phone": settings.COPRODUCE_ACCESSIBILITY_CONTACT_PHONE,
            "reply_days": settings.COPRODUCE_ACCESSIBILITY_REPLY_DAYS,
            "last_tested": settings.COPRODUCE_ACCESSIBILITY_LAST_TESTED,
            "reviewed": settings.COPRODUCE_ACCESSIBILITY_STATEMENT_REVIEWED,
        },
    )


@require_safe
def privacy_notice(request):
    """The privacy notice: what Coproduce keeps about people, why, for how
    long and who sees it, with the parts each organisation that runs it fills
    in from its settings (README, "Your data and privacy")."""
    return render(
        request,
        "pages/privacy.html",
        {
            "operator": settings.COPRODUCE_SITE_OPERATOR,
            "contact_email": settings.COPRODUCE_PRIVACY_CONTACT_EMAIL,
            "contact_phone": settings.COPRODUCE_ACCESSIBILITY_CONTACT_PHONE,
            "keep_sign_ins": days_in_words(settings.COPRODUCE_KEEP_SIGN_INS_DAYS),
            "keep_reminder_logs": days_in_words(settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS),
            "session_weeks": round(settings.SESSION_COOKIE_AGE / (7 * 24 * 3600)),
        },
    )


def days_in_words(days: int) -> str:
    """A number of days as people say it: "1 day", "90 days", "1 year",
    "2 years"."""
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def server_error(request):
    """The 500 page, in the viewer's display settings when they can still be
    read (the error may be that the database is down: then the standard
    look). Django's own handler renders the page without the request."""
    try:
        display = display_preferences_for(request)
    except Exception:  # the page must render whatever failed
        logger.warning("Could not read display settings for the error page", exc_info=True)
        display = DisplayPreferences()
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"display": display}))
