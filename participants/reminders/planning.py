"""Planning reminders durably: the one hand-over from a change to the
reminders it calls for.

A change (a decision proposed or closed, an outcome written, a vote recorded
for a member, a stage started, a project finished, someone joining) calls
``plan_after_commit(event, *ids)`` inside its own transaction: a
PlanningRequest is written with the change, and once that commits the
event's planner runs and the request is deleted, in one transaction.
decisions.services calls it directly; projects, which must not import
higher apps, sends a signal that participants.receivers turns into the same
call. A process that dies in between (a web server or worker killed straight
after the commit) leaves the request behind, and beat's sweep
(``plan_missed``) plans it a beat later. Planning is idempotent (the
reminder log's unique key), so the sweep and the hand-over planning the same
event at once, or a task trying again, add nothing.

An event is a name (``decision_proposed``); the app that knows what it means
registers its planner with ``@planner(name)`` (participants.reminders.registry),
and PlanningRequest.event is validated against those names.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from participants.models import PlanningRequest
from participants.reminders.registry import has_planner, planner_for

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500  # requests one sweep takes at most; the next beat takes the rest
# How long a planning that failed waits before the sweep tries it again.
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
# The Celery task that tries a failed planning again (participants.tasks).
RETRY_TASK = "participants.tasks.plan_reminders"


def planning_grace() -> timedelta:
    """How long the sweep leaves a new request alone. The hand-over plans it
    within milliseconds of the commit, so one beat interval
    (COPRODUCE_BEAT_SECONDS, a minute by default) is ample; as the sweep runs
    at that interval too, a missed event is planned within two."""
    return timedelta(seconds=settings.COPRODUCE_BEAT_SECONDS)


def request_planning(event: str, *args) -> None:
    """Record, inside the transaction of a change, that the reminders of
    ``event`` are to be planned (one INSERT)."""
    if not has_planner(event):
        raise LookupError(f"No planner is registered for {event!r}")
    now = timezone.now()
    PlanningRequest.objects.create(
        event=event, args=list(args), created_at=now, try_after=now + planning_grace()
    )


def plan_after_commit(event: str, *args) -> None:
    """The hand-over, called inside the change's transaction: the request is
    written with the change, and the reminders are planned as soon as it
    commits."""
    request_planning(event, *args)
    transaction.on_commit(partial(plan_committed, event, *args))


def plan_now(event: str, *args) -> None:
    """Plan the reminders of one event and delete its requests, in one
    transaction: if planning fails, the requests stay. Raises what the
    planner raises."""
    with transaction.atomic():
        PlanningRequest.objects.filter(event=event, args=list(args)).delete()
        planner_for(event)(*args)


def plan_committed(event: str, *args) -> None:
    """Plan straight after the change committed. Whatever goes wrong (the
    database is briefly locked or away) must not turn the page that caused
    it, whose work is already saved, into an error: the failure is logged and
    a Celery task tries again with backoff (participants.tasks.plan_reminders),
    and the request stays for the sweep meanwhile."""
    try:
        plan_now(event, *args)
    except Exception:
        logger.exception("Could not plan reminders: %s%r; trying again later", event, args)
        _plan_later(event, args)


def _plan_later(event: str, args) -> None:
    try:
        current_app.signature(RETRY_TASK, args=[event, list(args)]).apply_async(
            countdown=30, retry=False
        )
    except Exception:
        # The broker is down too: beat's sweep plans it.
        logger.exception("Could not ask a worker to plan reminders later: %s%r", event, args)


def plan_missed(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Beat's sweep: plan the reminders of every event whose request is
    still here after its grace (the process that committed it died before
    planning, or the planning failed), oldest first. Each event is planned in
    its own transaction; one that fails waits with backoff (BACKOFF) and the
    rest go on. Returns how many events it planned."""
    now = now or timezone.now()
    planned = 0
    seen: set[tuple[str, str]] = set()
    for request in PlanningRequest.objects.filter(try_after__lte=now)[:limit]:
        key = (request.event, json.dumps(request.args))
        if key in seen:
            continue  # the same event twice (a vote recorded twice): planned once
        seen.add(key)
        try:
            plan_now(request.event, *request.args)
        except Exception as error:
            logger.exception("Could not plan missed reminders: %s", request)
            wait = BACKOFF[min(request.attempts, len(BACKOFF) - 1)]
            PlanningRequest.objects.filter(event=request.event, args=request.args).update(
                attempts=F("attempts") + 1,
                try_after=now + wait,
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )
            continue
        planned += 1
    return planned
