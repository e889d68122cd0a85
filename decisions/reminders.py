"""What decisions tell members, and when. Called by decisions.services after
commit; the sending machinery is participants.reminders.

These are the points where decisions hand over to reminders:
- decision_proposed(decision_id): a new decision to vote on;
- decision_closed(decision_id): its result (and outcome when written);
- outcome_written(decision_id): the outcome statement exists.
"""


def decision_proposed(decision_id: int) -> None:
    """A decision was proposed: tell every member, and plan the closing-soon
    reminders for those who have not voted."""


def decision_closed(decision_id: int) -> None:
    """A decision closed: tell every member its result."""


def outcome_written(decision_id: int) -> None:
    """An outcome statement was written for a closed decision."""
