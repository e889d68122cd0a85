"""The time-given pages and downloads take the same number of queries for a
small project as for one with many members, lines of time and claims (built
in bulk): the time-given page, a member's history and its CSV, a project's
claims, and the managers' claims and their CSV. The page size is set small,
so the small project already fills every page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import services as project_services
from projects.models import Claim, Contribution, Membership
from projects.time_given import services
from tests.factories import OrganisationFactory, UserFactory, bulk_members
from tests.roles import client_for

SMALL, LARGE = 24, 150


def _world(size):
    """A project with ``size`` members (half participants), each with three
    lines of time (one waiting to be checked) and a claim, half of them
    approved; the participant ``pat`` is also in ``size`` // 3 more
    projects with a line in each."""
    organisation = OrganisationFactory(name=f"Trust {size}")
    manager = UserFactory(display_name=f"Manager {size}")
    organisation.managers.add(manager)
    project = project_services.project_create(
        organisation=organisation, name=f"Project {size}", summary="x", actor=manager
    )
    facilitator = project_services.membership_add(
        project=project,
        user=UserFactory(display_name="Fran"),
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        actor=manager,
    )
    pat = UserFactory(display_name="Pat")
    pat_membership = project_services.membership_add(
        project=project, user=pat, label=Membership.Label.PARTICIPANT, actor=manager
    )
    services.policy_save(
        project=project,
        value="hourly",
        rate=Decimal("0.30"),
        as_payment=True,
        as_voucher=True,
        travel_costs=True,
        actor=manager,
    )
    members = [
        *bulk_members(project, size, label=["participant", "professional"]),
        pat_membership,
    ]
    day = timezone.localdate() - timedelta(days=3)
    lines = Contribution.objects.bulk_create(
        Contribution(
            membership=member,
            kind=kind,
            date=day,
            minutes=20 + index,
            status=status,
            note=f"Note {index}",
        )
        for index, member in enumerate(members)
        for kind, status in [
            ("meeting", "confirmed"),
            ("travel", "confirmed"),
            ("other", "waiting"),
        ]
    )
    Claim.objects.bulk_create(
        Claim(
            contribution=line,
            how="payment",
            status="approved" if index % 2 else "waiting",
            currency="GBP",
            for_time=Decimal("0.10"),
            amount=Decimal("0.10"),
        )
        for index, line in enumerate(
            line
            for line in lines
            if line.kind == "meeting" and line.membership.label == "participant"
        )
    )
    for index in range(size // 3):
        other = project_services.project_create(
            organisation=organisation, name=f"Other {size} {index}", summary="x", actor=manager
        )
        membership = project_services.membership_add(
            project=other, user=pat, label=Membership.Label.PARTICIPANT, actor=manager
        )
        services.contribution_log(
            membership=membership, kind="training", date=day, minutes=30, actor=pat
        )
    return project, facilitator.user, pat, manager


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, url
    return len(queries), len(body)


def _pages(project, facilitator, pat, manager):
    slug = {"slug": project.slug}
    return {
        "time given, facilitator": (facilitator, reverse("time:project", kwargs=slug)),
        "time given, participant": (pat, reverse("time:project", kwargs=slug)),
        "history": (pat, reverse("time:yours")),
        "history csv": (pat, reverse("time:yours_csv")),
        "project claims": (facilitator, reverse("time:claims", kwargs=slug)),
        "manager claims": (manager, reverse("time:manager_claims")),
        "manager claims csv": (manager, reverse("time:manager_claims_csv")),
    }


@pytest.mark.django_db
def test_time_given_pages_take_the_same_queries_at_two_sizes(settings):
    settings.COPRODUCE_PAGE_SIZE = 5
    small, large = _world(SMALL), _world(LARGE)
    small_pages, large_pages = _pages(*small), _pages(*large)
    for name, (user, url) in small_pages.items():
        few, few_bytes = _queries(client_for(user), url)
        large_user, large_url = large_pages[name]
        many, many_bytes = _queries(client_for(large_user), large_url)
        print(name, few, many, few_bytes, many_bytes)  # noqa: T201
        assert many == few, name
        if "csv" in name:
            assert many_bytes > few_bytes * 3, name  # every row streamed
        else:
            assert many_bytes < few_bytes * 1.25, name  # the page is bounded
        assert few <= 12, name
