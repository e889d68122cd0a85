import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from projects import services, signals
from projects.models import Activity, LadderAnswer, Membership, Project, Stage
from tests.factories import OrganisationFactory, UserFactory
from tests.roles import ADMIN_ROLES, SEES, two_organisations


@pytest.fixture
def received():
    """Every stage_started and member_joined signal sent, as (name, kwargs)."""
    calls = []

    def on_stage_started(sender, **kwargs):
        calls.append(("stage_started", kwargs))

    def on_member_joined(sender, **kwargs):
        calls.append(("member_joined", kwargs))

    signals.stage_started.connect(on_stage_started, weak=False)
    signals.member_joined.connect(on_member_joined, weak=False)
    yield calls
    signals.stage_started.disconnect(on_stage_started)
    signals.member_joined.disconnect(on_member_joined)


def _clean_kwargs(kwargs):
    return {key: value for key, value in kwargs.items() if key != "signal"}


# project_create / project_update ---------------------------------------


def test_project_create_gives_seven_stages_with_the_first_started_and_the_creator_facilitating(
    db, django_capture_on_commit_callbacks, received
):
    organisation = OrganisationFactory()
    creator = UserFactory(display_name="Helen")
    organisation.managers.add(creator)
    moment = datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        project = services.project_create(
            organisation=organisation,
            name="  Better buses  ",
            summary="Make the buses work.",
            actor=creator,
            joins_as=Membership.Label.PARTICIPANT,
        )
    assert project.name == "Better buses"
    assert project.slug.startswith("better-buses-")
    assert len(project.slug) > len("better-buses-")
    stages = list(project.stages.order_by("position"))
    assert [stage.name for stage in stages] == Stage.DEFAULT_NAMES
    assert [stage.position for stage in stages] == list(range(7))
    assert stages[0].is_current
    assert stages[0].started_by == creator
    assert stages[0].started_at == datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC)
    assert all(stage.is_future for stage in stages[1:])
    membership = Membership.objects.get(project=project)
    assert (membership.user, membership.is_facilitator, membership.label) == (
        creator,
        True,
        "participant",
    )
    names = {name: _clean_kwargs(kwargs) for name, kwargs in received}
    assert names["stage_started"] == {"stage_id": stages[0].pk, "actor_id": creator.pk}
    assert names["member_joined"] == {"membership_id": membership.pk}
    assert Activity.objects.filter(project=project).count() == 2


def test_signals_are_heard_inside_the_transaction_and_planning_waits_for_its_commit(
    db, django_capture_on_commit_callbacks, received
):
    """Receivers record what must follow with the change (a planning request
    for reminders, in the same transaction); the planning itself runs only
    once the change has committed."""
    from participants.models import PlanningRequest

    organisation = OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.project_create(
            organisation=organisation,
            name="Quiet",
            summary="Shh.",
            actor=UserFactory(is_superuser=True),
        )
    assert [name for name, _kwargs in received] == ["stage_started"]
    assert list(PlanningRequest.objects.values_list("event", flat=True)) == ["stage_started"]
    assert len(callbacks) == 1


