"""The managers' dashboard: queries and bytes that do not grow with the data
(the data built in bulk)."""

from datetime import timedelta
from http import HTTPStatus

import pytest

from decisions import dashboard
from decisions.models import Comment, Vote
from participants.models import User
from projects.models import LadderAnswer, Membership
from tests.decisions import dashboard_world
from tests.decisions.dashboard_world import (
    DASHBOARD,
    NOW,
    PRO,
    P,
    closed_decision,
    csv_url,
    dashboard_tables,
    failed_reminder,
)
from tests.factories import (
    DecisionFactory,
    OrganisationFactory,
    ProjectFactory,
    StageFactory,
    UserFactory,
)

_frozen_time = dashboard_world._frozen_time


# Queries and bytes that do not grow ---------------------------------------------------

# At most, at any size: session, user, the organisations, the count and the
# page of projects, then nine for the figures (stages, members and voices,
# proposers, voters, commenters, ladder answers, open decisions, closed
# decisions, failed reminders).
DASHBOARD_QUERIES = 14
# Most bytes for a full page of PAGE_SIZE projects, whatever their size.
DASHBOARD_BYTES = 200_000


def _grow(organisation, *, projects, members):
    """Projects with three stages (one ended, one current, one to come),
    members half participants, an open and a closed decision each, everyone
    voting, a comment from every third member, and everyone's ladder answer
    on the first two stages."""
    for number in range(projects):
        project = ProjectFactory(organisation=organisation, name=f"Grown {number:02d}")
        first = StageFactory(
            project=project,
            position=1,
            started_at=NOW - timedelta(days=30),
            ended_at=NOW - timedelta(days=10),
        )
        second = StageFactory(project=project, position=2, started_at=NOW - timedelta(days=10))
        StageFactory(project=project, position=3)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"grown-{organisation.pk}-{number}-{index}@example.org",
                    display_name=f"G {index}",
                )
                for index in range(members)
            ]
        )
        memberships = Membership.objects.bulk_create(
            [
                Membership(project=project, user=user, label=(P, PRO)[index % 2])
                for index, user in enumerate(users)
            ]
        )
        open_decision = DecisionFactory(project=project, stage=second, proposer=memberships[0])
        closed = closed_decision(project, first, memberships[1], days_ago=12, result="no_quorum")
        Vote.objects.bulk_create(
            [
                Vote(decision=decision, member=member, choice=Vote.Choice.AGREE)
                for decision in (open_decision, closed)
                for member in memberships
            ]
        )
        Comment.objects.bulk_create(
            Comment(decision=open_decision, author=member, body="I think this is a good idea.")
            for member in memberships[::3]
        )
        LadderAnswer.objects.bulk_create(
            [
                LadderAnswer(stage=stage, membership=member, rung=index % 7 + 1, label=member.label)
                for stage in (first, second)
                for index, member in enumerate(memberships)
            ]
        )
        failed_reminder(project, users[0], claimed_days_ago=2)


# Six members at the small size: three of each label, so every chart is drawn.
@pytest.mark.parametrize(("projects", "members"), [(2, 6), (12, 60)])
def test_queries_and_bytes_do_not_grow(
    client, db, django_assert_max_num_queries, projects, members
):
    organisation = OrganisationFactory(name="Growing Trust")
    manager = UserFactory(display_name="Grow Manager")
    organisation.managers.add(manager)
    _grow(organisation, projects=projects, members=members)
    client.force_login(manager)
    with django_assert_max_num_queries(DASHBOARD_QUERIES) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    shown = min(projects, dashboard.PAGE_SIZE)
    assert html.count('<svg class="chart"') == 2 * shown
    assert len(response.content) < DASHBOARD_BYTES
    # Per project shown, the page is about the same size with 5 or 60 members.
    print(  # noqa: T201  (pytest -s shows the figures for the report)
        f"\n{projects} projects of {members} members: {len(queries)} queries, "
        f"{len(response.content)} bytes, {len(response.content) // shown} per project shown"
    )
    if projects > dashboard.PAGE_SIZE:
        assert 'rel="next"' in html
        with django_assert_max_num_queries(DASHBOARD_QUERIES):
            assert client.get(DASHBOARD + "?page=2").status_code == HTTPStatus.OK
    for table in dashboard_tables():
        with django_assert_max_num_queries(DASHBOARD_QUERIES):
            response = client.get(csv_url(table))
            rows = b"".join(response.streaming_content).decode().splitlines()
        assert len(rows) > projects


def test_bytes_per_project_do_not_grow_with_members(client, db):
    sizes = {}
    for members in (6, 60):
        organisation = OrganisationFactory(name=f"Trust {members}")
        manager = UserFactory()
        organisation.managers.add(manager)
        _grow(organisation, projects=3, members=members)
        client.force_login(manager)
        sizes[members] = len(client.get(DASHBOARD).content)
    assert sizes[60] < sizes[6] * 1.1
