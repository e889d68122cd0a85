"""The reads the decision pages need, each with its select_related and
prefetches stated, and each docstring saying how many queries it takes (the
tests in tests/decisions/test_selectors.py pin them at two sizes). What may
be shown of an anonymous decision's votes is decided in decisions/results.py;
who may do what, in decisions/permissions.py."""

from collections import Counter
from datetime import datetime
from typing import TypedDict

from django.db.models import BooleanField, Count, Exists, OuterRef, QuerySet, Value
from django.utils import timezone

from decisions import permissions
from decisions.kinds import ANONYMOUS_MIN_VOTES, kind_for
from decisions.models import Comment, Decision, DecisionRevision, Option, Outcome, Vote
from decisions.results import (
    SPLIT_HIDDEN,
    TOO_FEW_TO_SHOW,
    marks_who_voted_online,
    reasons_without_names,
    result_label,
    result_rows,
    result_summary,
    shows_split,
    turnout,
    voices_summary,
    voters_named,
)
from projects.models import Membership, Project, Stage
from projects.permissions import ProjectAccess


def outcome_or_none(decision: Decision) -> Outcome | None:
    """The decision's outcome, or None before it is written (no query when
    the decision was read with select_related("outcome"))."""
    try:
        return decision.outcome
    except Decision.outcome.RelatedObjectDoesNotExist:
        return None


# --- the decision log ---------------------------------------------------------


def log_stages(*, project: Project) -> list[Stage]:
    """The project's stages in order, for the log's filter. One query."""
    return list(Stage.objects.filter(project=project).order_by("position"))


def log_decisions(
    *, project: Project, stage: int | None = None, result: str = "", outcome: str = ""
) -> QuerySet[Decision]:
    """The project's decisions, newest first, with what a row of the log or
    of its CSV export shows. ``stage`` is a stage's id; ``result`` is
    "open" or a Decision.Result; ``outcome`` is "written" or "missing" (a
    closed decision whose outcome is not written yet). One query when
    evaluated."""
    decisions = (
        Decision.objects.filter(project=project)
        .select_related("project", "stage", "proposer__user", "chosen_option", "outcome")
        .order_by("-created_at", "-pk")
    )
    if stage:
        decisions = decisions.filter(stage_id=stage)
    if result == "open":
        decisions = decisions.filter(status=Decision.Status.OPEN)
    elif result:
        decisions = decisions.filter(result=result)
    if outcome == "written":
        decisions = decisions.filter(outcome__isnull=False)
    elif outcome == "missing":
        decisions = decisions.filter(status=Decision.Status.CLOSED, outcome__isnull=True)
    return decisions


def decision_log(*, access: ProjectAccess, filters: dict) -> list[Decision]:
    """The decisions of the log page (``filters`` as for log_decisions),
    each with ``outcome_or_none``, ``summary`` (its result in words) and
    ``outcome_wanted_from_viewer`` (the viewer may write its missing
    outcome). One query, however many decisions."""
    decisions = list(log_decisions(project=access.project, **filters))
    for decision in decisions:
        decision.outcome_or_none = outcome_or_none(decision)
        decision.summary = result_summary(decision)
        decision.outcome_wanted_from_viewer = (
            decision.outcome_or_none is None and permissions.can_write_outcome(access, decision)
        )
    return decisions


# --- proposing and editing ----------------------------------------------------


def current_stage(*, project: Project) -> Stage | None:
    """The stage the project is at now, where a new decision goes. One query."""
    return Stage.objects.current().filter(project=project).first()


class EditPage(TypedDict):
    options: list[Option]
    has_votes: bool


def decision_edit_page(*, decision: Decision) -> EditPage:
    """The options of a decision and whether anyone has voted (then its
    options and anonymity no longer change). Two queries."""
    return {"options": list(decision.options.all()), "has_votes": decision.votes.exists()}


# --- the decision page --------------------------------------------------------


class Discussion(TypedDict):
    project: Project
    decision: Decision
    comments: list[Comment]


def discussion(*, access: ProjectAccess, decision: Decision, now: datetime) -> Discussion:
    """The comments in order, each with whether the viewer may change it
    (``can_edit``) or hide it (``can_hide``) at ``now``. One query."""
    comments = list(decision.comments.select_related("author__user", "hidden_by"))
    for comment in comments:
        comment.can_edit = permissions.can_edit_comment(access, decision, comment, now)
        comment.can_hide = permissions.can_hide_comment(access, comment)
    return {"project": access.project, "decision": decision, "comments": comments}


