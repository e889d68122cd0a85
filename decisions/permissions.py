"""Who may do what with a decision, on top of projects.permissions.

Members are equals: every current member proposes, comments and votes, one
vote each. Facilitators (and the organisation's project managers) do
housekeeping only: close a vote early, hide a comment, record a vote a member
gave in a meeting, by phone or on paper. The proposer, or a facilitator, edits
the words and writes the outcome. Coproduce itself (SYSTEM) closes a decision
when its closing time comes, and does nothing else here.

The services check these with projects.permissions.require and a
DecisionAccess: ``require(decision_access(actor, decision), "edit")``. The
pages ask the can_* functions below, which add whether the decision is open.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from decisions.models import Comment, Decision
from projects.models import Membership
from projects.permissions import ProjectAccess, project_access

# Authors can correct their comment for this long after posting it.
COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def is_proposer(access: ProjectAccess, decision: Decision) -> bool:
    return access.membership is not None and access.membership.pk == decision.proposer_id


def _proposer_or_facilitator(access: "DecisionAccess") -> bool:
    return is_proposer(access.access, access.decision) or access.access.can_facilitate


def _author(access: "DecisionAccess") -> bool:
    membership = access.access.membership
    return (
        access.comment is not None
        and membership is not None
        and membership.pk == access.comment.author_id
    )


@dataclass(frozen=True)
class DecisionAccess:
    """What one person may do with one decision (and, for a comment, with
    that comment), for projects.permissions.require."""

    access: ProjectAccess
    decision: Decision
    comment: Comment | None = None

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        "edit": (
            _proposer_or_facilitator,
            "Only the proposer or a facilitator can change this decision",
        ),
        "write_outcome": (
            _proposer_or_facilitator,
            "Only the proposer or a facilitator can write the outcome",
        ),
        "record_vote": (
            lambda access: access.access.can_facilitate,
            "Only a facilitator can record a vote for someone else",
        ),
        "edit_comment": (_author, "Only the person who wrote a comment can change it"),
        # Housekeeping, on the decision page or in the admin dashboard.
        "hide_comment": (
            lambda access: access.access.can_do_housekeeping,
            "Only a facilitator can hide a comment",
        ),
        "close_early": (
            lambda access: access.access.can_do_housekeeping,
            "Only a facilitator can close a vote early",
        ),
        # The system closes a decision when its time comes.
        "close": (
            lambda access: access.access.is_system or access.access.can_do_housekeeping,
            "Only a facilitator can close a vote",
        ),
    }


def decision_access(actor, decision: Decision, comment: Comment | None = None) -> DecisionAccess:
    """What ``actor`` (a person, or SYSTEM) may do with the decision."""
    return DecisionAccess(project_access(actor, decision.project), decision, comment)


def member_decision_access(
    member: Membership, decision: Decision, comment: Comment | None = None
) -> DecisionAccess:
    """What a member acting as themselves may do with the decision (for the
    services whose actor is the member). Whether they are still a member is
    the service's to check: it tells them on the form. No query."""
    return DecisionAccess(ProjectAccess(decision.project, member, False), decision, comment)


def can_edit(access: ProjectAccess, decision: Decision) -> bool:
    return decision.is_open and _proposer_or_facilitator(DecisionAccess(access, decision))


def can_write_outcome(access: ProjectAccess, decision: Decision) -> bool:
    return not decision.is_open and _proposer_or_facilitator(DecisionAccess(access, decision))


def can_edit_comment(
    access: ProjectAccess, decision: Decision, comment: Comment, now: datetime
) -> bool:
    return (
        _author(DecisionAccess(access, decision, comment))
        and not comment.is_hidden
        and decision.is_open
        and now - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def can_hide_comment(access: ProjectAccess, comment: Comment) -> bool:
    return access.can_facilitate and not comment.is_hidden
