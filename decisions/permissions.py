"""Who may do what with a decision, on top of projects.permissions.

Members are equals: every current member proposes, comments and votes, one
vote each. Facilitators (and the organisation's project managers) do
housekeeping only: close a vote early, hide a comment, record a vote a member
gave in a meeting, by phone or on paper. The proposer, or a facilitator, edits
the words and writes the outcome.
"""

from datetime import datetime, timedelta

from decisions.models import Comment, Decision
from projects.permissions import ProjectAccess

# Authors can correct their comment for this long after posting it.
COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def is_proposer(access: ProjectAccess, decision: Decision) -> bool:
    return access.membership is not None and access.membership.pk == decision.proposer_id


def can_edit(access: ProjectAccess, decision: Decision) -> bool:
    return decision.is_open and (is_proposer(access, decision) or access.can_facilitate)


def can_write_outcome(access: ProjectAccess, decision: Decision) -> bool:
    return not decision.is_open and (is_proposer(access, decision) or access.can_facilitate)


def can_edit_comment(
    access: ProjectAccess, decision: Decision, comment: Comment, now: datetime
) -> bool:
    return (
        access.membership is not None
        and access.membership.pk == comment.author_id
        and not comment.is_hidden
        and decision.is_open
        and now - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def can_hide_comment(access: ProjectAccess, comment: Comment) -> bool:
    return access.can_facilitate and not comment.is_hidden
