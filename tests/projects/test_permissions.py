import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from projects import services
from projects.models import Activity
from projects.permissions import (
    SYSTEM,
    can_facilitate,
    can_participate,
    can_view,
    person,
    project_access,
    project_access_or_404,
    require,
)
from tests.factories import UserFactory

# role: (can view, can take part, can do housekeeping)
EXPECTED = {
    "outsider": (False, False, False),
    "participant": (True, True, False),
    "professional": (True, True, False),
    "facilitator": (True, True, True),
    "manager": (True, False, True),
    "staff": (False, False, False),
}


@pytest.mark.parametrize(("role", "expected"), EXPECTED.items())
def test_what_each_role_may_do(world, role, expected):
    user = world.users[role]
    access = project_access(user, world.project)
    assert (access.can_view, access.can_participate, access.can_facilitate) == expected
    assert (
        can_view(user, world.project),
        can_participate(user, world.project),
        can_facilitate(user, world.project),
    ) == expected


def test_signed_out_people_may_do_nothing(world):
    access = project_access(AnonymousUser(), world.project)
    assert (access.can_view, access.can_participate, access.can_facilitate) == (False, False, False)


@pytest.mark.parametrize("role", ["outsider", "staff"])
def test_outsiders_get_the_same_404_as_for_a_project_that_does_not_exist(world, role):
    with pytest.raises(Http404) as real:
        project_access_or_404(world.users[role], world.project.slug)
    with pytest.raises(Http404) as missing:
        project_access_or_404(world.users[role], "no-such-project-abc123")
    assert str(real.value) == str(missing.value)


def test_people_who_left_lose_access(world):
    services.membership_leave(membership=world.memberships["participant"])
    with pytest.raises(Http404):
        project_access_or_404(world.users["participant"], world.project.slug)


# Permissions fail closed ------------------------------------------------

SERVICE_MODULES = [
    "projects.services",
    "decisions.services",
    "participants.services",
    "participants.invitations.services",
]
# Services a person does for themselves: the member, membership or person
# (or the holder of the link, or the visitor) they are about is who acts.
ACTS_AS_THEMSELVES = {
    "membership_leave": "membership",
    "ladder_answer_save": "membership",
    "decision_propose": "member",
    "vote_cast": "member",
    "comment_post": "member",
    "comment_edit": "member",
    "display_preferences_save": "request",
    "display_name_change": "user",
    "access_needs_save": "user",
    "about_you_save": "user",
    "offer_save": "user",
    "reminder_preferences_save": "user",
    "reminders_stop": "user",
    "invitation_accept": "user",
    "invitation_decline": "invitation",
}


def _services():
    """Every write service: the public functions of the service modules that
    run in a transaction, and activity_record."""
    import importlib
    import inspect

    found = []
    for module_name in SERVICE_MODULES:
        module = importlib.import_module(module_name)
        for name, function in vars(module).items():
            if (
                inspect.isfunction(function)
                and function.__module__ == module_name
                and not name.startswith("_")
                and (hasattr(function, "__wrapped__") or name == "activity_record")
            ):
                found.append(pytest.param(function, id=f"{module_name}.{name}"))
    return found


@pytest.mark.parametrize("service", _services())
def test_every_service_requires_who_acts_as_a_keyword(service):
    import inspect

    parameters = inspect.signature(service).parameters
    who = ACTS_AS_THEMSELVES.get(service.__name__, "actor")
    assert who in parameters, f"{service.__name__} does not say who acts"
    assert parameters[who].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters[who].default is inspect.Parameter.empty


def test_the_service_list_is_complete():
    names = {param.values[0].__name__ for param in _services()}
    assert {"stage_advance", "decision_close", "invitations_create", "access_needs_save"} <= names
    assert len(names) >= 35


def test_a_service_called_without_an_actor_refuses(world):
    with pytest.raises(TypeError):
        services.stage_advance(project=world.project)
    assert world.project.stages.current().get().position == 0


def test_an_ability_nobody_wrote_refuses_loudly(world):
    access = project_access(world.users["facilitator"], world.project)
    with pytest.raises(KeyError):
        require(access, "everything")


