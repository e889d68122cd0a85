"""Decision fragments that pages of lower apps show without importing
decisions (the project home lists open decisions and whose voices are heard).
Dates and times in words are the filters of coproduce/templatetags/words.py."""

from django import template
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery

from coproduce.queries import first_of_each
from decisions.models import Comment, Decision, Outcome, Vote
from decisions.results import GROUP_NAMES
from projects import cached
from projects.models import Membership

register = template.Library()

# At most this many "write the outcome" prompts, and open decisions, on the
# project home; the rest are one link away, in the decision log filtered to
# them.
OUTCOME_PROMPTS = 5
OPEN_SHOWN = 10
# What templates/decisions/partials/open_decisions.html shows of a decision
# (and what its is_open and accepts_votes read): all that is read of them.
SHOWN_FIELDS = ("public_id", "title", "status", "closes_at", "proposer")


def _count_of(decisions: QuerySet[Decision]) -> Subquery:
    """How many decisions ``decisions`` has, as a subquery that refers to no
    row of the query around it, so the database counts once however many
    rows that query reads: SELECT COUNT(id) ... with no GROUP BY (COUNT as a
    plain function, which Django does not group by), so one row, 0 when
    there are none."""
    counted = decisions.order_by().annotate(count=Func(F("pk"), function="COUNT")).values("count")
    return Subquery(counted, output_field=IntegerField())


@register.inclusion_tag("decisions/partials/open_decisions.html", takes_context=True)
def open_decisions(context, project):
    """The project's open decisions with their closing dates, soonest first,
    and whether the viewer has voted on each; above them, the closed
    decisions whose outcome the viewer is asked to write (their own
    proposals, or every one for a facilitator). At most OPEN_SHOWN and
    OUTCOME_PROMPTS of them, each row with how many there are of its kind
    (``of_its_kind``, a COUNT in the same query): one query, reading only
    the rows shown, however many decisions the project has."""
    access = context.get("access")
    membership = getattr(access, "membership", None)
    in_project = Decision.objects.filter(project=project)
    # NOT EXISTS rather than outcome__isnull (a LEFT JOIN): the database
    # then walks the closed decisions in order, stops at the last one shown,
    # and estimates how many there are well.
    without_outcome = in_project.filter(
        ~Exists(Outcome.objects.filter(decision=OuterRef("pk"))), status=Decision.Status.CLOSED
    )
    if not getattr(access, "can_facilitate", False):
        without_outcome = without_outcome.filter(proposer=membership) if membership else None

    def first(decisions: QuerySet[Decision], limit: int) -> QuerySet[Decision]:
        """The first ``limit`` of ``decisions`` by closing date, each with how
        many there are and whether the viewer has voted."""
        rows = decisions.only(*SHOWN_FIELDS).annotate(of_its_kind=_count_of(decisions))
        if membership is not None:
            rows = rows.annotate(
                viewer_voted=Exists(Vote.objects.filter(decision=OuterRef("pk"), member=membership))
            )
        return rows.order_by("closes_at", "pk")[:limit]

    parts = [first(in_project.filter(status=Decision.Status.OPEN), OPEN_SHOWN)]
    if without_outcome is not None:
        parts.append(first(without_outcome, OUTCOME_PROMPTS))
    decisions = first_of_each(parts, order_by=("closes_at", "pk"))
    shown = [decision for decision in decisions if decision.is_open]
    outcomes_to_write = [decision for decision in decisions if not decision.is_open]
    open_count = shown[0].of_its_kind if shown else 0
    outcomes_count = outcomes_to_write[0].of_its_kind if outcomes_to_write else 0
    return {
        "project": project,
        "decisions": shown,
        "open_count": open_count,
        "more_open": open_count - len(shown),
        "outcomes_to_write": outcomes_to_write,
        "outcomes_count": outcomes_count,
        "more_outcomes_to_write": outcomes_count - len(outcomes_to_write),
        "membership": membership,
        "request": context.get("request"),
    }


@register.inclusion_tag("decisions/partials/voice_balance.html")
def voice_balance(project):
    """Whose voices are heard: of the project's current participants and
    professionals, how many have proposed a decision, voted and commented.
    One query (tens of milliseconds at 5,000 members), once for every
    proposal, vote, comment and change to the members (projects/cached.py)."""

    def count() -> dict[str, dict[str, int]]:
        return {
            row.pop("label"): row
            for row in Membership.objects.current()
            .filter(project=project)
            .annotate(
                has_proposed=Exists(Decision.objects.filter(proposer=OuterRef("pk"))),
                has_voted=Exists(Vote.objects.filter(member=OuterRef("pk"))),
                has_commented=Exists(Comment.objects.filter(author=OuterRef("pk"))),
            )
            .values("label")
            .annotate(
                members=Count("pk"),
                proposed=Count("pk", filter=Q(has_proposed=True)),
                voted=Count("pk", filter=Q(has_voted=True)),
                commented=Count("pk", filter=Q(has_commented=True)),
            )
            .order_by("label")
        }

    counts = cached.remembered(project.pk, "voices", count)
    empty = {"members": 0, "proposed": 0, "voted": 0, "commented": 0}
    groups = [{"name": name, **counts.get(label, empty)} for label, name in GROUP_NAMES.items()]
    rows, gaps = [], []
    for key, what in [
        ("proposed", "have proposed a decision"),
        ("voted", "have voted"),
        ("commented", "have commented"),
    ]:
        rows.append(
            {
                "what": what,
                "groups": [
                    {"name": group["name"], "members": group["members"], "count": group[key]}
                    for group in groups
                ],
            }
        )
        for group in groups:
            others = [other for other in groups if other is not group]
            if group["members"] and not group[key] and any(other[key] for other in others):
                gaps.append(f"No {group['name']} {what} yet.")
    return {"project": project, "rows": rows, "gaps": gaps}
