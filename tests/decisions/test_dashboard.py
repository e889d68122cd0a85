"""The managers' dashboard (/manage/) and its CSV downloads: who may see it,
each figure on a small known world, the anonymity of votes and ladder
answers, the CSVs, and queries and bytes that do not grow with the data."""

import csv
import io
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from decisions import dashboard
from decisions.models import Decision, Outcome, Vote
from participants.models import ReminderLog, User
from projects.ladder import ladder_results
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

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
DASHBOARD = reverse("decisions:dashboard")
P, PRO = Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL
# Words only the members and the ladder check know: never on the dashboard.
SECRET_COMMENT = "My rung reason is private"


def _csv_url(table: str, query: str = "") -> str:
    return reverse("decisions:dashboard_csv", args=[table]) + (f"?{query}" if query else "")


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _members(project, labels, prefix):
    return [
        MembershipFactory(
            project=project,
            label=label,
            user__display_name=f"{prefix} {index}",
            joined_at=NOW - timedelta(days=100),
        )
        for index, label in enumerate(labels)
    ]


def _answers(stage, memberships, rungs):
    for membership, rung in zip(memberships, rungs, strict=False):
        LadderAnswer.objects.create(
            stage=stage, membership=membership, rung=rung, comment=SECRET_COMMENT
        )


def _closed(project, stage, proposer, *, days_ago, result, **extra):
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


