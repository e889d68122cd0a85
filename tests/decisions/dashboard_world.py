"""The managers' dashboard's world (tests/roles.py's roles: Riverside is
organisation A, Northfield B), its frozen clock, and reading its page and
CSV downloads: shared by test_dashboard.py, test_dashboard_exports.py and
test_dashboard_size.py."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from decisions.models import Decision, Outcome, Vote
from participants.models import ReminderLog
from projects.models import LadderAnswer, Membership, Project
from tests.factories import (
    CommentFactory,
    DecisionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    StageFactory,
    UserFactory,
    VoteFactory,
)
from tests.roles import sign_in

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
DASHBOARD = reverse("decisions:dashboard")
P, PRO = Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL
# Words only the members and the ladder check know: never on the dashboard.
SECRET_COMMENT = "My rung reason is private"


def csv_url(table: str, query: str = "") -> str:
    return reverse("decisions:dashboard_csv", args=[table]) + (f"?{query}" if query else "")


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def make_members(project, labels, prefix):
    return [
        MembershipFactory(
            project=project,
            label=label,
            user__display_name=f"{prefix} {index}",
            joined_at=NOW - timedelta(days=100),
        )
        for index, label in enumerate(labels)
    ]


def make_answers(stage, memberships, rungs):
    for membership, rung in zip(memberships, rungs, strict=False):
        LadderAnswer.objects.create(
            stage=stage, membership=membership, rung=rung, comment=SECRET_COMMENT
        )


def closed_decision(project, stage, proposer, *, days_ago, result, **extra):
    return DecisionFactory(
        project=project,
        stage=stage,
        proposer=proposer,
        status=Decision.Status.CLOSED,
        closes_at=NOW - timedelta(days=days_ago),
        closed_at=NOW - timedelta(days=days_ago),
        result=result,
        quorum_met=result != Decision.Result.NO_QUORUM,
        **extra,
    )


def failed_reminder(
    project, user, *, claimed_days_ago=None, send_after_days_ago=1, status="failed"
):
    return ReminderLog.objects.create(
        user=user,
        kind="new_decision",
        object_key=f"decision:{random.randint(1, 10**9)}",
        due_at=NOW - timedelta(days=send_after_days_ago),
        send_after=NOW - timedelta(days=send_after_days_ago),
        claimed_at=None if claimed_days_ago is None else NOW - timedelta(days=claimed_days_ago),
        project=project,
        status=status,
    )


@pytest.fixture
def world(db):
    """Two organisations. Riverside's Garden project: 6 participants and 4
    professionals today (and one participant who left), in stage 2 of 3 for
    12 days; one open decision with 4 of today's members' votes (and one from
    the person who left); closed decisions: one without enough votes and one
    passed, both without an outcome (9 and 2 days ago), one with its outcome;
    reminders that failed 5 and 3 days ago count, one 40 days ago and one
    sent do not. Participants are 60% of members but 25% of voters. Ladder:
    stage 1 (ended) participants 3, 4, 5 and professionals 6, 6, 7; stage 2
    (now) participants 2, 3, 4 and only 2 professionals (5, 6).
    Northfield has one small project; Hilltop (no manager) has one."""
    riverside = OrganisationFactory(name="Riverside Trust", slug="riverside")
    northfield = OrganisationFactory(name="Northfield Health", slug="northfield")
    hilltop = OrganisationFactory(name="Hilltop Care", slug="hilltop")
    garden = ProjectFactory(organisation=riverside, name="Garden", ends_on=date(2027, 6, 30))
    stages = [
        StageFactory(
            project=garden,
            position=1,
            name="Getting started",
            started_at=NOW - timedelta(days=40),
            ended_at=NOW - timedelta(days=12),
        ),
        StageFactory(project=garden, position=2, name="Ideas", started_at=NOW - timedelta(days=12)),
        StageFactory(project=garden, position=3, name="Trying it out"),
    ]
    participants = make_members(garden, [P] * 6, "Ada Person")
    professionals = make_members(garden, [PRO] * 4, "Bo Person")
    left = MembershipFactory(
        project=garden,
        label=P,
        user__display_name="Lena Left",
        joined_at=NOW - timedelta(days=100),
        left_at=NOW - timedelta(days=1),
    )
    open_decision = DecisionFactory(
        project=garden,
        stage=stages[1],
        proposer=participants[0],
        title="Open the garden on Sundays",
        closes_at=NOW + timedelta(days=2),
    )
    for member in [*professionals[:3], participants[0]]:
        VoteFactory(decision=open_decision, member=member, choice=Vote.Choice.AGREE)
    VoteFactory(decision=open_decision, member=left, choice=Vote.Choice.DISAGREE)
    closed_decision(
        garden, stages[0], participants[1], days_ago=9, result=Decision.Result.NO_QUORUM
    )
    closed_decision(garden, stages[1], professionals[0], days_ago=2, result=Decision.Result.PASSED)
    with_outcome = closed_decision(
        garden, stages[0], professionals[0], days_ago=20, result=Decision.Result.PASSED
    )
    Outcome.objects.create(decision=with_outcome, statement="We will do it.", who="Sam")
    CommentFactory(decision=open_decision, author=participants[2], body="A comment")
    CommentFactory(decision=open_decision, author=professionals[1], body="Another")

    reminded = participants[0].user
    failed_reminder(garden, reminded, claimed_days_ago=5)
    failed_reminder(garden, reminded, claimed_days_ago=None, send_after_days_ago=3)
    failed_reminder(garden, reminded, claimed_days_ago=40, send_after_days_ago=41)
    failed_reminder(garden, reminded, claimed_days_ago=1, status=ReminderLog.Status.SENT)

    make_answers(stages[0], participants[:3], [3, 4, 5])
    make_answers(stages[0], professionals[:3], [6, 6, 7])
    make_answers(stages[1], participants[3:6], [2, 3, 4])
    make_answers(stages[1], professionals[:2], [5, 6])

    clinic = ProjectFactory(organisation=northfield, name="Clinic letters")
    StageFactory(project=clinic, position=1, name="Start", started_at=NOW - timedelta(days=3))
    clinic_member = MembershipFactory(project=clinic, label=PRO, user__display_name="Cleo Clinic")
    hill = ProjectFactory(organisation=hilltop, name="Hill walks")
    archived = ProjectFactory(
        organisation=riverside, name="Allotments", status=Project.Status.ARCHIVED
    )

    riverside_manager = UserFactory(display_name="Mo Manager")
    riverside.managers.add(riverside_manager)
    northfield_manager = UserFactory(display_name="Nia Manager")
    northfield.managers.add(northfield_manager)
    both = UserFactory(display_name="Bea Both")
    riverside.managers.add(both)
    northfield.managers.add(both)
    # The roles of tests/roles.py: Riverside is organisation A, Northfield B.
    users = {
        "signed_out": None,
        "outsider": UserFactory(display_name="Olly Outsider"),
        "participant": participants[0].user,
        "staff": UserFactory(display_name="Sid Staff", is_staff=True),
        "manager_of_a": riverside_manager,
        "manager_of_b": northfield_manager,
        "manager_of_both": both,
        "superuser": UserFactory(display_name="Sue Super", is_staff=True, is_superuser=True),
    }
    return SimpleNamespace(
        riverside=riverside,
        northfield=northfield,
        hilltop=hilltop,
        garden=garden,
        clinic=clinic,
        hill=hill,
        archived=archived,
        stages=stages,
        open_decision=open_decision,
        members=[*participants, *professionals, left, clinic_member],
        users=users,
    )


@pytest.fixture
def client_as(client, world):
    def _client_as(role):
        sign_in(client, world.users[role])
        return client

    return _client_as


def dashboard_page(client_as, role="manager_of_a", query="") -> str:
    response = client_as(role).get(DASHBOARD + (f"?{query}" if query else ""))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def dashboard_csv(client_as, table, role="manager_of_a", query="") -> list[dict]:
    response = client_as(role).get(csv_url(table, query))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{table}-')
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def dashboard_tables():
    return ["projects", "balance", "ladder"]
