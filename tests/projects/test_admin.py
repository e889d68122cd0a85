from http import HTTPStatus

import pytest
from django.urls import reverse

from projects import services
from projects.models import Activity, LadderAnswer, Membership, Project, Stage


@pytest.fixture
def admin_client_(client, world):
    client.force_login(world.users["staff"])
    return client


def _answers_closed(world) -> LadderAnswer:
    """Three answers for the first stage, which then ends: the admin lists
    only answers whose results members can see too. Returns the
    participant's answer."""
    for role, rung in [("facilitator", 6), ("professional", 4), ("participant", 5)]:
        answer = services.ladder_answer_save(
            stage=world.stages[0], membership=world.memberships[role], rung=rung
        )
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    return answer


@pytest.mark.parametrize(
    "model", ["organisation", "project", "membership", "stage", "ladderanswer", "activity"]
)
def test_every_list_and_change_page_opens(admin_client_, world, model):
    answer = _answers_closed(world)
    response = admin_client_.get(reverse(f"admin:projects_{model}_changelist"))
    assert response.status_code == HTTPStatus.OK
    objects = {
        "organisation": world.organisation,
        "project": world.project,
        "membership": world.memberships["participant"],
        "stage": world.stages[0],
        "ladderanswer": answer,
        "activity": Activity.objects.first(),
    }
    response = admin_client_.get(
        reverse(f"admin:projects_{model}_change", args=[objects[model].pk])
    )
    assert response.status_code == HTTPStatus.OK


def test_ladder_answers_in_the_admin_are_anonymous(admin_client_, world):
    answer = _answers_closed(world)
    for url in [
        reverse("admin:projects_ladderanswer_changelist"),
        reverse("admin:projects_ladderanswer_change", args=[answer.pk]),
    ]:
        html = admin_client_.get(url).content.decode()
        assert "Pat Participant" not in html
        assert world.users["participant"].email not in html


def test_adding_a_project_in_the_admin_gives_it_the_default_stages(admin_client_, world):
    response = admin_client_.post(
        reverse("admin:projects_project_add"),
        {
            "organisation": world.organisation.pk,
            "name": "From the admin",
            "summary": "Made by a manager.",
            "audience": "",
            "timezone": "Europe/London",
            "closing_reminder_hours": "[48, 24]",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    project = Project.objects.get(name="From the admin")
    assert project.stages.count() == 7
    assert project.stages.current().get().position == 0


def _inline_management(prefix, rows):
    """What the admin's read-only inlines send back: their management form and
    the id of each row."""
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": len(rows),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data[f"{prefix}-{index}-id"] = row.pk
        data[f"{prefix}-{index}-project"] = row.project_id
    return data


def test_changing_a_project_in_the_admin_goes_through_the_service(admin_client_, world):
    response = admin_client_.post(
        reverse("admin:projects_project_change", args=[world.project.pk]),
        {
            "organisation": world.organisation.pk,
            "name": "Renamed in the admin",
            "summary": world.project.summary,
            "audience": "",
            "timezone": "Europe/London",
            "closing_reminder_hours": "[24]",
            **_inline_management("stages", world.project.stages.order_by("position", "pk")),
            **_inline_management("memberships", world.project.memberships.all()),
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    world.project.refresh_from_db()
    assert world.project.name == "Renamed in the admin"
    assert world.project.closing_reminder_hours == [24]
    assert Activity.objects.filter(summary="Sid Staff changed the project details").exists()


def test_admin_action_moves_projects_on(admin_client_, world):
    response = admin_client_.post(
        reverse("admin:projects_project_changelist"),
        {"action": "advance_stage", "_selected_action": [world.project.pk]},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    assert world.project.stages.current().get().position == 1
    assert "Projects moved to their next stage: 1." in response.content.decode()


def test_admin_action_explains_what_it_could_not_do(admin_client_, world):
    response = admin_client_.post(
        reverse("admin:projects_membership_changelist"),
        {"action": "stop_facilitator", "_selected_action": [world.memberships["facilitator"].pk]},
        follow=True,
    )
    assert "is the only facilitator" in response.content.decode()
    assert Membership.objects.get(pk=world.memberships["facilitator"].pk).is_facilitator


def test_admin_actions_on_members(admin_client_, world):
    changelist = reverse("admin:projects_membership_changelist")
    admin_client_.post(
        changelist,
        {"action": "make_facilitator", "_selected_action": [world.memberships["participant"].pk]},
    )
    assert Membership.objects.get(pk=world.memberships["participant"].pk).is_facilitator
    admin_client_.post(
        changelist,
        {
            "action": "remove_from_project",
            "_selected_action": [world.memberships["professional"].pk],
        },
    )
    removed = Membership.objects.get(pk=world.memberships["professional"].pk)
    assert removed.left_at is not None
    assert removed.removed_by == world.users["staff"]


def test_archive_action(admin_client_, world):
    admin_client_.post(
        reverse("admin:projects_project_changelist"),
        {"action": "archive", "_selected_action": [world.project.pk]},
    )
    assert Project.objects.get(pk=world.project.pk).status == Project.Status.ARCHIVED


def test_editing_a_stage_in_the_admin_checks_the_dates(admin_client_, world):
    stage = world.stages[2]
    url = reverse("admin:projects_stage_change", args=[stage.pk])
    data = {
        "name": "Ideas",
        "aims": "",
        "planned_start": "2027-05-02",
        "planned_end": "2027-05-01",
        "what_was_done": "",
        "outcomes": "",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "on or after the planned start date" in response.content.decode()
    data["planned_end"] = "2027-06-01"
    response = admin_client_.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    assert str(Stage.objects.get(pk=stage.pk).planned_end) == "2027-06-01"


def test_started_stages_cannot_be_deleted_in_the_admin(admin_client_, world):
    response = admin_client_.get(reverse("admin:projects_stage_delete", args=[world.stages[0].pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN
    response = admin_client_.post(
        reverse("admin:projects_stage_delete", args=[world.stages[6].pk]), {"post": "yes"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not Stage.objects.filter(pk=world.stages[6].pk).exists()


def test_reminder_hours_are_written_in_plain_numbers(admin_client_, world):
    url = reverse("admin:projects_project_change", args=[world.project.pk])
    assert 'value="48, 24"' in admin_client_.get(url).content.decode()
    data = {
        "name": world.project.name,
        "summary": world.project.summary,
        "timezone": "Europe/London",
        "closing_reminder_hours": "two days",
        **_inline_management("stages", world.project.stages.order_by("position", "pk")),
        **_inline_management("memberships", world.project.memberships.all()),
    }
    response = admin_client_.post(url, data)
    assert "Write whole numbers of hours" in response.content.decode()
    data["closing_reminder_hours"] = "24, 72,, 24"
    assert admin_client_.post(url, data).status_code == HTTPStatus.FOUND
    world.project.refresh_from_db()
    assert world.project.closing_reminder_hours == [72, 24]


def test_the_admin_lists_no_ladder_answer_while_answers_are_open(admin_client_, world):
    """A list that grows by one row as each member answers would give each
    answer away (the issue's before-and-after reading): while a stage is
    current, its answers are not listed, nor reachable one by one."""
    answer = services.ladder_answer_save(
        stage=world.stages[0], membership=world.memberships["participant"], rung=5
    )
    listed = admin_client_.get(reverse("admin:projects_ladderanswer_changelist"))
    assert "0 ladder answers" in listed.content.decode()
    change = reverse("admin:projects_ladderanswer_change", args=[answer.pk])
    assert admin_client_.get(change).status_code == HTTPStatus.NOT_FOUND