def _failed(project, user, *, claimed_days_ago=None, send_after_days_ago=1, status="failed"):
    return ReminderLog.objects.create(
        user=user,
        kind=ReminderLog.Kind.NEW_DECISION,
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
    participants = _members(garden, [P] * 6, "Ada Person")
    professionals = _members(garden, [PRO] * 4, "Bo Person")
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
    _closed(garden, stages[0], participants[1], days_ago=9, result=Decision.Result.NO_QUORUM)
    _closed(garden, stages[1], professionals[0], days_ago=2, result=Decision.Result.PASSED)
    with_outcome = _closed(
        garden, stages[0], professionals[0], days_ago=20, result=Decision.Result.PASSED
    )
    Outcome.objects.create(decision=with_outcome, statement="We will do it.", who="Sam")
    CommentFactory(decision=open_decision, author=participants[2], body="A comment")
    CommentFactory(decision=open_decision, author=professionals[1], body="Another")

    reminded = participants[0].user
    _failed(garden, reminded, claimed_days_ago=5)
    _failed(garden, reminded, claimed_days_ago=None, send_after_days_ago=3)
    _failed(garden, reminded, claimed_days_ago=40, send_after_days_ago=41)
    _failed(garden, reminded, claimed_days_ago=1, status=ReminderLog.Status.SENT)

    _answers(stages[0], participants[:3], [3, 4, 5])
    _answers(stages[0], professionals[:3], [6, 6, 7])
    _answers(stages[1], participants[3:6], [2, 3, 4])
    _answers(stages[1], professionals[:2], [5, 6])

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
    users = {
        "signed out": None,
        "outsider": UserFactory(display_name="Olly Outsider"),
        "member": participants[0].user,
        "staff": UserFactory(display_name="Sid Staff", is_staff=True),
        "riverside manager": riverside_manager,
        "northfield manager": northfield_manager,
        "manager of both": both,
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
    def sign_in(role):
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        return client

    return sign_in


def _page(client_as, role="riverside manager", query="") -> str:
    response = client_as(role).get(DASHBOARD + (f"?{query}" if query else ""))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _csv(client_as, table, role="riverside manager", query="") -> list[dict]:
    response = client_as(role).get(_csv_url(table, query))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{table}-')
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# Who may see it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "sees"),
    [
        ("signed out", HTTPStatus.FOUND, set()),
        ("outsider", HTTPStatus.NOT_FOUND, set()),
        ("member", HTTPStatus.NOT_FOUND, set()),
        ("staff", HTTPStatus.NOT_FOUND, set()),
        ("riverside manager", HTTPStatus.OK, {"Garden", "Allotments"}),
        ("northfield manager", HTTPStatus.OK, {"Clinic letters"}),
        ("manager of both", HTTPStatus.OK, {"Garden", "Allotments", "Clinic letters"}),
        ("superuser", HTTPStatus.OK, {"Garden", "Allotments", "Clinic letters", "Hill walks"}),
    ],
)
@pytest.mark.parametrize("url", [DASHBOARD, _csv_url("projects")])
def test_who_may_see_the_dashboard(client_as, role, status, sees, url):
    response = client_as(role).get(url)
    assert response.status_code == status
    if status == HTTPStatus.FOUND:
        assert response["Location"].startswith(reverse("account_login"))
    if status != HTTPStatus.OK:
        return
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    for name in ["Garden", "Allotments", "Clinic letters", "Hill walks"]:
        assert (name in content) == (name in sees), name


def test_active_projects_come_before_archived_ones(client_as):
    html = _page(client_as)
    assert html.index(">Garden<") < html.index(">Allotments<")
    assert "Archived" in html


def test_choosing_one_organisation(client_as, world):
    html = _page(client_as, "manager of both", "organisation=northfield")
    assert "Clinic letters" in html
    assert "Garden" not in html
    assert "How the projects of Northfield Health are going" in html
    rows = _csv(client_as, "projects", "manager of both", "organisation=northfield")
    assert [row["Project"] for row in rows] == ["Clinic letters"]
    # The downloads and page links keep the choice.
    assert f"{_csv_url('projects')}?organisation=northfield" in html


def test_an_organisation_they_do_not_manage_is_refused_plainly(client_as, world):
    response = client_as("manager of both").get(DASHBOARD + "?organisation=hilltop")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<title>Error: Managers' dashboard - Coproduce</title>" in html
    assert "Choose one of the organisations you manage" in html
    assert "Showing the projects of all the organisations you manage." in html
    assert "Hill walks" not in html
    assert "Garden" in html
    assert "Clinic letters" in html
    # Nothing to download for it either.
    response = client_as("manager of both").get(_csv_url("projects", "organisation=hilltop"))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_manager_of_one_organisation_sees_no_filter_and_an_error_for_another(client_as):
    html = _page(client_as)
    assert 'name="organisation"' not in html
    response = client_as("riverside manager").get(DASHBOARD + "?organisation=northfield")
    html = response.content.decode()
    assert "Choose one of the organisations you manage" in html
    assert "Clinic letters" not in html


def test_pages_of_projects_keep_the_organisation_chosen(client_as, world):
    for index in range(dashboard.PAGE_SIZE):
        ProjectFactory(organisation=world.riverside, name=f"Walks {index:02d}")
    html = _page(client_as, "manager of both", "organisation=riverside")
    assert "Projects 1 to 10 of 12" in html
    assert 'href="?organisation=riverside&amp;page=2" rel="next"' in html
    html = _page(client_as, "manager of both", "organisation=riverside&page=2")
    assert "Projects 11 to 12 of 12" in html
    assert 'aria-label="Page 2" aria-current="page"' in html
    assert "Allotments" in html  # archived projects come last
    assert "Clinic letters" not in html


def test_an_unknown_download_is_not_found(client_as):
    assert client_as("superuser").get(_csv_url("votes")).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("role", "in_menu"),
    [("member", False), ("staff", False), ("superuser", True), ("staff manager", True)],
)
def test_the_main_menu_links_to_the_dashboard_for_managers(client_as, world, role, in_menu):
    if role == "staff manager":
        world.users[role] = UserFactory(display_name="Stan Staff", is_staff=True)
        world.riverside.managers.add(world.users[role])
    html = client_as(role).get(reverse("home")).content.decode()
    assert (f'<a href="{DASHBOARD}">Managers\' dashboard</a>' in html) == in_menu
    if in_menu:
        assert 'aria-current="page">Managers\' dashboard' in _page(client_as, role)


