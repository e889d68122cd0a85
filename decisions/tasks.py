"""Celery tasks for decisions: thin, they take ids and call services."""

from celery import shared_task

from decisions.models import Decision
from decisions.services import decision_close
from projects.permissions import SYSTEM


@shared_task(name="decisions.close_due_decisions")
def close_due_decisions() -> int:
    """Close every open decision whose closing time has come (at or before
    now, so a worker that was down catches up). Safe to run twice at once:
    decision_close locks each decision and closes it only if still open.
    Returns how many this run closed."""
    closed = 0
    for decision_id in Decision.objects.due_to_close().values_list("pk", flat=True):
        closed += decision_close(decision_id=decision_id, actor=SYSTEM)
    return closed
