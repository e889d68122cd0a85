"""What a member can do now, shown first on "Your projects" and on a project's
home page (the decision_tags ``next_steps`` tag): votes waiting for them,
soonest to close first; the ladder check of each current stage they have not
answered; and the outcomes they are asked to write (of their own proposals,
or of every closed decision for a facilitator of the project).

Each list shows only its first rows, with how many there are: three queries
however many projects, decisions and votes there are.
"""

from typing import TypedDict

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from coproduce.queries import count_of
from decisions.models import Decision, Outcome, Vote
from projects.models import Membership, Project, Stage
from projects.selectors import ladder_checks_waiting

# At most this many of each list; the project pages list the rest.
VOTES_SHOWN = 10
OUTCOMES_SHOWN = 5
# What templates/decisions/partials/next_steps.html reads of a decision.
SHOWN_FIELDS = ("public_id", "title", "status", "closes_at", "proposer", "project")
SHOWN_PROJECT_FIELDS = ("project__slug", "project__name", "project__timezone")


class NextSteps(TypedDict):
    votes: list[Decision]
    votes_count: int
    ladder_checks: list[Stage]
    ladder_count: int
    outcomes: list[Decision]
    outcomes_count: int
    more_votes: int
    more_ladder: int
    more_outcomes: int
    anything: bool


def _first(decisions, limit: int) -> list[Decision]:
    """The first ``limit`` of ``decisions`` by closing time, with their
    project's name and address, and ``of_its_kind``: how many there are."""
    return list(
        decisions.select_related("project")
        .only(*SHOWN_FIELDS, *SHOWN_PROJECT_FIELDS)
        .annotate(of_its_kind=count_of(decisions))
        .order_by("closes_at", "pk")[:limit]
    )


def next_steps(*, user, project: Project | None = None, facilitates: bool = False) -> NextSteps:
    """What ``user`` can do now in all their projects, or in ``project``
    (``facilitates``: they may write the outcome of any of its decisions).
    Project managers who are not members vote and answer nothing, so only
    outcomes can wait for them, and only where they facilitate."""
    mine = Membership.objects.current().filter(user=user)
    if project is not None:
        mine = mine.filter(project=project)
    votes = _first(
        Decision.objects.filter(
            ~Exists(Vote.objects.filter(decision=OuterRef("pk"), member__user=user)),
            project__in=mine.values("project"),
            project__status=Project.Status.ACTIVE,
            status=Decision.Status.OPEN,
            closes_at__gt=timezone.now(),
        ),
        VOTES_SHOWN,
    )
    ladder_checks = ladder_checks_waiting(user=user, project=project)
    asked = Q(proposer__in=mine)
    if project is not None and facilitates:
        asked = Q(project=project)
    elif project is None:
        asked |= Q(project__in=mine.filter(is_facilitator=True).values("project"))
    outcomes = _first(
        Decision.objects.filter(
            asked,
            ~Exists(Outcome.objects.filter(decision=OuterRef("pk"))),
            status=Decision.Status.CLOSED,
        ).annotate(
            you_proposed=ExpressionWrapper(Q(proposer__in=mine), output_field=BooleanField())
        ),
        OUTCOMES_SHOWN,
    )
    counts = {
        "votes_count": votes[0].of_its_kind if votes else 0,
        "ladder_count": ladder_checks[0].of_its_kind if ladder_checks else 0,
        "outcomes_count": outcomes[0].of_its_kind if outcomes else 0,
    }
    return {
        "votes": votes,
        "ladder_checks": ladder_checks,
        "outcomes": outcomes,
        **counts,
        "more_votes": counts["votes_count"] - len(votes),
        "more_ladder": counts["ladder_count"] - len(ladder_checks),
        "more_outcomes": counts["outcomes_count"] - len(outcomes),
        "anything": any(counts.values()),
    }
