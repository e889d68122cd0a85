"""Decision fragments that pages of lower apps show without importing
decisions (the project home lists open decisions and whose voices are heard).
Dates and times in words are the filters of coproduce/templatetags/words.py."""

from django import template
from django.db.models import Count, Exists, OuterRef, Q

from coproduce.queries import count_of
from decisions.models import Comment, Decision, Vote
from decisions.next_steps import next_steps as steps_for
from decisions.results import GROUP_NAMES
from projects import cached
from projects.models import Membership

register = template.Library()

# At most this many open decisions on the project home; the rest are one
# link away, in the decision log filtered to them.
OPEN_SHOWN = 10
# What templates/decisions/partials/open_decisions.html shows of a decision
# (and what its is_open and accepts_votes read): all that is read of them.
SHOWN_FIELDS = ("public_id", "title", "status", "closes_at", "proposer")


@register.inclusion_tag("decisions/partials/open_decisions.html", takes_context=True)
def open_decisions(context, project):
    """The project's open decisions with their closing dates, soonest first,
    and whether the viewer has voted on each: at most OPEN_SHOWN of them,
    each with how many there are (``of_its_kind``, a COUNT in the same
    query). One query, reading only the rows shown, however many decisions
    the project has."""
    access = context.get("access")
    membership = getattr(access, "membership", None)
    open_ones = Decision.objects.filter(project=project, status=Decision.Status.OPEN)
    rows = open_ones.only(*SHOWN_FIELDS).annotate(of_its_kind=count_of(open_ones))
    if membership is not None:
        rows = rows.annotate(
            viewer_voted=Exists(Vote.objects.filter(decision=OuterRef("pk"), member=membership))
        )
    shown = list(rows.order_by("closes_at", "pk")[:OPEN_SHOWN])
    open_count = shown[0].of_its_kind if shown else 0
    return {
        "project": project,
        "decisions": shown,
        "open_count": open_count,
        "more_open": open_count - len(shown),
        "membership": membership,
        "request": context.get("request"),
    }


@register.inclusion_tag("decisions/partials/next_steps.html", takes_context=True)
def next_steps(context, project=None):
    """What the signed-in person can do now (decisions/next_steps.py): in
    every project of theirs, or in ``project`` (with the page's ``access``,
    so a facilitator is asked for every missing outcome). Three queries."""
    access = context.get("access") if project is not None else None
    user = context["request"].user
    return {
        # Members who chose easy words see a picture beside each kind of step.
        "user": user,
        **steps_for(
            user=user,
            project=project,
            facilitates=bool(getattr(access, "can_facilitate", False)),
        ),
        "project": project,
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
