"""Decision fragments that pages of lower apps show without importing
decisions (the project home lists open decisions and whose voices are heard).
Dates and times in words are the filters of coproduce/templatetags/words.py."""

from django import template
from django.db.models import Count, Exists, OuterRef, Q

from decisions.models import Comment, Decision, Vote
from decisions.results import GROUP_NAMES
from projects.models import Membership

register = template.Library()

# At most this many "write the outcome" prompts on the project home; the rest
# are one link away, in the decision log filtered to them.
OUTCOME_PROMPTS = 5


@register.inclusion_tag("decisions/partials/open_decisions.html", takes_context=True)
def open_decisions(context, project):
    """The project's open decisions with their closing dates, soonest first,
    and whether the viewer has voted on each; above them, the closed
    decisions whose outcome the viewer is asked to write (their own
    proposals, or every one for a facilitator). One query."""
    access = context.get("access")
    membership = getattr(access, "membership", None)
    wanted = Q(status=Decision.Status.OPEN)
    if getattr(access, "can_facilitate", False):
        wanted |= Q(status=Decision.Status.CLOSED, outcome__isnull=True)
    elif membership is not None:
        wanted |= Q(status=Decision.Status.CLOSED, outcome__isnull=True, proposer=membership)
    decisions = Decision.objects.filter(wanted, project=project)
    if membership is not None:
        decisions = decisions.annotate(
            viewer_voted=Exists(Vote.objects.filter(decision=OuterRef("pk"), member=membership))
        )
    decisions = list(decisions.order_by("closes_at", "pk"))
    outcomes_to_write = [decision for decision in decisions if not decision.is_open]
    return {
        "project": project,
        "decisions": [decision for decision in decisions if decision.is_open],
        "outcomes_to_write": outcomes_to_write[:OUTCOME_PROMPTS],
        "more_outcomes_to_write": max(len(outcomes_to_write) - OUTCOME_PROMPTS, 0),
        "membership": membership,
        "request": context.get("request"),
    }


@register.inclusion_tag("decisions/partials/voice_balance.html")
def voice_balance(project):
    """Whose voices are heard: of the project's current participants and
    professionals, how many have proposed a decision, voted and commented.
    One query."""
    counts = {
        row["label"]: row
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