def _refusals(world):
    """Each service that a person must do, called by the system."""
    from participants.invitations.services import invitations_create

    participant = world.memberships["participant"]
    return {
        "project_create": lambda: services.project_create(
            organisation=world.organisation, name="New", summary="New.", actor=SYSTEM
        ),
        "project_update": lambda: services.project_update(
            project=world.project, name="Renamed", actor=SYSTEM
        ),
        "project_archive": lambda: services.project_archive(project=world.project, actor=SYSTEM),
        "membership_add": lambda: services.membership_add(
            project=world.project, user=world.users["outsider"], label="participant", actor=SYSTEM
        ),
        "membership_change_label": lambda: services.membership_change_label(
            membership=participant, label="professional", actor=SYSTEM
        ),
        "membership_set_facilitator": lambda: services.membership_set_facilitator(
            membership=participant, is_facilitator=True, actor=SYSTEM
        ),
        "membership_remove": lambda: services.membership_remove(
            membership=participant, actor=SYSTEM
        ),
        "stage_add": lambda: services.stage_add(project=world.project, name="More", actor=SYSTEM),
        "stage_update": lambda: services.stage_update(
            stage=world.stages[1], name="Renamed", actor=SYSTEM
        ),
        "stage_move": lambda: services.stage_move(
            stage=world.stages[2], direction="up", actor=SYSTEM
        ),
        "stage_remove": lambda: services.stage_remove(stage=world.stages[6], actor=SYSTEM),
        "stage_advance": lambda: services.stage_advance(project=world.project, actor=SYSTEM),
        "invitations_create": lambda: invitations_create(
            project=world.project,
            emails=["new@example.org"],
            label="participant",
            is_facilitator=False,
            actor=SYSTEM,
        ),
    }


@pytest.mark.parametrize(
    "service",
    [
        "project_create",
        "project_update",
        "project_archive",
        "membership_add",
        "membership_change_label",
        "membership_set_facilitator",
        "membership_remove",
        "stage_add",
        "stage_update",
        "stage_move",
        "stage_remove",
        "stage_advance",
        "invitations_create",
    ],
)
def test_the_system_is_refused_where_a_person_acts(world, service):
    with pytest.raises(PermissionDenied):
        _refusals(world)[service]()


@pytest.mark.parametrize("role", ["outsider", "participant", "professional"])
def test_people_who_may_not_are_refused_as_the_system_is(world, role):
    with pytest.raises(PermissionDenied):
        services.stage_advance(project=world.project, actor=world.users[role])
    with pytest.raises(PermissionDenied):
        services.membership_add(
            project=world.project,
            user=UserFactory(),
            label="participant",
            actor=world.users[role],
        )


def test_what_a_manager_does_names_them_in_the_activity(world):
    manager = world.users["manager"]
    services.stage_advance(project=world.project, actor=manager)
    line = Activity.objects.filter(project=world.project).latest("pk")
    assert line.actor == manager
    assert line.summary.startswith("Mo Manager moved the project to the stage")


def test_the_system_starts_an_install(db):
    from participants.services import person_get_or_create

    person, _created = person_get_or_create(
        email="sam@example.org", display_name="Sam", is_staff=True, actor=SYSTEM
    )
    organisation, created = services.organisation_manager_add(
        organisation_name="Riverside Council", user=person, actor=SYSTEM
    )
    assert created
    assert list(organisation.managers.all()) == [person]


def test_only_the_system_makes_accounts_outside_sign_up(world):
    from participants.services import person_get_or_create

    for role in ["manager", "staff", "facilitator"]:
        with pytest.raises(PermissionDenied):
            person_get_or_create(
                email="new@example.org", display_name="New", actor=world.users[role]
            )


def test_managers_name_managers_of_their_own_organisation_only(world):
    newcomer, outsider = UserFactory(), world.users["outsider"]
    with pytest.raises(PermissionDenied):
        services.organisation_manager_add(
            organisation_name=world.organisation.name, user=newcomer, actor=outsider
        )
    # Only the system (or a superuser) starts an organisation.
    with pytest.raises(PermissionDenied):
        services.organisation_manager_add(
            organisation_name="Brand New Trust", user=newcomer, actor=world.users["manager"]
        )
    services.organisation_manager_add(
        organisation_name=world.organisation.name, user=newcomer, actor=world.users["manager"]
    )
    assert world.organisation.managers.filter(pk=newcomer.pk).exists()


def test_the_system_actor_is_stored_as_nobody():
    assert person(SYSTEM) is None
    assert str(SYSTEM) == "Coproduce"
    assert SYSTEM.is_authenticated