def record_members(*, access: ProjectAccess, decision: Decision) -> QuerySet[Membership]:
    """The members a facilitator can record a vote for: everyone but
    themselves, each with ``voted_online`` when they have voted online (only
    they can change that vote), unless the decision is anonymous
    (decisions.results.marks_who_voted_online). One query when evaluated."""
    if marks_who_voted_online(decision):
        own_votes = Vote.objects.filter(decision=decision, member=OuterRef("pk"), recorded_by=None)
        voted_online = Exists(own_votes)
    else:
        voted_online = Value(False, output_field=BooleanField())
    return (
        Membership.objects.current()
        .filter(project=access.project)
        .exclude(user_id=access.membership.user_id if access.membership else None)
        .select_related("user")
        .annotate(voted_online=voted_online)
        .order_by("user__display_name", "pk")
    )


def vote_label(choice: str) -> str:
    """A vote's answer in words ("Agree"); an unknown choice as stored."""
    return Vote.Choice(choice).label if choice in Vote.Choice.values else choice


class DecisionPage(Discussion):
    access: ProjectAccess
    options: list[Option]
    votes: list[Vote]
    my_vote: Vote | None
    member_count: int
    voted_count: int
    not_voted: int
    turnout_by_group: str
    voters_named: bool
    reasons: list[tuple[str, str]]
    too_few_to_close: bool
    too_few_to_show: str
    accepts_votes: bool
    voting_ended_not_closed: bool
    changed_since_my_vote: bool
    revisions: list[DecisionRevision]
    outcome: Outcome | None
    can_edit: bool
    is_proposer: bool
    result_label: str
    result_rows: list[dict]
    result_summary: str
    split_shown: bool
    split_hidden: str
    voices: list[str]
    choice_labels: dict[str, str]


def decision_page(*, access: ProjectAccess, decision: Decision) -> DecisionPage:
    """Everything the decision page shows, for the viewer ``access`` (its
    forms apart), with ``decision`` read as decisions.views reads it:

    - the options, and the votes of current members by name, each with its
      ``choice_label``; the viewer's own vote (``my_vote``);
    - who could vote and who did (decisions.results.turnout), whether the
      voters may be named and which reasons are shown without names (the
      privacy rules of decisions/results.py);
    - the earlier words (``revisions``), the outcome, the result in words
      and rows, and the discussion (``comments``).

    Five queries however many members, votes and comments: options, votes,
    members by label, revisions, comments."""
    membership = access.membership
    options = list(decision.options.all())
    option_text = {option.pk: option.text for option in options}
    votes = list(
        decision.votes.filter(member__left_at__isnull=True)
        .select_related("member__user", "recorded_by")
        .order_by("member__user__display_name", "pk")
    )
    for vote in votes:
        vote.choice_label = (
            option_text.get(vote.option_id) if vote.option_id else vote_label(vote.choice)
        )
    members_by_label = dict(
        Membership.objects.current()
        .filter(project=access.project)
        .values_list("label")
        .annotate(Count("pk"))
        .order_by()
    )
    counted = turnout(
        decision,
        members_by_label=members_by_label,
        voted_by_label=dict(Counter(vote.member.label for vote in votes)),
    )
    my_vote = next((vote for vote in votes if membership and vote.member_id == membership.pk), None)
    accepts_votes = decision.accepts_votes
    revisions = list(decision.revisions.select_related("edited_by"))
    return {
        "project": access.project,
        "access": access,
        "decision": decision,
        "options": options,
        "votes": votes,
        "my_vote": my_vote,
        "member_count": counted.eligible,
        "voted_count": counted.voted,
        "not_voted": counted.not_voted,
        "turnout_by_group": counted.by_group,
        "voters_named": voters_named(decision),
        "reasons": reasons_without_names(decision, votes),
        "too_few_to_close": decision.is_anonymous
        and decision.is_open
        and counted.voted < ANONYMOUS_MIN_VOTES,
        "too_few_to_show": TOO_FEW_TO_SHOW,
        "accepts_votes": accepts_votes,
        "voting_ended_not_closed": decision.is_open and not accepts_votes,
        "changed_since_my_vote": accepts_votes
        and my_vote is not None
        and any(revision.edited_at > my_vote.updated_at for revision in revisions),
        "revisions": revisions,
        "outcome": outcome_or_none(decision),
        "can_edit": permissions.can_edit(access, decision),
        "is_proposer": permissions.is_proposer(access, decision),
        "result_label": result_label(decision),
        "result_rows": result_rows(decision),
        "result_summary": result_summary(decision),
        "split_shown": shows_split(decision),
        "split_hidden": SPLIT_HIDDEN,
        "voices": voices_summary(decision),
        "choice_labels": dict(kind_for(decision).vote_choices(decision, options)),
        **discussion(access=access, decision=decision, now=timezone.now()),
    }