@pytest.mark.parametrize(("role", "linked"), [("superuser", True), ("staff", False)])
def test_the_admin_home_links_to_the_dashboard(client_as, role, linked):
    response = client_as(role).get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.OK
    assert (f'href="{DASHBOARD}"' in response.content.decode()) == linked


# Each figure ------------------------------------------------------------------------


def _summary(world, role="riverside manager"):
    organisations = dashboard.dashboard_organisations(world.users[role])
    projects = list(dashboard.dashboard_projects(organisations))
    summaries = dashboard.project_summaries(projects, organisations=organisations, now=NOW)
    return {summary.project.name: summary for summary in summaries}


def test_the_projects_figures(world):
    garden = _summary(world)["Garden"]
    assert garden.stage_text == "2 of 3: Ideas"
    assert garden.days_in_stage == 12
    assert (garden.participants, garden.professionals) == (6, 4)
    assert [item.turnout for item in garden.open_decisions] == ["4 of 10 voted"]
    assert garden.no_quorum == 1
    assert garden.waiting_text == "2 waiting, oldest 9 days"
    assert garden.failed_reminders == 2
    assert garden.url == world.garden.get_absolute_url()


def test_the_projects_table_on_the_page(client_as, world):
    html = _page(client_as)
    assert "Stage 2 of 3: Ideas, for 12 days" in html
    assert "30 June 2027" in html
    assert "6 participants, 4 professionals" in html
    assert (
        f'<a href="{world.open_decision.get_absolute_url()}">Open the garden on Sundays</a>:'
        " 4 of 10 voted" in html
    )
    assert "2 waiting, oldest 9 days" in html


def test_open_decisions_are_listed_up_to_three_with_the_rest_counted(client_as, world):
    for days in range(3, 7):
        DecisionFactory(
            project=world.garden,
            stage=world.stages[1],
            proposer=world.members[0],
            title=f"Later decision {days}",
            closes_at=NOW + timedelta(days=days),
        )
    garden = _summary(world)["Garden"]
    assert garden.open_count == 5
    assert [item.decision.title for item in garden.open_decisions] == [
        "Open the garden on Sundays",
        "Later decision 3",
        "Later decision 4",
    ]
    assert "and 2 more" in _page(client_as)


def test_a_superuser_who_is_not_a_manager_gets_the_admin_link(world):
    garden = _summary(world, "superuser")["Garden"]
    assert garden.url == ""
    assert garden.admin_url == reverse("admin:projects_project_change", args=[world.garden.pk])
    assert garden.open_decisions[0].url == ""


def test_the_balance_and_its_flag(client_as, world):
    garden = _summary(world)["Garden"]
    balance = garden.balance
    assert balance.members == dashboard.Share(6, 10)
    assert balance.voters == dashboard.Share(1, 4)
    assert balance.proposers == dashboard.Share(2, 3)
    assert balance.commenters == dashboard.Share(1, 2)
    # Commenters: 50% is more than 15 points below 60%, but 2 people are too few to judge.
    assert balance.flag == "Participants are 60% of members but 25% of voters."
    html = _page(client_as)
    assert "1 of 4 (25%)" in html
    assert (
        "Garden</a>, the whole project: Participants are 60% of members but 25% of voters." in html
    )
    assert "Garden</a>, stage 2 (Ideas): Participants are 64% of members but 40% of voters." in html


def test_the_balance_of_each_stage(world):
    garden = _summary(world)["Garden"]
    first, second = garden.stages
    # Everyone who was a member while the stage ran: the person who left too.
    assert first.balance.members == dashboard.Share(7, 11)
    assert first.balance.proposers == dashboard.Share(1, 2)
    assert second.balance.members == dashboard.Share(7, 11)
    # Today's voters and the one who has left since: 2 participants of 5.
    assert second.balance.voters == dashboard.Share(2, 5)
    assert second.balance.flag == "Participants are 64% of members but 40% of voters."
    assert first.balance.flag == ""


