"""The reads the decision pages need, each with its select_related and
prefetches stated, and each docstring saying how many queries it takes (the
tests in tests/decisions/test_selectors.py pin them at two sizes). What may
be shown of an anonymous decision's votes is decided in decisions/results.py;
who may do what, in decisions/permissions.py."""

import uuid
from datetime import datetime
from typing import TypedDict

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, QueryDict
from django.utils import timezone

from coproduce.pagination import Paged, paged
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
from projects import cached
from projects.models import Membership, Project, Stage
from projects.permissions import ProjectAccess
from projects.selectors import member_counts


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
    """The project's decisions, newest first (read in order from the
    decision_log_order index), with what a row of the log or of its CSV
    export shows, except the project: set ``decision.project`` to
    ``project`` before using a row (no project row joined to each one).
    ``stage`` is a stage's id; ``result`` is "open" or a Decision.Result;
    ``outcome`` is "written" or "missing" (a closed decision whose outcome
    is not written yet). One query when evaluated."""
    decisions = (
        Decision.objects.filter(project=project)
        .select_related("stage", "proposer__user", "chosen_option", "outcome")
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


def decision_log(*, access: ProjectAccess, filters: dict, query: QueryDict) -> Paged:
    """The page of the log that ``query`` (request.GET) asks for
    (``filters`` as for log_decisions, kept on the page links), each
    decision with ``outcome_or_none``, ``summary`` (its result in words) and
    ``outcome_wanted_from_viewer`` (the viewer may write its missing
    outcome). Three queries, however many decisions: the count, the page's
    ids (read from the decision_log_order index alone, so a page far down
    the list costs no more than the first), and their rows."""
    log = paged(log_decisions(project=access.project, **filters), query)
    ids = list(log.items.values_list("pk", flat=True))
    decisions = log.page.object_list = (
        list(log_decisions(project=access.project).filter(pk__in=ids)) if ids else []
    )
    for decision in decisions:
        decision.project = access.project
        decision.outcome_or_none = outcome_or_none(decision)
        decision.summary = result_summary(decision)
        decision.outcome_wanted_from_viewer = (
            decision.outcome_or_none is None and permissions.can_write_outcome(access, decision)
        )
    return log


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


# What a list of comments or votes shows of each and of the people in it
# (member_name: the name, or the email address when there is none, with the
# member's label): all that is read, so a page of them reads no password
# hashes, settings or access needs.
MEMBER_SHOWN = ("label", "is_facilitator", "user", "user__display_name", "user__email")
COMMENT_SHOWN = (
    "decision",
    "author",
    "body",
    "created_at",
    "edited_at",
    "hidden_at",
    "hidden_reason",
    *(f"author__{field}" for field in MEMBER_SHOWN),
)
VOTE_SHOWN = (
    "decision",
    "member",
    "choice",
    "option",
    "reason",
    "channel",
    "assisted",
    "supporter",
    "cast_at",
    "updated_at",
    *(f"member__{field}" for field in MEMBER_SHOWN),
    "recorded_by",
    "recorded_by__display_name",
    "recorded_by__email",
)
# The query parameters of the decision page's lists (coproduce.pagination).
VOTES_PAGE = "votes_page"
REASONS_PAGE = "reasons_page"
COMMENTS_PAGE = "comments_page"


class _Counted:
    """A queryset whose length another query has counted already, for
    coproduce.pagination.paged: its Paginator asks count() (no COUNT query)
    and slices the queryset for the page."""

    def __init__(self, queryset: QuerySet, count: int):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key):
        return self.queryset[key]


class Discussion(TypedDict):
    project: Project
    decision: Decision
    comments: list[Comment]
    comments_paged: Paged


def discussion(
    *, access: ProjectAccess, decision: Decision, now: datetime, query: QueryDict | None = None
) -> Discussion:
    """One page of the comments, oldest first: the page ``query``
    (request.GET) asks for in COMMENTS_PAGE (coproduce.pagination), each
    comment with whether the viewer may change it (``can_edit``) or hide it
    (``can_hide``) at ``now``. Two queries (the count, the page), one when
    there are no comments."""
    comments_paged = paged(
        decision.comments.select_related("author__user")
        .only(*COMMENT_SHOWN)
        .order_by("created_at", "pk"),
        query if query is not None else QueryDict(),
        parameter=COMMENTS_PAGE,
    )
    comments = list(comments_paged.items)
    for comment in comments:
        comment.can_edit = permissions.can_edit_comment(access, decision, comment, now)
        comment.can_hide = permissions.can_hide_comment(access, comment)
    return {
        "project": access.project,
        "decision": decision,
        "comments": comments,
        "comments_paged": comments_paged,
    }


def comment_page(*, comment: Comment) -> int:
    """The page of the discussion (``discussion``) that shows ``comment``.
    One query."""
    earlier = Comment.objects.filter(decision_id=comment.decision_id).filter(
        Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, pk__lt=comment.pk)
    )
    return earlier.count() // settings.COPRODUCE_PAGE_SIZE + 1


def record_members(*, access: ProjectAccess, decision: Decision) -> QuerySet[Membership]:
    """The members a facilitator can record a vote for: everyone but
    themselves, each with ``voted_online`` when they have voted online (only
    they can change that vote), unless the decision is anonymous
    (decisions.results.marks_who_voted_online). Lazy: the record-vote form
    checks one member against it (one query); ``record_choices`` reads a
    few of them."""
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


def record_choices(
    *, access: ProjectAccess, decision: Decision, find: str = "", limit: int
) -> list[Membership]:
    """The first ``limit`` + 1 of ``record_members`` by name (one more than
    asked, so the caller knows whether there are more), only those whose
    name contains ``find`` (any case) when it is given. One query, however
    many members."""
    members = record_members(access=access, decision=decision)
    if find:
        members = members.filter(user__display_name__icontains=find)
    return list(members[: limit + 1])


