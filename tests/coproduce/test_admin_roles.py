"""The admin dashboard, page by page and action by action, as each role:
a manager of organisation A, of B, of both, a member of staff who manages
none, and a superuser (every role but the last a non-superuser).

Being a manager of an organisation is what gives access, and each page
shows and changes only the organisations the person manages: another
organisation's object answers 404, as a missing one does."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from decisions.models import Comment, Decision
from participants.models import Invitation, ReminderLog, User
from projects.models import Membership, Organisation, Project, Stage
from tests.factories import VoteFactory
from tests.roles import ADMIN_ROLES, NAMES, SEES, client_for, two_organisations, visible

MODELS = [
    "projects.organisation",
    "projects.project",
    "projects.membership",
    "projects.stage",
    "projects.ladderanswer",
    "projects.activity",
    "participants.user",
    "participants.invitation",
    "participants.reminderlog",
    "decisions.decision",
    "decisions.comment",
    "decisions.outcome",
]
# Where there is an add page, who may use it; every other add page is refused.
ADD_PAGES = {
    "projects.organisation": {"superuser"},
    "projects.project": {"manager_of_a", "manager_of_b", "manager_of_both", "superuser"},
    "participants.user": {"superuser"},
}


def url(model: str, view: str, *args) -> str:
    app, name = model.split(".")
    return reverse(f"admin:{app}_{name}_{view}", args=args)


@pytest.fixture
def world(db):
    return two_organisations()


def _manages_any(role):
    return bool(SEES[role])


# --- signing in ---------------------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_admin_index(world, role):
    page = client_for(world.people[role]).get(reverse("admin:index"))
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    if _manages_any(role):
        assert url("projects.project", "changelist") in html
        assert url("decisions.decision", "changelist") in html
    else:
        # Staff who manage no organisation may sign in, and find nothing to use.
        assert "/admin/projects/" not in html
        assert "/admin/decisions/" not in html
        assert "/admin/participants/" not in html


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_admin_sign_in_page_sends_those_signed_in_on_to_the_admin(world, role):
    response = client_for(world.people[role]).get(reverse("admin:login"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")


def test_members_who_manage_nothing_are_sent_to_sign_in(world):
    member = world.organisations["A"].facilitator.user
    response = client_for(member).get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_manager_who_is_not_staff_sets_up_two_step_sign_in_first(world, settings):
    settings.STAFF_MFA_REQUIRED = True
    manager = world.people["manager_of_a"]
    assert not manager.is_staff
    response = client_for(manager).get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize(
    "changelist",
    ["admin:auth_group_changelist", "admin:account_emailaddress_changelist"],
)
def test_other_apps_admin_pages_are_for_superusers(world, role, changelist):
    # They use Django's model permissions, which managers are not given.
    Group.objects.create(name="Helpers")
    expected = HTTPStatus.OK if role == "superuser" else HTTPStatus.FORBIDDEN
    assert client_for(world.people[role]).get(reverse(changelist)).status_code == expected


# --- lists, change pages, history, add pages ---------------------------------


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_each_list_shows_exactly_the_organisations_the_person_manages(world, role, model):
    response = client_for(world.people[role]).get(url(model, "changelist"))
    if not _manages_any(role):
        assert response.status_code == HTTPStatus.FORBIDDEN
        return
    assert response.status_code == HTTPStatus.OK
    assert set(response.context["cl"].result_list) == visible(world, role, model)
    # Nor does any filter (its choices), column or link name the others' projects.
    html = response.content.decode()
    for key, (organisation_name, project_name) in NAMES.items():
        if key not in SEES[role]:
            assert project_name not in html
            assert organisation_name not in html


@pytest.mark.parametrize("view", ["change", "history"])
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_each_change_and_history_page_is_a_404_for_another_organisation(world, role, model, view):
    client = client_for(world.people[role])
    for key, organisation in world.organisations.items():
        obj = organisation.objects[model][0]
        expected = HTTPStatus.OK if key in SEES[role] else HTTPStatus.NOT_FOUND
        assert client.get(url(model, view, obj.pk)).status_code == expected, (key, obj)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_add_pages(world, role, model):
    response = client_for(world.people[role]).get(url(model, "add"))
    allowed = role in ADD_PAGES.get(model, set())
    assert response.status_code == (HTTPStatus.OK if allowed else HTTPStatus.FORBIDDEN)


# Who may open a delete page: the others are archived, kept or read-only (a
# stage that has started, as here, stays too; see the test after next).
DELETE_PAGES = {"projects.organisation": {"superuser"}, "participants.user": {"superuser"}}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_delete_pages(world, role, model):
    client = client_for(world.people[role])
    for key, organisation in world.organisations.items():
        obj = organisation.objects[model][0]
        if key not in SEES[role]:
            expected = HTTPStatus.NOT_FOUND
        elif role in DELETE_PAGES.get(model, set()):
            expected = HTTPStatus.OK
        else:
            expected = HTTPStatus.FORBIDDEN
        assert client.get(url(model, "delete", obj.pk)).status_code == expected, (key, obj)


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_a_new_project_can_only_be_for_an_organisation_the_person_manages(world, role):
    client = client_for(world.people[role])
    add = url("projects.project", "add")
    if not _manages_any(role):
        assert client.get(add).status_code == HTTPStatus.FORBIDDEN
        return
    choices = client.get(add).context["adminform"].form.fields["organisation"].queryset
    assert set(choices) == {world.organisations[key].organisation for key in SEES[role]}
    for key, organisation in world.organisations.items():
        name = f"New for {key}"
        response = client.post(
            add,
            {
                "organisation": organisation.organisation.pk,
                "name": name,
                "summary": "New.",
                "timezone": "Europe/London",
                "closing_reminder_hours": "48, 24",
            },
        )
        made = Project.objects.filter(name=name).first()
        if key in SEES[role]:
            assert response.status_code == HTTPStatus.FOUND
            assert made.closing_reminder_hours == [48, 24]
            assert made.stages.count() == 7
        else:
            assert response.status_code == HTTPStatus.OK  # "Select a valid choice"
            assert made is None


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_saving_another_organisations_project_or_stage_is_a_404(world, role):
    client = client_for(world.people[role])
    for key, organisation in world.organisations.items():
        project, stage = organisation.project, organisation.stages[3]
        response = client.post(
            url("projects.project", "change", project.pk),
            {
                "name": "Renamed",
                "summary": "Renamed.",
                "timezone": "Europe/London",
                "closing_reminder_hours": "12",
                "stages-TOTAL_FORMS": 0,
                "stages-INITIAL_FORMS": 0,
                "memberships-TOTAL_FORMS": 0,
                "memberships-INITIAL_FORMS": 0,
            },
        )
        response_stage = client.post(
            url("projects.stage", "change", stage.pk), {"name": "Renamed stage"}
        )
        project.refresh_from_db()
        stage.refresh_from_db()
        if key in SEES[role]:
            assert (response.status_code, response_stage.status_code) == (302, 302)
            assert (project.name, project.closing_reminder_hours) == ("Renamed", [12])
            assert project.organisation == organisation.organisation  # it stays
            assert stage.name == "Renamed stage"
        else:
            assert response.status_code == HTTPStatus.NOT_FOUND
            assert response_stage.status_code == HTTPStatus.NOT_FOUND
            assert project.name == NAMES[key][1]
            assert stage.name != "Renamed stage"


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_deleting_a_stage_that_has_not_started(world, role):
    client = client_for(world.people[role])
    for key, organisation in world.organisations.items():
        stage = organisation.stages[-1]
        response = client.post(url("projects.stage", "delete", stage.pk), {"post": "yes"})
        if key in SEES[role]:
            assert response.status_code == HTTPStatus.FOUND
            assert not Stage.objects.filter(pk=stage.pk).exists()
        else:
            assert response.status_code == HTTPStatus.NOT_FOUND
            assert Stage.objects.filter(pk=stage.pk).exists()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_organisations_managers_are_chosen_among_the_organisations_people(world, role):
    client = client_for(world.people[role])
    a = world.organisations["A"].organisation
    b_person = world.organisations["B"].participant.user
    response = client.get(url("projects.organisation", "change", a.pk))
    if "A" not in SEES[role]:
        assert response.status_code == HTTPStatus.NOT_FOUND
        return
    choices = set(response.context["adminform"].form.fields["managers"].queryset)
    assert choices == visible(world, role, "participants.user")
    response = client.post(
        url("projects.organisation", "change", a.pk),
        {"name": a.name, "slug": a.slug, "managers": [b_person.pk]},
    )
    if "B" in SEES[role]:
        assert response.status_code == HTTPStatus.FOUND
        assert b_person in a.managers.all()
    else:
        assert response.status_code == HTTPStatus.OK  # "Select a valid choice"
        assert b_person not in a.managers.all()


# --- people ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_only_a_superuser_changes_accounts_flags_and_permissions(world, role):
    client = client_for(world.people[role])
    person = world.organisations["A"].participant.user
    change = url("participants.user", "change", person.pk)
    # Django names the password page after its own User model.
    password = reverse("admin:auth_user_password_change", args=[person.pk])
    data = {
        "email": person.email,
        "display_name": "Changed",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "text_size": person.text_size,
        "contrast": person.contrast,
        "reminder_format": person.reminder_format,
        "reminder_timing": person.reminder_timing,
        "digest_time": "09:00",
        "digest_weekday": 0,
        "timezone": person.timezone,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(change, data)
    person.refresh_from_db()
    if role == "superuser":
        assert response.status_code == HTTPStatus.FOUND
        assert (person.display_name, person.is_superuser) == ("Changed", True)
        assert client.get(password).status_code == HTTPStatus.OK
        return
    expected = HTTPStatus.FORBIDDEN if "A" in SEES[role] else HTTPStatus.NOT_FOUND
    assert response.status_code == expected
    assert (person.is_staff, person.is_superuser) == (False, False)
    assert client.get(password).status_code == expected
    if "A" in SEES[role]:
        html = client.get(change).content.decode()
        assert person.email in html
        for words in ("Staff status", "Superuser status", "User permissions", "pbkdf2", "md5"):
            assert words.lower() not in html.lower()


# --- actions ----------------------------------------------------------------------


def _project_moved(org):
    # The world's projects are in their second stage (tests/roles.py).
    return org.project.stages.current().get().position == 2


def _with_three_votes(org):
    """The anonymous decision, with enough votes to be closed early."""
    for member in (org.facilitator, org.professional):
        VoteFactory(decision=org.anonymous, member=member)
    return org.anonymous


ACTIONS = {
    "advance stage": (
        "projects.project",
        "advance_stage",
        lambda org: org.project,
        _project_moved,
    ),
    "archive": (
        "projects.project",
        "archive",
        lambda org: org.project,
        lambda org: Project.objects.get(pk=org.project.pk).status == "archived",
    ),
    "make facilitator": (
        "projects.membership",
        "make_facilitator",
        lambda org: org.participant,
        lambda org: Membership.objects.get(pk=org.participant.pk).is_facilitator,
    ),
    "stop facilitator": (
        "projects.membership",
        "stop_facilitator",
        lambda org: org.professional,
        lambda org: not Membership.objects.get(pk=org.professional.pk).is_facilitator,
    ),
    "remove from project": (
        "projects.membership",
        "remove_from_project",
        lambda org: org.participant,
        lambda org: Membership.objects.get(pk=org.participant.pk).left_at is not None,
    ),
    "close now": (
        "decisions.decision",
        "close_now",
        lambda org: _with_three_votes(org),
        lambda org: Decision.objects.get(pk=org.anonymous.pk).status == "closed",
    ),
    "hide comments": (
        "decisions.comment",
        "hide",
        lambda org: org.comment,
        lambda org: Comment.objects.get(pk=org.comment.pk).is_hidden,
    ),
    "cancel invitations": (
        "participants.invitation",
        "cancel",
        lambda org: org.invitation,
        lambda org: Invitation.objects.get(pk=org.invitation.pk).revoked_at is not None,
    ),
    "try reminders again": (
        "participants.reminderlog",
        "try_again",
        lambda org: org.reminder,
        lambda org: ReminderLog.objects.get(pk=org.reminder.pk).status != "failed",
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_actions_change_only_the_organisations_the_person_manages(world, role, action):
    model, name, chosen, changed = ACTIONS[action]
    organisations = world.organisations.values()
    response = client_for(world.people[role]).post(
        url(model, "changelist"),
        {
            "action": name,
            "_selected_action": [chosen(org).pk for org in organisations],
            "reason": "A phone number",
        },
    )
    expected = HTTPStatus.FOUND if _manages_any(role) else HTTPStatus.FORBIDDEN
    assert response.status_code == expected
    for key, org in world.organisations.items():
        assert changed(org) == (key in SEES[role]), key


# --- search and autocomplete -------------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_search_finds_nothing_of_another_organisation(world, role):
    client = client_for(world.people[role])
    for key, org in world.organisations.items():
        name = org.participant.user.display_name
        for model in ("projects.membership", "participants.user"):
            response = client.get(url(model, "changelist"), {"q": name})
            if not _manages_any(role):
                assert response.status_code == HTTPStatus.FORBIDDEN
                continue
            found = len(response.context["cl"].result_list)
            assert found == (1 if key in SEES[role] else 0), (model, key)


AUTOCOMPLETE = {
    # (the field whose choices are asked for) -> the model of the choices
    ("projects", "project", "organisation"): "projects.organisation",
    ("decisions", "decision", "project"): "projects.project",
    ("decisions", "vote", "member"): "projects.membership",
    ("projects", "organisation", "managers"): "participants.user",
}


@pytest.mark.parametrize("source", AUTOCOMPLETE)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_autocomplete_offers_only_what_the_person_manages(world, role, source):
    app_label, model_name, field_name = source
    response = client_for(world.people[role]).get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name},
    )
    if not _manages_any(role):
        assert response.status_code == HTTPStatus.FORBIDDEN
        return
    assert response.status_code == HTTPStatus.OK
    ids = {int(result["id"]) for result in response.json()["results"]}
    expected = {obj.pk for obj in visible(world, role, AUTOCOMPLETE[source])}
    if role == "superuser" and AUTOCOMPLETE[source] == "participants.user":
        expected = set(User.objects.values_list("pk", flat=True)[:20])  # one page
    assert ids == expected


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_view_on_site_leads_only_to_what_the_person_manages(world, role):
    # Otherwise it would tell the address of another organisation's project.
    client = client_for(world.people[role])
    for key, org in world.organisations.items():
        for obj in (org.project, org.stages[0], org.anonymous):
            content_type = ContentType.objects.get_for_model(obj)
            response = client.get(reverse("admin:view_on_site", args=[content_type.pk, obj.pk]))
            if key in SEES[role]:
                assert response.status_code == HTTPStatus.FOUND
                assert response["Location"].endswith(obj.get_absolute_url())
            else:
                assert response.status_code == HTTPStatus.NOT_FOUND
    assert client.get("/admin/r/999/1/").status_code == HTTPStatus.NOT_FOUND


def test_an_organisation_is_added_and_deleted_by_a_superuser_only(world):
    manager = client_for(world.people["manager_of_both"])
    a = world.organisations["A"].organisation
    response = manager.post(
        url("projects.organisation", "changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk], "post": "yes"},
    )
    assert response.status_code == HTTPStatus.OK  # "No action selected": there is none
    assert Organisation.objects.filter(pk=a.pk).exists()
    response = manager.post(url("projects.organisation", "add"), {"name": "Mine", "slug": "m"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Organisation.objects.filter(slug="m").exists()