@pytest.mark.parametrize(
    ("members", "voters", "flagged"),
    [
        ((6, 10), (3, 10), True),  # 60% against 30%
        ((6, 10), (9, 20), False),  # 60% against 45%: exactly 15 points is not "more than"
        ((6, 10), (0, 2), False),  # too few voters to judge
        ((6, 10), (0, 3), True),
        ((0, 4), (0, 4), False),
        ((0, 0), (0, 0), False),
    ],
)
def test_the_balance_flag_rule(members, voters, flagged):
    balance = dashboard.Balance(members=dashboard.Share(*members), voters=dashboard.Share(*voters))
    assert bool(balance.flag) == flagged


def test_ladder_medians_once_answers_have_closed(client_as, world):
    garden = _summary(world)["Garden"]
    first, second = garden.stages
    assert not first.ladder.answers_open
    assert (first.ladder.participants.median, first.ladder.professionals.median) == (4, 6)
    assert first.ladder.everyone.median == 5.5
    assert first.ladder.answered_text == "6"
    html = _page(client_as)
    assert "Rung 4, Consulting" in html
    assert "Rung 6, Co-design" in html
    assert "Stage 1: participants rung 4, professionals rung 6." in html  # the chart's words
    rows = _csv(client_as, "ladder")
    assert [
        (row["Stage number"], row["Answering"], row["Answers"], row["Middle answer: participants"])
        for row in rows
        if row["Project"] == "Garden"
    ] == [("1", "Closed", "6", "4"), ("2", "Open", "5", "Shown when answers close")]


def test_while_answers_are_open_only_how_many_answered_is_shown(client_as, world):
    second = _summary(world)["Garden"].stages[1]
    assert second.ladder.answers_open
    assert second.ladder.answered_text == "5"
    assert second.ladder.participants_words == "Shown when answers close"
    assert second.ladder.everyone_words == "Shown when answers close"
    LadderAnswer.objects.filter(stage=world.stages[1], label=P).delete()
    second = _summary(world)["Garden"].stages[1]
    assert second.ladder.answered_text == "Fewer than 3"
    assert "Fewer than 3" in _page(client_as)


def test_a_group_of_two_is_too_few_to_show(client_as, world):
    """Stage 2's answers close (the project is archived in it): 3
    participants but only 2 professionals answered, so neither group is
    shown apart (participants' answers would give the professionals' away,
    taken from everyone's); everyone's middle answer is."""
    world.garden.status = Project.Status.ARCHIVED
    world.garden.save()
    second = _summary(world)["Garden"].stages[1]
    assert not second.ladder.answers_open
    assert not second.ladder.professionals.shown
    assert not second.ladder.participants.shown
    assert second.ladder.everyone.shown
    assert second.ladder.everyone.median == 4
    assert second.ladder.participants_words == "Too few to show"
    assert second.ladder.professionals_words == "Too few to show"
    html = _page(client_as)
    assert "Stage 2: too few answers to show the groups apart." in html
    rows = [row for row in _csv(client_as, "ladder") if row["Stage number"] == "2"]
    assert rows[0]["Middle answer: professionals"] == "Too few to show"
    assert rows[0]["Middle answer: participants"] == "Too few to show"
    assert rows[0]["Middle answer: everyone"] == "4"


@pytest.mark.parametrize("seed", range(40))
def test_the_ladder_rule_is_the_stage_pages_rule(seed, db):
    """The dashboard counts answers in bulk; its results match
    projects.ladder.ladder_results for the same answers."""
    chance = random.Random(seed)
    stage = StageFactory(started_at=NOW - timedelta(days=9), ended_at=NOW - timedelta(days=1))
    answers: dict[str, Counter] = {P: Counter(), PRO: Counter()}
    for label in (P, PRO):
        for _ in range(chance.choice([0, 1, 2, 3, 4, 7])):
            rung = chance.randint(1, 7)
            member = MembershipFactory(project=stage.project, label=label)
            LadderAnswer.objects.create(stage=stage, membership=member, rung=rung)
            answers[label][rung] += 1
    mine, theirs = dashboard.stage_ladder(stage, answers), ladder_results(stage)
    for group in ("everyone", "participants", "professionals"):
        assert getattr(mine, group) == getattr(theirs, group), group


