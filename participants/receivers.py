"""Receivers for the signals projects sends (connected in
ParticipantsConfig.ready). Each change is heard twice: inside its transaction,
where a PlanningRequest is written with it, and after commit, when its
reminders are planned (participants.reminders: if the process dies in
between, beat's sweep plans them)."""

import logging

from participants import reminders
from projects.models import Membership

logger = logging.getLogger(__name__)

Event = reminders.Event


def on_stage_started_in_transaction(sender, *, stage_id, actor_id=None, **kwargs):
    """The project is moving to a new stage, in a transaction not yet committed."""
    reminders.request_planning(Event.STAGE_STARTED, stage_id, actor_id)


def on_stage_started(sender, *, stage_id, actor_id=None, **kwargs):
    """The project moved to a new stage: remind members, and invite them to
    the ladder check (participants.kinds.stage_started)."""
    reminders.plan_committed(Event.STAGE_STARTED, stage_id, actor_id)


def on_member_joined_in_transaction(sender, *, membership_id, **kwargs):
    """Someone is joining a project, in a transaction not yet committed."""
    reminders.request_planning(Event.MEMBER_JOINED, membership_id)


def on_member_joined(sender, *, membership_id, **kwargs):
    """Someone joined: each kind of reminder plans what they should still
    hear about (votes about to close)."""
    reminders.plan_committed(Event.MEMBER_JOINED, membership_id)


@reminders.planner(Event.MEMBER_JOINED)
def member_joined(membership_id: int) -> None:
    membership = Membership.objects.filter(pk=membership_id).first()
    if membership is None:
        return
    for kind in reminders.registered_kinds().values():
        kind.member_joined(membership)
