"""The managers' dashboard (/manage/): who may see it, and each figure on a
small known world (tests/decisions/dashboard_world.py)."""

import random
from collections import Counter
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse

from decisions import dashboard
from projects.ladder import ladder_results
from projects.models import LadderAnswer, Project
from tests.decisions import dashboard_world
from tests.decisions.dashboard_world import (
    DASHBOARD,
    NOW,
    PRO,
    P,
    csv_url,
    dashboard_csv,
    dashboard_page,
)
from tests.factories import (
    DecisionFactory,
    ProjectFactory,
    StageFactory,
    UserFactory,
    bulk_members,
)

_frozen_time = dashboard_world._frozen_time
world = dashboard_world.world
client_as = dashboard_world.client_as


# Who may see it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "sees"),
    [
        ("signed_out", HTTPStatus.FOUND, set()),
        ("outsider", HTTPStatus.NOT_FOUND, set()),
        ("participant", HTTPStatus.NOT_FOUND, set()),
        ("staff", HTTPStatus.NOT_FOUND, set()),
        ("manager_of_a", HTTPStatus.OK, {"Garden", "Allotments"}),
        ("manager_of_b", HTTPStatus.OK, {"Clinic letters"}),
        ("manager_of_both", HTTPStatus.OK, {"Garden", "Allotments", "Clinic letters"}),
        ("superuser", HTTPStatus.OK, {"Garden", "Allotments", "Clinic letters", "Hill walks"}),
    ],
)
@pytest.mark.parametrize("url", [DASHBOARD, csv_url("projects")])
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
    html = dashboard_page(client_as)
    assert html.index(">Garden<") < html.index(">Allotments<")
    assert "Archived" in html


def test_choosing_one_organisation(client_as, world):
    html = dashboard_page(client_as, "manager_of_both", "organisation=northfield")
    assert "Clinic letters" in html
    assert "Garden" not in html
    assert "How the projects of Northfield Health are going" in html
    rows = dashboard_csv(client_as, "projects", "manager_of_both", "organisation=northfield")
    assert [row["Project"] for row in rows] == ["Clinic letters"]
    # The downloads and page links keep the choice.
    assert f"{csv_url('projects')}?organisation=northfield" in html


def test_an_organisation_they_do_not_manage_is_refused_plainly(client_as, world):
    response = client_as("manager_of_both").get(DASHBOARD + "?organisation=hilltop")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<title>Error: Managers' dashboard - Coproduce</title>" in html
    assert "Choose one of the organisations you manage" in html
    assert "Showing the projects of all the organisations you manage." in html
    assert "Hill walks" not in html
    assert "Garden" in html
    assert "Clinic letters" in html
    # Nothing to download for it either.
    response = client_as("manager_of_both").get(csv_url("projects", "organisation=hilltop"))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_manager_of_one_organisation_sees_no_filter_and_an_error_for_another(client_as):
    html = dashboard_page(client_as)
    assert 'name="organisation"' not in html
    response = client_as("manager_of_a").get(DASHBOARD + "?organisation=northfield")
    html = response.content.decode()
    assert "Choose one of the organisations you manage" in html
    assert "Clinic letters" not in html


def test_pages_of_projects_keep_the_organisation_chosen(client_as, world):
    for index in range(dashboard.PAGE_SIZE):
        ProjectFactory(organisation=world.riverside, name=f"Walks {index:02d}")
    html = dashboard_page(client_as, "manager_of_both", "organisation=riverside")
    assert "Projects 1 to 10 of 12" in html
    assert 'href="?organisation=riverside&amp;page=2" rel="next"' in html
    html = dashboard_page(client_as, "manager_of_both", "organisation=riverside&page=2")
    assert "Projects 11 to 12 of 12" in html
    assert 'aria-label="Page 2" aria-current="page"' in html
    assert "Allotments" in html  # archived projects come last
    assert "Clinic letters" not in html


def test_an_unknown_download_is_not_found(client_as):
    assert client_as("superuser").get(csv_url("votes")).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("role", "in_menu"),
    [("participant", False), ("staff", False), ("superuser", True), ("staff_manager_of_a", True)],
)
def test_the_main_menu_links_to_the_dashboard_for_managers(client_as, world, role, in_menu):
    if role == "staff_manager_of_a":
        world.users[role] = UserFactory(display_name="Stan Staff", is_staff=True)
        world.riverside.managers.add(world.users[role])
    html = client_as(role).get(reverse("home")).content.decode()
    assert (f'<a href="{DASHBOARD}">Managers\' dashboard</a>' in html) == in_menu
    if in_menu:
        assert 'aria-current="page">Managers\' dashboard' in dashboard_page(client_as, role)


@pytest.mark.parametrize(("role", "linked"), [("superuser", True), ("staff", False)])
def test_the_admin_home_links_to_the_dashboard(client_as, role, linked):
    response = client_as(role).get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.OK
    assert (f'href="{DASHBOARD}"' in response.content.decode()) == linked


# Each figure ------------------------------------------------------------------------


def _summary(world, role="manager_of_a"):
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
    html = dashboard_page(client_as)
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
    assert "and 2 more" in dashboard_page(client_as)


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
    html = dashboard_page(client_as)
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
    html = dashboard_page(client_as)
    assert "Step 4, We are asked, but others decide (consulting)" in html
    assert "Step 6, We help design it, but others still decide some things (co-design)" in html
    assert "Stage 1: participants step 4, professionals step 6." in html  # the chart's words
    rows = dashboard_csv(client_as, "ladder")
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
    assert "Fewer than 3" in dashboard_page(client_as)


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
    html = dashboard_page(client_as)
    assert "Stage 2: too few answers to show the groups apart." in html
    rows = [row for row in dashboard_csv(client_as, "ladder") if row["Stage number"] == "2"]
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
        rungs = [chance.randint(1, 7) for _ in range(chance.choice([0, 1, 2, 3, 4, 7]))]
        members = bulk_members(stage.project, len(rungs), label=label, prefix=label)
        LadderAnswer.objects.bulk_create(
            LadderAnswer(stage=stage, membership=member, rung=rung, label=label)
            for member, rung in zip(members, rungs, strict=True)
        )
        answers[label].update(rungs)
    mine, theirs = dashboard.stage_ladder(stage, answers), ladder_results(stage)
    for group in ("everyone", "participants", "professionals"):
        assert getattr(mine, group) == getattr(theirs, group), group