# Anonymity -------------------------------------------------------------------------


def test_nothing_says_who_answered_or_how_anyone_voted(client_as, world):
    role = "manager of both"
    texts = [_page(client_as, role)]
    for table in dashboard_tables():
        rows = _csv(client_as, table, role)
        texts.append("\n".join(",".join(row.values()) for row in rows))
    everything = "\n".join(texts)
    for membership in world.members:
        assert membership.user.display_name not in everything
        assert membership.user.email not in everything
    assert SECRET_COMMENT not in everything
    for choice in ("Agree", "Disagree", "Abstain", "Block"):
        assert choice not in everything


def dashboard_tables():
    return ["projects", "balance", "ladder"]


# The CSV downloads ------------------------------------------------------------------


def test_the_projects_csv(client_as):
    rows = _csv(client_as, "projects")
    garden = next(row for row in rows if row["Project"] == "Garden")
    assert garden["Organisation"] == "Riverside Trust"
    assert garden["Stage now"] == "2 of 3: Ideas"
    assert garden["Days in this stage"] == "12"
    assert garden["Planned end"] == "2027-06-30"
    assert (garden["Participants"], garden["Professionals"]) == ("6", "4")
    assert garden["Votes so far on open decisions"] == "Open the garden on Sundays: 4 of 10 voted"
    assert garden["Decisions closed without enough votes"] == "1"
    assert garden["Outcomes waiting to be written"] == "2"
    assert garden["Oldest outcome waiting (days)"] == "9"
    assert garden["Reminders that failed in the last 30 days"] == "2"
    assert "25% of voters" in garden["Balance"]
    assert [row["Project"] for row in rows] == ["Garden", "Allotments"]


def test_the_balance_csv(client_as):
    rows = [row for row in _csv(client_as, "balance") if row["Project"] == "Garden"]
    assert [row["Stage"] for row in rows] == [
        "Today's members",
        "Stage 1: Getting started",
        "Stage 2: Ideas",
    ]
    whole = rows[0]
    assert whole["Members: people"] == "10"
    assert whole["Members: participants' share (%)"] == "60"
    assert whole["Voters: participants"] == "1"
    assert whole["Voters: participants' share (%)"] == "25"
    assert whole["Commenters: people"] == "2"
    assert whole["More than 15 points below participants' share of members"] == (
        "Participants are 60% of members but 25% of voters."
    )


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(client_as, world):
    world.garden.name = "=HYPERLINK(1)"
    world.garden.save()
    world.open_decision.title = "-2+3"
    world.open_decision.save()
    world.riverside.name = "@Riverside"
    world.riverside.save()
    rows = _csv(client_as, "projects")
    garden = rows[0]
    assert garden["Project"] == "'=HYPERLINK(1)"
    assert garden["Organisation"] == "'@Riverside"
    assert garden["Votes so far on open decisions"] == "'-2+3: 4 of 10 voted"
    ladder = _csv(client_as, "ladder")
    assert ladder[0]["Project"] == "'=HYPERLINK(1)"


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
        closed = _closed(project, first, memberships[1], days_ago=12, result="no_quorum")
        Vote.objects.bulk_create(
            [
                Vote(decision=decision, member=member, choice=Vote.Choice.AGREE)
                for decision in (open_decision, closed)
                for member in memberships
            ]
        )
        for member in memberships[::3]:
            CommentFactory(decision=open_decision, author=member)
        LadderAnswer.objects.bulk_create(
            [
                LadderAnswer(stage=stage, membership=member, rung=index % 7 + 1, label=member.label)
                for stage in (first, second)
                for index, member in enumerate(memberships)
            ]
        )
        _failed(project, users[0], claimed_days_ago=2)


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
            response = client.get(_csv_url(table))
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
