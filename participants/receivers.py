"""Receivers for the signals projects sends on commit (connected in
ParticipantsConfig.ready)."""

import logging

from participants import kinds, reminders
from projects.models import Membership

logger = logging.getLogger(__name__)


def on_stage_started(sender, *, stage_id, actor_id=None, **kwargs):
    """The project moved to a new stage: remind members, and invite them to
    the ladder check."""
    kinds.stage_started(stage_id, actor_id)


def on_member_joined(sender, *, membership_id, **kwargs):
    """Someone joined: each kind of reminder plans what they should still
    hear about (votes about to close)."""
    member_joined(membership_id)


@reminders.planner
def member_joined(membership_id: int) -> None:
    membership = Membership.objects.filter(pk=membership_id).first()
    if membership is None:
        return
    for kind in reminders.registered_kinds().values():
        kind.member_joined(membership)
