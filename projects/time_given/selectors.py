"""The reads of the time-given pages, each a fixed number of queries
however many members, lines of time and claims there are
(tests/projects/test_time_given_size.py checks them at two sizes). Only
confirmed time is counted anywhere."""

from typing import TypedDict

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import QueryDict

from coproduce.pagination import Paged, paged
from projects.models import Membership, Organisation, Project
from projects.time_given.models import Claim, Contribution, RecognitionPolicy

CONFIRMED = Contribution.Status.CONFIRMED
# The people a facilitator can tick on "Log a meeting" without searching:
# with more members than this, they search by name, and see at most
# MEETING_MATCHES of those who match.
MEETING_ALL_UP_TO = 30
MEETING_MATCHES = 30


def policy_of(project: Project) -> RecognitionPolicy | None:
    return RecognitionPolicy.objects.filter(project=project).first()


class LabelTotal(TypedDict):
    label: str
    title: str
    minutes: int
    people: int


class TimeGivenPage(TypedDict):
    by_label: list[LabelTotal]
    total_minutes: int
    members: Paged
    yours: Paged | None
    policy: RecognitionPolicy | None
    claims_waiting: int


TITLES = {
    Membership.Label.PARTICIPANT: "Participants",
    Membership.Label.PROFESSIONAL: "Professionals",
}


def _yours(membership: Membership) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(membership=membership)
        .exclude(status=Contribution.Status.NOT_THERE)
        .select_related("claim")
        .order_by("-date", "-pk")
    )


def time_given_page(
    *, project: Project, membership: Membership | None, facilitates: bool, query: QueryDict
) -> TimeGivenPage:
    """The project's confirmed time: totals for participants and for
    professionals (one query), the page of members by name with their
    totals (two), the viewer's own lines with their claims, newest first
    (two, for a member), the recognition policy (one) and, for
    facilitators, how many claims wait for approval (one)."""
    confirmed = Q(contributions__status=CONFIRMED)
    by_label = {
        row["label"]: row
        for row in Membership.objects.filter(project=project)
        .values("label")
        .annotate(
            minutes=Sum("contributions__minutes", filter=confirmed),
            people=Count("pk", filter=confirmed, distinct=True),
        )
    }
    totals = [
        {
            "label": label,
            "title": title,
            "minutes": (by_label.get(label) or {}).get("minutes") or 0,
            "people": (by_label.get(label) or {}).get("people") or 0,
        }
        for label, title in TITLES.items()
    ]
    members = (
        Membership.objects.filter(project=project)
        .annotate(minutes=Sum("contributions__minutes", filter=confirmed))
        .filter(minutes__gt=0)
        .select_related("user")
        .only("label", "is_facilitator", "left_at", "user__display_name", "user__email")
        .order_by("user__display_name", "pk")
    )
    claims_waiting = 0
    if facilitates:
        claims_waiting = Claim.objects.filter(
            contribution__membership__project=project, status=Claim.Status.WAITING
        ).count()
    return {
        "by_label": totals,
        "total_minutes": sum(total["minutes"] for total in totals),
        "members": paged(members, query),
        "yours": paged(_yours(membership), query, parameter="yours") if membership else None,
        "policy": policy_of(project),
        "claims_waiting": claims_waiting,
    }


def meeting_choices(*, project: Project, find: str = "", limit: int) -> list[Membership]:
    """The first ``limit`` + 1 current members by name (one more, so the
    caller knows there are more), only those whose name has ``find`` in it
    when it is given. One query."""
    members = (
        Membership.objects.current()
        .filter(project=project)
        .select_related("user")
        .only("label", "is_facilitator", "user__display_name", "user__email")
        .order_by("user__display_name", "pk")
    )
    if find:
        members = members.filter(user__display_name__icontains=find)
    return list(members[: limit + 1])


# --- a member's own time, across projects ----------------------------------------


def history(*, user) -> QuerySet[Contribution]:
    """Every line of ``user``'s time given that they have not said they
    were not at, in every project (also those they have left), newest
    first, with its project, organisation and claim."""
    return (
        Contribution.objects.filter(membership__user=user)
        .exclude(status=Contribution.Status.NOT_THERE)
        .select_related("membership__project__organisation", "claim")
        .order_by("-date", "-pk")
    )


class HistoryPage(TypedDict):
    lines: Paged
    total_minutes: int
    waiting: int


def history_page(*, user, query: QueryDict) -> HistoryPage:
    """The page of ``user``'s history that ``query`` asks for, the total of
    their confirmed time and how many lines wait for them to check. Three
    queries (the totals, the count, the page)."""
    totals = Contribution.objects.filter(membership__user=user).aggregate(
        minutes=Sum("minutes", filter=Q(status=CONFIRMED)),
        waiting=Count("pk", filter=Q(status=Contribution.Status.WAITING)),
    )
    return {
        "lines": paged(history(user=user), query),
        "total_minutes": totals["minutes"] or 0,
        "waiting": totals["waiting"],
    }


# --- claims -------------------------------------------------------------------------


def _claims() -> QuerySet[Claim]:
    return Claim.objects.select_related(
        "contribution__membership__user", "contribution__membership__project__organisation"
    )


def project_claims(*, project: Project) -> QuerySet[Claim]:
    """A project's claims (not those declined), waiting ones first, then
    newest first."""
    return (
        _claims()
        .filter(contribution__membership__project=project)
        .exclude(status=Claim.Status.DECLINED)
        .alias(
            waiting_first=Case(
                When(status=Claim.Status.WAITING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting_first", "-created_at", "-pk")
    )


def claim_in_project(*, project: Project, pk: int) -> Claim | None:
    return _claims().filter(contribution__membership__project=project, pk=pk).first()


MANAGER_STATUSES = (Claim.Status.APPROVED, Claim.Status.PAID)


def organisation_claims(
    *, organisations: list[Organisation], status: str = Claim.Status.APPROVED
) -> QuerySet[Claim]:
    """The approved (or paid) claims of these organisations' projects,
    oldest first, as the finance team pays them."""
    return (
        _claims()
        .filter(
            contribution__membership__project__organisation__in=[o.pk for o in organisations],
            status=status,
        )
        .order_by("created_at", "pk")
    )