def test_only_the_organisations_managers_may_start_a_project(db):
    organisation = OrganisationFactory()
    with pytest.raises(PermissionDenied):
        services.project_create(
            organisation=organisation, name="No", summary="No.", actor=UserFactory()
        )
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   ", "summary": "Fine."}, "name"),
        ({"name": "Fine", "summary": ""}, "summary"),
        (
            {
                "name": "Dates",
                "summary": "Fine.",
                "starts_on": datetime.date(2027, 5, 1),
                "ends_on": datetime.date(2027, 4, 1),
            },
            "ends_on",
        ),
        ({"name": "Zone", "summary": "Fine.", "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_project_create_refuses_bad_input(db, fields, field):
    with pytest.raises(ValidationError) as caught:
        services.project_create(
            organisation=OrganisationFactory(), actor=UserFactory(is_superuser=True), **fields
        )
    assert field in caught.value.message_dict
    assert not Project.objects.exists()


def test_project_update_changes_details_and_records_it(world):
    facilitator = world.users["facilitator"]
    project = services.project_update(
        project=world.project, actor=facilitator, name="New name", audience="Gardeners"
    )
    project.refresh_from_db()
    assert (project.name, project.audience) == ("New name", "Gardeners")
    assert Activity.objects.filter(summary__contains="changed the project details").exists()


def test_project_update_with_nothing_changed_records_nothing(world):
    before = Activity.objects.count()
    services.project_update(
        project=world.project, actor=world.users["manager"], name=world.project.name
    )
    assert Activity.objects.count() == before


@pytest.mark.parametrize("role", ["participant", "professional", "outsider"])
def test_project_update_is_for_facilitators_and_managers_only(world, role):
    with pytest.raises(PermissionDenied):
        services.project_update(project=world.project, actor=world.users[role], name="Taken over")


def test_project_update_refuses_an_end_before_the_start(world):
    with pytest.raises(ValidationError) as caught:
        services.project_update(
            project=world.project,
            actor=world.users["facilitator"],
            starts_on=datetime.date(2027, 5, 1),
            ends_on=datetime.date(2027, 1, 1),
        )
    assert "ends_on" in caught.value.message_dict


def test_project_archive(world):
    services.project_archive(project=world.project, actor=world.users["manager"])
    world.project.refresh_from_db()
    assert world.project.status == Project.Status.ARCHIVED


# Memberships -------------------------------------------------------------


def test_membership_add_sends_member_joined_after_commit(
    world, django_capture_on_commit_callbacks, received
):
    person = UserFactory(display_name="Newcomer")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_add(
            project=world.project, user=person, label=Membership.Label.PARTICIPANT, actor=person
        )
    assert received == [
        ("member_joined", {"signal": signals.member_joined, "membership_id": membership.pk})
    ]
    assert Activity.objects.filter(summary="Newcomer joined the project").exists()


def test_membership_add_refuses_a_current_member(world):
    with pytest.raises(ValidationError, match="already a member"):
        services.membership_add(
            project=world.project,
            user=world.users["participant"],
            label=Membership.Label.PARTICIPANT,
            actor=world.users["participant"],
        )


def test_membership_add_refuses_an_unknown_label(world):
    with pytest.raises(ValidationError):
        services.membership_add(
            project=world.project, user=UserFactory(), label="boss", actor=world.users["manager"]
        )


def test_rejoining_reuses_the_old_membership(world):
    old = world.memberships["participant"]
    services.membership_leave(membership=old)
    again = services.membership_add(
        project=world.project,
        user=world.users["participant"],
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        actor=world.users["participant"],
    )
    assert again.pk == old.pk
    again.refresh_from_db()
    assert again.is_current
    assert again.label == "professional"
    assert again.is_facilitator
    assert (
        Membership.objects.filter(project=world.project, user=world.users["participant"]).count()
        == 1
    )


def test_members_change_their_own_label(world):
    membership = world.memberships["participant"]
    services.membership_change_label(
        membership=membership, label=Membership.Label.PROFESSIONAL, actor=world.users["participant"]
    )
    membership.refresh_from_db()
    assert membership.label == "professional"


def test_nobody_else_changes_a_members_label(world):
    with pytest.raises(PermissionDenied):
        services.membership_change_label(
            membership=world.memberships["participant"],
            label=Membership.Label.PROFESSIONAL,
            actor=world.users["facilitator"],
        )


def test_a_label_must_be_participant_or_professional(world):
    with pytest.raises(ValidationError):
        services.membership_change_label(
            membership=world.memberships["participant"],
            label="expert",
            actor=world.users["participant"],
        )


def test_making_and_unmaking_a_facilitator(world):
    participant = world.memberships["participant"]
    services.membership_set_facilitator(
        membership=participant, is_facilitator=True, actor=world.users["facilitator"]
    )
    participant.refresh_from_db()
    assert participant.is_facilitator
    services.membership_set_facilitator(
        membership=world.memberships["facilitator"],
        is_facilitator=False,
        actor=world.users["facilitator"],
    )
    assert not Membership.objects.get(pk=world.memberships["facilitator"].pk).is_facilitator


def test_the_last_facilitator_cannot_stop_being_one(world):
    with pytest.raises(ValidationError, match="only facilitator"):
        services.membership_set_facilitator(
            membership=world.memberships["facilitator"],
            is_facilitator=False,
            actor=world.users["manager"],
        )


@pytest.mark.parametrize("role", ["participant", "professional"])
def test_members_cannot_name_facilitators(world, role):
    with pytest.raises(PermissionDenied):
        services.membership_set_facilitator(
            membership=world.memberships[role], is_facilitator=True, actor=world.users[role]
        )


def test_the_last_facilitator_cannot_leave(world):
    with pytest.raises(ValidationError) as caught:
        services.membership_leave(membership=world.memberships["facilitator"])
    assert caught.value.messages == [
        "You are the only facilitator. Make someone else a facilitator before you leave."
    ]
    assert Membership.objects.get(pk=world.memberships["facilitator"].pk).is_current


def test_the_last_facilitator_cannot_be_removed(world):
    with pytest.raises(ValidationError, match="only facilitator"):
        services.membership_remove(
            membership=world.memberships["facilitator"], actor=world.users["manager"]
        )


def test_a_facilitator_can_leave_once_another_is_named(world):
    services.membership_set_facilitator(
        membership=world.memberships["professional"],
        is_facilitator=True,
        actor=world.users["facilitator"],
    )
    services.membership_leave(membership=world.memberships["facilitator"])
    assert not Membership.objects.get(pk=world.memberships["facilitator"].pk).is_current


def test_removing_a_member_keeps_the_row_and_who_removed_them(world):
    membership = services.membership_remove(
        membership=world.memberships["participant"], actor=world.users["facilitator"]
    )
    membership.refresh_from_db()
    assert membership.left_at is not None
    assert membership.removed_by == world.users["facilitator"]
    assert Activity.objects.filter(
        summary="Fran Facilitator removed Pat Participant from the project"
    ).exists()


def test_members_cannot_remove_each_other(world):
    with pytest.raises(PermissionDenied):
        services.membership_remove(
            membership=world.memberships["professional"], actor=world.users["participant"]
        )


def test_leaving_twice_is_refused_clearly(world):
    services.membership_leave(membership=world.memberships["participant"])
    with pytest.raises(ValidationError, match="no longer a member"):
        services.membership_leave(membership=world.memberships["participant"])


# Stages ------------------------------------------------------------------


def test_stage_add_goes_at_the_end(world):
    stage = services.stage_add(
        project=world.project,
        name="Telling others",
        aims="Share it.",
        actor=world.users["facilitator"],
    )
    assert stage.position == 7
    assert list(world.project.stages.order_by("position").values_list("name", flat=True))[-1] == (
        "Telling others"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        (
            {
                "name": "Dates",
                "planned_start": datetime.date(2027, 5, 2),
                "planned_end": datetime.date(2027, 5, 1),
            },
            "planned_end",
        ),
    ],
)
def test_stage_add_refuses_bad_input(world, fields, field):
    with pytest.raises(ValidationError) as caught:
        services.stage_add(project=world.project, actor=world.users["facilitator"], **fields)
    assert field in caught.value.message_dict
    assert world.project.stages.count() == 7


def test_stage_update_keeps_plain_text(world):
    stage = world.stages[0]
    services.stage_update(
        stage=stage,
        actor=world.users["facilitator"],
        what_was_done="Met twice.\n<b>Had tea</b>",
        outcomes="A plan",
    )
    stage.refresh_from_db()
    assert stage.what_was_done == "Met twice.\n<b>Had tea</b>"


def test_stage_update_refuses_a_blank_name(world):
    with pytest.raises(ValidationError):
        services.stage_update(stage=world.stages[1], actor=world.users["facilitator"], name="")


def test_stage_move_swaps_future_stages(world):
    fourth, fifth = world.stages[3], world.stages[4]
    services.stage_move(stage=fifth, direction="up", actor=world.users["facilitator"])
    names = list(world.project.stages.order_by("position").values_list("name", flat=True))
    assert names[3:5] == [fifth.name, fourth.name]
    services.stage_move(stage=fifth, direction="down", actor=world.users["facilitator"])
    names = list(world.project.stages.order_by("position").values_list("name", flat=True))
    assert names[3:5] == [fourth.name, fifth.name]


def test_a_stage_cannot_move_before_one_that_has_started(world):
    with pytest.raises(ValidationError, match="already started"):
        services.stage_move(stage=world.stages[1], direction="up", actor=world.users["facilitator"])


def test_a_started_stage_cannot_move(world):
    with pytest.raises(ValidationError, match="has started"):
        services.stage_move(
            stage=world.stages[0], direction="down", actor=world.users["facilitator"]
        )


def test_the_last_stage_cannot_move_down(world):
    with pytest.raises(ValidationError, match="already the last"):
        services.stage_move(
            stage=world.stages[6], direction="down", actor=world.users["facilitator"]
        )


def test_stage_move_needs_up_or_down(world):
    with pytest.raises(ValidationError):
        services.stage_move(
            stage=world.stages[4], direction="sideways", actor=world.users["facilitator"]
        )


def test_stage_remove_removes_a_future_stage_and_closes_the_gap(world):
    services.stage_remove(stage=world.stages[3], actor=world.users["facilitator"])
    positions = list(world.project.stages.order_by("position").values_list("position", flat=True))
    assert positions == list(range(6))
    assert not Stage.objects.filter(pk=world.stages[3].pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda stage, actor: services.stage_remove(stage=stage, actor=actor),
        lambda stage, actor: services.stage_update(stage=stage, actor=actor, name="New"),
        lambda stage, actor: services.stage_move(stage=stage, direction="up", actor=actor),
    ],
    ids=["remove", "update", "move"],
)
def test_a_stage_someone_has_just_removed_gets_a_plain_refusal(world, change):
    """Two presses of "Remove" at once: the second finds the stage gone."""
    stage, actor = world.stages[5], world.users["facilitator"]
    services.stage_remove(stage=stage, actor=actor)
    with pytest.raises(ValidationError, match="That stage is not in the project any more."):
        change(stage, actor)


