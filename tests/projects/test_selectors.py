"""The reads of the project pages (projects/selectors.py): each takes the
queries its docstring says, at a small and a large size, with everything
the page uses evaluated. The pages' own counts, request and template
included, are pinned in test_views.py."""

import pytest
from django.conf import settings
from django.http import QueryDict

from projects import selectors, services
from projects.models import Activity, LadderAnswer, Membership
from tests.factories import OrganisationFactory, ProjectFactory, StageFactory, bulk_members

SIZES = [5, 200]


def _grow(world, size):
    """``size`` more members, half of them participants, each with a ladder
    answer for the current stage, and as many activity lines."""
    stage = world.stages[0]
    members = bulk_members(world.project, size, label=["participant", "professional"])
    LadderAnswer.objects.bulk_create(
        LadderAnswer(
            stage=stage,
            membership=member,
            label=member.label,
            rung=index % 7 + 1,
            comment=f"Comment {index}",
        )
        for index, member in enumerate(members)
    )
    Activity.objects.bulk_create(
        Activity(project=world.project, summary=f"Something {index}") for index in range(size)
    )


def _end_first_stage(world):
    services.stage_advance(project=world.project, actor=world.users["facilitator"])


@pytest.mark.parametrize("size", SIZES)
def test_the_project_home_takes_four_queries(world, size, django_assert_max_num_queries):
    _grow(world, size)
    with django_assert_max_num_queries(4):  # counts, stages, activity, first names
        home = selectors.project_home(project=world.project)
        for group in home["groups"]:
            [member["name"] for member in group["members"]]
        [stage.get_absolute_url() for stage in home["stages"]]
        [activity.summary for activity in home["activities"]]
    participants, professionals = home["groups"]
    assert participants["count"] == 1 + (size + 1) // 2
    assert professionals["count"] == 2 + size // 2
    assert len(participants["members"]) == min(participants["count"], selectors.NAMES_ON_HOME)
    assert participants["more"] == participants["count"] - len(participants["members"])
    # The first names of each group, in name order, as the database sorts them.
    in_order = Membership.objects.current().filter(project=world.project, label="professional")
    assert professionals["members"] == [
        {"name": member.user.display_name, "is_facilitator": member.is_facilitator}
        for member in in_order.order_by("user__display_name", "pk")[: selectors.NAMES_ON_HOME]
    ]
    assert home["balance"]["members"] == size + 3
    assert len(home["activities"]) == min(
        selectors.RECENT_ACTIVITY, Activity.objects.filter(project=world.project).count()
    )
    assert home["current_stage"] == world.stages[0]
    assert (home["stage_number"], home["stage_count"]) == (1, len(world.stages))


@pytest.mark.parametrize("size", SIZES)
def test_the_members_page_takes_three_queries(world, size, django_assert_max_num_queries):
    _grow(world, size)
    services.membership_leave(membership=world.memberships["professional"])
    with django_assert_max_num_queries(3):  # the counts, the length of the list, the page
        page = selectors.members_page(project=world.project, query=QueryDict())
        [str(member.user) for member in page["members"].items]
    members = page["members"].page
    assert members.paginator.count == size + 2
    assert len(members.object_list) == min(size + 2, settings.COPRODUCE_PAGE_SIZE)
    assert page["counts"]["members"] == size + 2
    assert page["counts"]["participant"] == 1 + (size + 1) // 2
    assert page["left_count"] == 1
    names = [member.user.display_name for member in members.object_list]
    assert world.users["professional"].display_name not in names  # who left is not listed
    # Filtered: professionals only, and a part of a name.
    professionals = selectors.members_page(
        project=world.project, query=QueryDict(), label="professional"
    )["members"].page
    assert professionals.paginator.count == 1 + size // 2
    assert {member.label for member in professionals.object_list} == {"professional"}
    found = selectors.members_page(project=world.project, query=QueryDict(), name="fran")
    assert [member.user.display_name for member in found["members"].items] == ["Fran Facilitator"]


@pytest.mark.parametrize("size", SIZES)
def test_the_stages_take_one_query(world, size, django_assert_max_num_queries):
    _grow(world, size)
    with django_assert_max_num_queries(1):
        progress = selectors.timeline(project=world.project)
        for stage in progress["stages"]:
            stage.get_absolute_url(), stage.ladder, stage.can_move_up, stage.can_move_down
    first, second, *_ = progress["stages"]
    assert first.is_current
    assert not first.can_move_up
    assert not first.can_move_down
    assert not second.can_move_up
    assert second.can_move_down
    # While answers are open, at most how many answered, never each group.
    assert first.ladder.answers_open
    with django_assert_max_num_queries(0):
        assert selectors.stage_progress(stages=progress["stages"])["next_stage"] == second


@pytest.mark.parametrize("size", SIZES)
def test_a_stage_page_takes_two_queries_while_answers_are_open(
    world, size, django_assert_max_num_queries
):
    _grow(world, size)
    stage = world.stages[0]
    membership = world.memberships["participant"]
    with django_assert_max_num_queries(2):
        page = selectors.stage_page(project=world.project, stage_id=stage.pk, membership=membership)
        str(page["stage"].started_by or ""), str(page["stage"].ended_by or "")
    assert page["stage"] == stage
    assert page["results"] is None  # nothing of the results while answers are open
    assert page["own_answer"] is None
    assert page["ladder"].answers_open


@pytest.mark.parametrize("size", SIZES)
def test_a_stage_page_with_its_results_takes_three_queries(
    world, size, django_assert_max_num_queries
):
    _grow(world, size)
    _end_first_stage(world)
    stage = world.stages[0]
    with django_assert_max_num_queries(3):  # stages, own answer, the answers
        page = selectors.stage_page(
            project=world.project, stage_id=stage.pk, membership=world.memberships["facilitator"]
        )
    assert page["results"] is not None
    assert page["ladder"].results_shown
    assert (page["stage_number"], page["stage_count"]) == (1, len(world.stages))


def test_no_such_stage_is_none(world):
    other = StageFactory(project=ProjectFactory(organisation=world.organisation))
    assert selectors.stage_page(project=world.project, stage_id=other.pk, membership=None) is None


@pytest.mark.parametrize("size", SIZES)
def test_your_projects_take_three_queries(world, size, django_assert_max_num_queries):
    for index in range(size // 5):
        project = ProjectFactory(organisation=world.organisation, name=f"Project {index}")
        StageFactory(project=project, current=True)
    ProjectFactory(organisation=OrganisationFactory(), name="Not yours")
    manager = world.users["manager"]
    with django_assert_max_num_queries(3):
        yours = selectors.your_projects(user=manager)
        for project in yours["projects"]:
            str(project.organisation), project.is_member, project.current_stages
    assert len(yours["projects"]) == size // 5 + 1
    assert yours["can_start_project"] is True
    member = selectors.your_projects(user=world.users["participant"])
    assert [project.is_member for project in member["projects"]] == [True]
    assert member["can_start_project"] is False
