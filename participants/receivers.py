"""Receivers for the signals projects sends inside the transaction of a
change (connected in ParticipantsConfig.ready): each hands over to the
reminders the change calls for, the same way decisions does
(participants.reminders.planning.plan_after_commit)."""

from participants.reminders.planning import plan_after_commit
from participants.reminders.project_kinds import MEMBER_JOINED, STAGE_STARTED


def on_stage_started(sender, *, stage_id, actor_id=None, **kwargs):
    """The project is moving to a new stage: tell members where it is now,
    and invite them to the ladder check."""
    plan_after_commit(STAGE_STARTED, stage_id, actor_id)


def on_member_joined(sender, *, membership_id, **kwargs):
    """Someone is joining: plan what they should still hear about (votes
    about to close)."""
    plan_after_commit(MEMBER_JOINED, membership_id)