def test_activity_about_a_removed_stage_no_longer_links_to_it(world):
    actor = world.users["facilitator"]
    stage = services.stage_add(project=world.project, name="Party", actor=actor)
    services.stage_remove(stage=stage, actor=actor)
    added = Activity.objects.get(summary__endswith="added the stage “Party”")
    assert added.url == ""
    assert Activity.objects.filter(project=world.project).exclude(url="").exists()


def test_a_started_stage_cannot_be_removed(world):
    with pytest.raises(ValidationError, match="has started, so it cannot be removed"):
        services.stage_remove(stage=world.stages[0], actor=world.users["facilitator"])
    assert Stage.objects.filter(pk=world.stages[0].pk).exists()


def test_stage_advance_records_when_and_by_whom(
    world, django_capture_on_commit_callbacks, received
):
    facilitator = world.users["facilitator"]
    moment = datetime.datetime(2027, 4, 1, 10, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        now_current = services.stage_advance(project=world.project, actor=facilitator)
    first = Stage.objects.get(pk=world.stages[0].pk)
    assert (first.ended_at, first.ended_by) == (moment, facilitator)
    assert now_current.pk == world.stages[1].pk
    assert (now_current.started_at, now_current.started_by) == (moment, facilitator)
    assert Stage.objects.filter(project=world.project).current().get() == now_current
    assert received == [
        (
            "stage_started",
            {
                "signal": signals.stage_started,
                "stage_id": now_current.pk,
                "actor_id": facilitator.pk,
            },
        )
    ]
    assert Activity.objects.filter(
        summary=f"Fran Facilitator moved the project to the stage “{now_current.name}”"
    ).exists()


def test_the_last_stage_ends_the_project(world):
    for _ in range(6):
        services.stage_advance(project=world.project, actor=world.users["manager"])
    assert services.stage_advance(project=world.project, actor=world.users["manager"]) is None
    world.project.refresh_from_db()
    assert world.project.status == Project.Status.FINISHED
    assert not world.project.stages.current().exists()
    assert world.project.stages.filter(ended_at__isnull=False).count() == 7
    with pytest.raises(ValidationError, match="has finished"):
        services.stage_advance(project=world.project, actor=world.users["manager"])


@pytest.mark.parametrize("role", ["participant", "professional", "outsider"])
def test_only_facilitators_and_managers_advance(world, role):
    with pytest.raises(PermissionDenied):
        services.stage_advance(project=world.project, actor=world.users[role])
    assert Stage.objects.current().get(project=world.project).pk == world.stages[0].pk


def test_advancing_from_a_stage_that_is_no_longer_current_changes_nothing(world):
    seen = world.stages[0]
    services.stage_advance(project=world.project, actor=world.users["facilitator"], from_stage=seen)
    with pytest.raises(ValidationError, match="already moved the project on"):
        services.stage_advance(project=world.project, actor=world.users["manager"], from_stage=seen)
    assert Stage.objects.current().get(project=world.project).pk == world.stages[1].pk


# The ladder check ----------------------------------------------------------


def test_members_answer_and_change_their_answer_while_the_stage_is_current(world):
    stage, membership = world.stages[0], world.memberships["participant"]
    services.ladder_answer_save(stage=stage, membership=membership, rung=4, comment=" Hmm ")
    services.ladder_answer_save(stage=stage, membership=membership, rung=6)
    answer = LadderAnswer.objects.get()
    assert (answer.rung, answer.comment) == (6, "")


def test_an_answer_keeps_the_label_the_member_had_when_they_gave_it(world):
    stage, membership = world.stages[0], world.memberships["participant"]
    services.ladder_answer_save(stage=stage, membership=membership, rung=4)
    services.membership_change_label(
        membership=membership, label=Membership.Label.PROFESSIONAL, actor=membership.user
    )
    assert LadderAnswer.objects.get().label == Membership.Label.PARTICIPANT
    # Answering again, while the stage is still on, counts them as they are now.
    services.ladder_answer_save(stage=stage, membership=membership, rung=4)
    assert LadderAnswer.objects.get().label == Membership.Label.PROFESSIONAL


@pytest.mark.parametrize("rung", [0, 8, 9, -1, "seven", None])
def test_a_rung_must_be_1_to_7(world, rung):
    with pytest.raises(ValidationError) as caught:
        services.ladder_answer_save(
            stage=world.stages[0], membership=world.memberships["participant"], rung=rung
        )
    assert caught.value.message_dict == {"rung": ["Choose a step from 1 to 7"]}
    assert not LadderAnswer.objects.exists()


@pytest.mark.parametrize("index", [1, 6])
def test_answers_only_for_the_current_stage(world, index):
    with pytest.raises(ValidationError, match="not current"):
        services.ladder_answer_save(
            stage=world.stages[index], membership=world.memberships["participant"], rung=5
        )


def test_answers_close_when_the_stage_ends(world):
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    with pytest.raises(ValidationError, match="not current"):
        services.ladder_answer_save(
            stage=world.stages[0], membership=world.memberships["participant"], rung=5
        )


def test_former_members_and_members_of_other_projects_cannot_answer(world):
    services.membership_leave(membership=world.memberships["participant"])
    world.memberships["participant"].refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.ladder_answer_save(
            stage=world.stages[0], membership=world.memberships["participant"], rung=5
        )
    other = services.project_create(
        organisation=world.organisation, name="Other", summary="x", actor=world.users["manager"]
    )
    outsider = services.membership_add(
        project=other,
        user=world.users["outsider"],
        label=Membership.Label.PARTICIPANT,
        actor=world.users["outsider"],
    )
    with pytest.raises(PermissionDenied):
        services.ladder_answer_save(stage=world.stages[0], membership=outsider, rung=5)


def test_ladder_answers_record_no_activity(world):
    before = Activity.objects.count()
    services.ladder_answer_save(
        stage=world.stages[0], membership=world.memberships["participant"], rung=5
    )
    assert Activity.objects.count() == before


# Who does housekeeping: the organisation's managers, not staff -------------

HOUSEKEEPING = {
    "project_update": lambda org, actor: services.project_update(
        project=org.project, actor=actor, name="Renamed"
    ),
    "project_archive": lambda org, actor: services.project_archive(
        project=org.project, actor=actor
    ),
    "stage_add": lambda org, actor: services.stage_add(
        project=org.project, name="One more", actor=actor
    ),
    "stage_update": lambda org, actor: services.stage_update(
        stage=org.stages[2], actor=actor, name="Renamed"
    ),
    "stage_remove": lambda org, actor: services.stage_remove(stage=org.stages[6], actor=actor),
    "stage_advance": lambda org, actor: services.stage_advance(project=org.project, actor=actor),
    "membership_set_facilitator": lambda org, actor: services.membership_set_facilitator(
        membership=org.participant, is_facilitator=True, actor=actor
    ),
    "membership_remove": lambda org, actor: services.membership_remove(
        membership=org.participant, actor=actor
    ),
    "membership_change_label": lambda org, actor: services.membership_change_label(
        membership=org.participant, label=Membership.Label.PROFESSIONAL, actor=actor
    ),
    "project_create": lambda org, actor: services.project_create(
        organisation=org.organisation, name="New", summary="New.", actor=actor
    ),
}


@pytest.mark.parametrize("service", HOUSEKEEPING)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_housekeeping_is_for_the_organisations_managers_not_for_any_staff(db, role, service):
    """Being staff allows nothing by itself; a superuser manages every
    organisation (Organisation.objects.managed_by)."""
    world = two_organisations()
    actor = world.people[role]
    for key, org in world.organisations.items():
        if key in SEES[role]:
            HOUSEKEEPING[service](org, actor)
        else:
            with pytest.raises(PermissionDenied):
                HOUSEKEEPING[service](org, actor)


def test_a_facilitator_does_housekeeping_in_their_own_project_only(db):
    world = two_organisations()
    a, b = world.organisations["A"], world.organisations["B"]
    services.stage_advance(project=a.project, actor=a.facilitator.user)
    with pytest.raises(PermissionDenied):
        services.stage_advance(project=b.project, actor=a.facilitator.user)
    # (The roles world's projects are in their second stage.)
    assert b.project.stages.current().get().position == 1