def vote_label(choice: str) -> str:
    """A vote's answer in words ("Agree"); an unknown choice as stored."""
    return Vote.Choice(choice).label if choice in Vote.Choice.values else choice


def _answer_label():
    """A vote's answer in words, in the database: the option's text, or the
    label of the choice (as ``vote_label``)."""
    return Coalesce(
        "option__text",
        Case(
            *(When(choice=value, then=Value(label)) for value, label in Vote.Choice.choices),
            default="choice",
        ),
    )


class DecisionPage(Discussion):
    access: ProjectAccess
    options: list[Option]
    votes: list[Vote]
    votes_paged: Paged | None
    my_vote: Vote | None
    member_count: int
    voted_count: int
    not_voted: int
    turnout_by_group: str
    voters_named: bool
    reasons: list[tuple[str, str]]
    reasons_paged: Paged | None
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


def decision_page(
    *, access: ProjectAccess, decision: Decision, query: QueryDict | None = None
) -> DecisionPage:
    """Everything the decision page shows, for the viewer ``access`` (its
    forms apart), with ``decision`` read as decisions.views reads it, and
    one page of each long list (``query`` is request.GET:
    coproduce.pagination, with VOTES_PAGE, REASONS_PAGE and COMMENTS_PAGE):

    - the options; who voted, counted by label; one page of the votes of
      current members by name (``votes``, only when the voters may be named),
      each with its ``choice_label``; the viewer's own vote (``my_vote``);
    - who could vote and who did (decisions.results.turnout), whether the
      voters may be named and one page of the reasons shown without names
      (the privacy rules of decisions/results.py: the reasons are paged in
      the order of their words, never of who gave them);
    - the earlier words (``revisions``), the outcome, the result in words
      and rows, and one page of the discussion (``comments``).

    At most ten queries however many members, votes and comments: options,
    votes by label, members by label, the page of votes, the viewer's vote,
    the reasons (count and page, anonymous decisions only), revisions,
    comments (count and page)."""
    query = query if query is not None else QueryDict()
    membership = access.membership
    options = list(decision.options.all())
    option_text = {option.pk: option.text for option in options}

    def label(vote: Vote) -> Vote:
        vote.choice_label = (
            option_text.get(vote.option_id) if vote.option_id else vote_label(vote.choice)
        )
        return vote

    current_votes = decision.votes.filter(member__left_at__isnull=True)
    # Counted apart, not in one join: each stays a quick plan however
    # stale the table statistics are; and kept until the next vote or change
    # to the members (projects/cached.py).
    voted_by_label = cached.remembered(
        access.project.pk,
        f"decision-{decision.pk}-votes-by-label",
        lambda: dict(current_votes.values_list("member__label").annotate(Count("pk")).order_by()),
    )
    counts = member_counts(project=access.project)
    members_by_label = {label: counts[label] for label in Membership.Label.values if counts[label]}
    named = voters_named(decision)
    votes, votes_paged = [], None
    if named:
        votes_paged = paged(
            _Counted(
                current_votes.select_related("member__user", "recorded_by")
                .only(*VOTE_SHOWN)
                .order_by("member__user__display_name", "pk"),
                sum(voted_by_label.values()),
            ),
            query,
            parameter=VOTES_PAGE,
        )
        votes = [label(vote) for vote in votes_paged.items]
    my_vote = None
    if membership:
        # The viewer's own membership is known: only who recorded it is joined.
        my_vote = decision.votes.filter(member=membership).select_related("recorded_by").first()
        if my_vote is not None:
            my_vote.member = membership
            my_vote = label(my_vote)
    reasons, reasons_paged = [], None
    if decision.is_anonymous and named:
        reasons_paged = paged(
            current_votes.exclude(reason="")
            .annotate(answer=_answer_label())
            .order_by("answer", Lower("reason"), "pk"),
            query,
            parameter=REASONS_PAGE,
        )
        reasons = reasons_without_names(decision, [label(vote) for vote in reasons_paged.items])
    counted = turnout(decision, members_by_label=members_by_label, voted_by_label=voted_by_label)
    accepts_votes = decision.accepts_votes
    revisions = list(decision.revisions.select_related("edited_by"))
    return {
        "project": access.project,
        "access": access,
        "decision": decision,
        "options": options,
        "votes": votes,
        "votes_paged": votes_paged,
        "my_vote": my_vote,
        "member_count": counted.eligible,
        "voted_count": counted.voted,
        "not_voted": counted.not_voted,
        "turnout_by_group": counted.by_group,
        "voters_named": named,
        "reasons": reasons,
        "reasons_paged": reasons_paged,
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
        **discussion(access=access, decision=decision, now=timezone.now(), query=query),
    }


# --- casting a vote -------------------------------------------------------------


def voter(*, user, slug: str) -> Membership | None:
    """The signed-in person's current membership of the project with this
    slug, with its project and the person, for casting a vote: one read by
    key. None when they are not a current
    member of it (or it does not exist): projects.permissions then says what
    they may do there, as on every page."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.current()
        .select_related("project")
        .filter(project__slug=slug, user=user)
        .first()
    )
    if membership is not None:
        membership.user = user
    return membership


def vote_decision(*, project: Project, public_id: uuid.UUID) -> Decision:
    """The project's decision with this public id, for casting a vote: its
    own row only (one read by key), with ``project`` set.
    Http404 when the project has none."""
    try:
        decision = Decision.objects.get(project=project, public_id=public_id)
    except Decision.DoesNotExist:
        raise Http404("No such decision") from None
    decision.project = project
    return decision
