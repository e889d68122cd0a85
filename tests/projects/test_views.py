"""Every project page for every role, what each page shows, and bad input.

Signed-out visitors are sent to sign in from every project address, whether
the project exists or not; signed-in outsiders (staff included) get 404."""

from http import HTTPStatus

import pytest
from django.urls import NoReverseMatch, reverse

from projects import services
from projects.models import LadderAnswer, Membership, Project, Stage
from tests.factories import OrganisationFactory
from tests.projects.conftest import PROJECT_NAME, ROLES

OK, FOUND, FORBIDDEN, NOT_FOUND = (
    HTTPStatus.OK,
    HTTPStatus.FOUND,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
)


def _expect(participant, professional, facilitator, manager):
    return {
        "signed_out": FOUND,  # to the sign-in page
        "outsider": NOT_FOUND,
        "participant": participant,
        "professional": professional,
        "facilitator": facilitator,
        "manager": manager,
        "staff": NOT_FOUND,
    }


EVERYONE_IN_IT = _expect(OK, OK, OK, OK)
HOUSEKEEPING = _expect(FORBIDDEN, FORBIDDEN, OK, OK)
MEMBERS_ONLY = _expect(OK, OK, OK, FORBIDDEN)


def _url(world, name, **kwargs):
    return reverse(f"projects:{name}", kwargs={"slug": world.project.slug, **kwargs})


GET_PAGES = {
    "detail": (lambda w: _url(w, "detail"), EVERYONE_IN_IT),
    "members": (lambda w: _url(w, "members"), EVERYONE_IN_IT),
    "stages": (lambda w: _url(w, "stages"), EVERYONE_IN_IT),
    "current stage": (lambda w: _url(w, "stage_detail", pk=w.stages[0].pk), EVERYONE_IN_IT),
    "future stage": (lambda w: _url(w, "stage_detail", pk=w.stages[3].pk), EVERYONE_IN_IT),
    "edit": (lambda w: _url(w, "edit"), HOUSEKEEPING),
    "stage add": (lambda w: _url(w, "stage_add"), HOUSEKEEPING),
    "stage edit": (lambda w: _url(w, "stage_edit", pk=w.stages[0].pk), HOUSEKEEPING),
    "stage remove": (lambda w: _url(w, "stage_remove", pk=w.stages[5].pk), HOUSEKEEPING),
    "stage advance": (lambda w: _url(w, "stage_advance"), HOUSEKEEPING),
    "member remove": (
        lambda w: _url(w, "member_remove", pk=w.memberships["professional"].pk),
        HOUSEKEEPING,
    ),
    "member label": (lambda w: _url(w, "member_label"), MEMBERS_ONLY),
    "leave": (lambda w: _url(w, "leave"), MEMBERS_ONLY),
}


def _assert_nothing_leaked(response, status, role):
    if role == "signed_out":
        assert response["Location"].startswith("/accounts/login/?next=")
    if status in {FOUND, NOT_FOUND}:
        assert PROJECT_NAME not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", GET_PAGES)
def test_every_page_for_every_role(world, client_as, page, role):
    url_for, expected = GET_PAGES[page]
    response = client_as(role).get(url_for(world))
    assert response.status_code == expected[role]
    _assert_nothing_leaked(response, expected[role], role)
    if expected[role] == OK:
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert " - Coproduce</title>" in html


@pytest.mark.parametrize("role", ["signed_out", "outsider", "staff"])
def test_a_real_project_and_a_missing_one_look_the_same_from_outside(world, client_as, role):
    client = client_as(role)
    real = client.get(_url(world, "detail"))
    missing = client.get("/projects/no-such-project-abc123/")
    assert real.status_code == missing.status_code
    if role == "signed_out":
        assert real["Location"].replace(world.project.slug, "X") == missing["Location"].replace(
            "no-such-project-abc123", "X"
        )


def test_stages_of_another_project_are_not_found(world, client_as):
    other = services.project_create(
        organisation=world.organisation, name="Other", summary="x", actor=world.users["manager"]
    )
    stage = other.stages.first()
    response = client_as("facilitator").get(_url(world, "stage_detail", pk=stage.pk))
    assert response.status_code == NOT_FOUND


# Writes, for every role --------------------------------------------------


def _current_position(world):
    return Stage.objects.current().get(project=world.project).position


POSTS = {
    # name: (url, data, expected statuses, did it happen?)
    "make facilitator": (
        lambda w: _url(w, "member_facilitator", pk=w.memberships["professional"].pk),
        {"is_facilitator": "1"},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: Membership.objects.get(pk=w.memberships["professional"].pk).is_facilitator,
    ),
    "remove member": (
        lambda w: _url(w, "member_remove", pk=w.memberships["participant"].pk),
        {},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: not Membership.objects.get(pk=w.memberships["participant"].pk).is_current,
    ),
    "move stage": (
        lambda w: _url(w, "stage_move", pk=w.stages[4].pk),
        {"direction": "up"},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: Stage.objects.get(pk=w.stages[4].pk).position == 3,
    ),
    "remove stage": (
        lambda w: _url(w, "stage_remove", pk=w.stages[6].pk),
        {},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: not Stage.objects.filter(pk=w.stages[6].pk).exists(),
    ),
    "add stage": (
        lambda w: _url(w, "stage_add"),
        {"name": "Telling people"},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: w.project.stages.filter(name="Telling people").exists(),
    ),
    "edit stage": (
        lambda w: _url(w, "stage_edit", pk=w.stages[0].pk),
        {"name": "Hello", "outcomes": "A plan"},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: Stage.objects.get(pk=w.stages[0].pk).outcomes == "A plan",
    ),
    "edit project": (
        lambda w: _url(w, "edit"),
        {"name": "Renamed", "summary": "New words", "timezone": "Europe/London"},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: Project.objects.get(pk=w.project.pk).name == "Renamed",
    ),
    "move to the next stage": (
        lambda w: _url(w, "stage_advance"),
        {"from_stage": ""},
        _expect(FORBIDDEN, FORBIDDEN, FOUND, FOUND),
        lambda w: _current_position(w) == 1,
    ),
    "answer the ladder check": (
        lambda w: _url(w, "stage_detail", pk=w.stages[0].pk),
        {"rung": "5", "comment": "Getting there"},
        _expect(FOUND, FOUND, FOUND, FORBIDDEN),
        lambda w: LadderAnswer.objects.exists(),
    ),
    "change own label": (
        lambda w: _url(w, "member_label"),
        {"label": "participant"},
        _expect(FOUND, FOUND, FOUND, FORBIDDEN),
        lambda w: Membership.objects.filter(
            project=w.project,
            label="participant",
            user__display_name__in=["Prof Professional", "Fran Facilitator"],
        ).exists(),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", POSTS)
def test_every_write_for_every_role(world, client_as, action, role):
    url_for, data, expected, happened = POSTS[action]
    response = client_as(role).post(url_for(world), data)
    assert response.status_code == expected[role]
    _assert_nothing_leaked(response, expected[role], role)
    allowed = expected[role] == FOUND and role != "signed_out"
    if action == "change own label" and role == "participant":
        allowed = False  # already a participant: nothing to change
    assert happened(world) == allowed


@pytest.mark.parametrize("role", ["participant", "professional"])
def test_members_leave(world, client_as, role):
    response = client_as(role).post(_url(world, "leave"))
    assert response.status_code == FOUND
    assert response["Location"] == "/"
    assert not Membership.objects.get(pk=world.memberships[role].pk).is_current
    assert client_as(role).get(_url(world, "detail")).status_code == NOT_FOUND


@pytest.mark.parametrize("role", ["signed_out", "outsider", "staff", "manager"])
def test_people_who_are_not_members_cannot_leave(world, client_as, role):
    response = client_as(role).post(_url(world, "leave"))
    assert response.status_code == {"manager": FORBIDDEN, "signed_out": FOUND}.get(role, NOT_FOUND)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url_for",
    [
        lambda w: _url(w, "stage_move", pk=w.stages[4].pk),
        lambda w: _url(w, "member_facilitator", pk=w.memberships["professional"].pk),
    ],
    ids=["stage move", "member facilitator"],
)
def test_post_only_actions_refuse_get(world, client_as, role, url_for):
    response = client_as(role).get(url_for(world))
    assert response.status_code == (
        FOUND if role == "signed_out" else HTTPStatus.METHOD_NOT_ALLOWED
    )
    assert PROJECT_NAME not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_a_past_stage_for_every_role(world, client_as, role):
    for member, rung in [("facilitator", 6), ("professional", 5), ("participant", 4)]:
        _answer(world, member, rung)
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    response = client_as(role).get(_url(world, "stage_detail", pk=world.stages[0].pk))
    expected = EVERYONE_IN_IT[role]
    assert response.status_code == expected
    _assert_nothing_leaked(response, expected, role)
    if expected == OK:
        html = response.content.decode()
        assert "This stage has ended." in html
        assert "Everyone, 3 answers" in html
        assert 'name="rung"' not in html


# Starting a project --------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_start_a_project_is_for_organisation_managers(world, client_as, role):
    response = client_as(role).get(reverse("projects:create"))
    expected = {"signed_out": FOUND, "manager": OK}.get(role, FORBIDDEN)
    assert response.status_code == expected


def test_a_manager_starts_a_project_in_an_organisation_they_manage(world, client_as):
    client = client_as("manager")
    html = client.get(reverse("projects:create")).content.decode()
    assert "Riverside Trust" in html
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": world.organisation.pk,
            "name": "Better buses",
            "summary": "Buses that come.",
            "timezone": "Europe/London",
            "creator_label": "professional",
        },
    )
    project = Project.objects.get(name="Better buses")
    assert response.status_code == FOUND
    assert response["Location"] == project.get_absolute_url()
    assert project.stages.count() == 7
    membership = project.memberships.get()
    assert membership.user == world.users["manager"]
    assert membership.is_facilitator


def test_the_organisation_is_chosen_already_when_the_manager_has_only_one(world, client_as):
    client = client_as("manager")
    checked = f'value="{world.organisation.pk}" id="id_organisation_0" checked'
    assert checked in client.get(reverse("projects:create")).content.decode()
    # With two, the manager chooses.
    second = OrganisationFactory(name="Hillside Trust")
    second.managers.add(world.users["manager"])
    assert (
        " checked"
        not in client.get(reverse("projects:create"))
        .content.decode()
        .split('name="organisation"', 1)[1]
        .split("</fieldset>", 1)[0]
    )


def test_a_manager_cannot_start_a_project_for_another_organisation(world, client_as):
    other = OrganisationFactory()
    response = client_as("manager").post(
        reverse("projects:create"),
        {
            "organisation": other.pk,
            "name": "Sneaky",
            "summary": "x",
            "timezone": "Europe/London",
            "creator_label": "professional",
        },
    )
    assert response.status_code == OK
    assert "Choose one of your organisations" in response.content.decode()
    assert not Project.objects.filter(name="Sneaky").exists()


# What the pages show -------------------------------------------------------


def test_home_lists_a_members_projects_with_their_current_stage(world, client_as):
    html = client_as("participant").get("/").content.decode()
    assert PROJECT_NAME in html
    assert "Now: stage 1 of 7, <strong>Getting started</strong>" in html
    assert "Start a project" not in html


def test_home_lists_a_managers_projects_and_offers_to_start_one(world, client_as):
    html = client_as("manager").get("/").content.decode()
    assert PROJECT_NAME in html
    assert "you are not a member" in html
    assert reverse("projects:create") in html


@pytest.mark.parametrize("role", ["outsider", "staff"])
def test_home_shows_outsiders_nothing_of_the_project(world, client_as, role):
    html = client_as(role).get("/").content.decode()
    assert PROJECT_NAME not in html
    assert "You are not in any projects yet" in html


def test_project_home_says_what_is_happening_now(world, client_as):
    services.stage_update(
        stage=world.stages[0], aims="Meet.\nAgree how we work.", actor=world.users["facilitator"]
    )
    html = client_as("participant").get(_url(world, "detail")).content.decode()
    assert "Stage 1 of 7: <strong>Getting started</strong>" in html
    assert '<progress max="7" value="1"' in html
    assert '<p class="prose">Meet.\nAgree how we work.</p>' in html
    assert "Decisions open for votes" in html
    assert "Participants: 1" in html
    assert "Professionals: 2" in html
    assert "Fran Facilitator (facilitator)" in html
    assert "Pat Participant joined the project" in html


def test_user_text_is_escaped(world, client_as):
    services.stage_update(
        stage=world.stages[0],
        outcomes="<script>alert(1)</script>",
        actor=world.users["facilitator"],
    )
    html = client_as("participant").get(_url(world, "stage_detail", pk=world.stages[0].pk))
    html = html.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_timeline_marks_the_current_stage(world, client_as):
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    html = client_as("professional").get(_url(world, "stages")).content.decode()
    assert html.count('aria-current="step"') == 1
    current = f'<li id="stage-{world.stages[1].pk}" class="card" aria-current="step">'
    assert current in html
    assert "Stage 2 of 7: <strong>Understanding what matters</strong>" in html
    assert '<progress max="7" value="2"' in html
    assert html.count(">Done</strong>") == 1
    assert html.count(">Coming up</strong>") == 5
    # Members see no housekeeping tools.
    assert "Move to the next stage" not in html


def test_timeline_gives_facilitators_their_tools(world, client_as):
    html = client_as("facilitator").get(_url(world, "stages")).content.decode()
    assert _url(world, "stage_advance") in html
    assert _url(world, "stage_add") in html
    # The first stage after the current one cannot move up; the last cannot move down.
    assert html.count('name="direction" value="up"') == 5
    assert html.count('name="direction" value="down"') == 5


def test_members_page_for_a_facilitator_and_for_a_member(world, client_as):
    html = client_as("facilitator").get(_url(world, "members")).content.decode()
    assert "Make facilitator" in html
    assert _url(world, "member_remove", pk=world.memberships["participant"].pk) in html
    try:
        invite_url = reverse("participants:invitations", kwargs={"slug": world.project.slug})
    except NoReverseMatch:
        invite_url = None
    if invite_url:
        assert f'href="{invite_url}"' in html
    html = client_as("participant").get(_url(world, "members")).content.decode()
    assert "Make facilitator" not in html
    assert "Invite people" not in html
    assert "You are counted as a <strong>participant" in html
    assert _url(world, "leave") in html


def test_destructive_forms_are_kept_from_the_crawler(world, client_as):
    client = client_as("facilitator")
    for url in [
        _url(world, "member_remove", pk=world.memberships["participant"].pk),
        _url(world, "stage_remove", pk=world.stages[5].pk),
        _url(world, "stage_advance"),
        _url(world, "leave"),
    ]:
        assert 'data-crawl="skip"' in client.get(url).content.decode(), url


# The ladder check on the stage page ------------------------------------------


def _stage_page(client, world, index=0):
    return client.get(_url(world, "stage_detail", pk=world.stages[index].pk)).content.decode()


def _answer(world, role, rung):
    services.ladder_answer_save(
        stage=world.stages[0], membership=world.memberships[role], rung=rung
    )


def _end_stage(world):
    services.stage_advance(project=world.project, actor=world.users["facilitator"])


def test_members_see_the_results_only_once_the_stage_has_ended(world, client_as):
    """Not when they have answered: a page read before and after someone
    answers would show what they said (projects/ladder.py)."""
    _answer(world, "facilitator", 6)
    _answer(world, "professional", 5)
    client = client_as("participant")
    html = _stage_page(client, world)
    assert '<fieldset class="fieldset"' in html
    assert "Step 1: We come along, but have no say (coercion)" in html
    assert "What members said" not in html
    assert "Fewer than 3 people have answered the ladder check so far." in html
    assert "Everyone will see what members said when this stage ends, and not before." in html
    response = client.post(_url(world, "stage_detail", pk=world.stages[0].pk), {"rung": "4"})
    assert response.status_code == FOUND
    html = _stage_page(client, world)
    assert "You said: <strong>step 4, We are asked, but others decide (consulting)" in html
    assert "Change my answer" in html
    assert "3 people have answered the ladder check so far." in html
    assert "What members said" not in html
    assert "Step 5, We have some say, but not an equal say (engaging)" not in html
    _end_stage(world)
    html = _stage_page(client, world)
    assert "What members said" in html
    assert (
        "Everyone, 3 answers: middle answer "
        "<strong>Step 5, We have some say, but not an equal say (engaging)</strong>." in html
    )
    # One participant and two professionals: too few to show apart.
    assert "Participants: too few to show, because fewer than 3 participants answered." in html
    assert "Professionals: too few to show, because fewer than 3 professionals answered." in html
    assert '<caption class="visually-hidden">How many people chose each step</caption>' in html
    assert '<p class="table-caption" aria-hidden="true">How many people chose each step</p>' in html
    assert '<th scope="row">5. We have some say, but not an equal say (engaging)</th>' in html
    assert "Everyone: 1 of 3." in html  # on the ladder picture, beside step 5
    assert "You said: <strong>step 4, We are asked, but others decide (consulting)" in html
    assert 'name="rung"' not in html
    # Never who said what.
    for name in ["Fran Facilitator", "Prof Professional"]:
        assert name not in html.split('id="ladder-heading"')[1]


def test_managers_who_are_not_members_cannot_answer_nor_see_results_before_members(
    world, client_as
):
    for role, rung in [("facilitator", 6), ("professional", 5), ("participant", 4)]:
        _answer(world, role, rung)
    html = _stage_page(client_as("manager"), world)
    assert "What members said" not in html
    assert "3 people have answered the ladder check so far." in html
    assert 'name="rung"' not in html
    assert "Only members answer" in html
    _end_stage(world)
    html = _stage_page(client_as("manager"), world)
    assert "What members said" in html
    assert "Everyone, 3 answers" in html


def test_results_show_once_the_stage_has_ended(world, client_as):
    for role, rung in [("facilitator", 6), ("professional", 5), ("participant", 4)]:
        _answer(world, role, rung)
    LadderAnswer.objects.filter(membership=world.memberships["participant"]).delete()
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    html = _stage_page(client_as("participant"), world)
    assert "What members said" in html
    assert 'name="rung"' not in html


def test_a_future_stage_cannot_be_answered_yet(world, client_as):
    client = client_as("participant")
    html = _stage_page(client, world, index=2)
    assert "You can answer when this stage starts." in html
    response = client.post(_url(world, "stage_detail", pk=world.stages[2].pk), {"rung": "4"})
    assert response.status_code == FOUND
    assert not LadderAnswer.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rung": "9"}, "Choose a step from 1 to 7"),
        ({"rung": "seven"}, "Choose a step from 1 to 7"),
        ({}, "Choose a step from 1 to 7"),
        ({"rung": "3", "comment": "x" * 2001}, "Your comment must be 2000 characters or fewer"),
    ],
)
def test_bad_ladder_answers_get_a_clear_error(world, client_as, data, message):
    response = client_as("participant").post(
        _url(world, "stage_detail", pk=world.stages[0].pk), data
    )
    assert response.status_code == OK
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'class="error-summary"' in html
    assert message in html
    assert not LadderAnswer.objects.exists()


# Bad input on the housekeeping pages -------------------------------------------


def _date(name, day, month, year):
    """A date as the GOV.UK date input posts it: three boxes."""
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": str(year)}


@pytest.mark.parametrize(
    ("data", "message", "kept"),
    [
        (
            {"name": "  ", "summary": "Still here", "timezone": "Europe/London"},
            "Enter a name for the project",
            "Still here",
        ),
        (
            {"name": "Named", "summary": "", "timezone": "Europe/London"},
            "Say what the project is about",
            'value="Named"',
        ),
        (
            {
                "name": "Dates",
                "summary": "x",
                "timezone": "Europe/London",
                **_date("starts_on", 1, 5, 2027),
                **_date("ends_on", 1, 4, 2027),
            },
            "The end date must be on or after the start date",
            'name="ends_on_month" value="4"',
        ),
        (
            {
                "name": "Dates",
                "summary": "x",
                "timezone": "Europe/London",
                **_date("starts_on", 31, 2, 2027),
            },
            "Enter a real start date",
            'name="starts_on_day" value="31"',
        ),
        (
            {"name": "Zone", "summary": "x", "timezone": "Nowhere/Land"},
            "Choose a time zone",
            'value="Zone"',
        ),
    ],
)
def test_project_edit_bad_input(world, client_as, data, message, kept):
    response = client_as("facilitator").post(_url(world, "edit"), data)
    assert response.status_code == OK
    html = response.content.decode()
    assert f"<title>Error: Change the details of {world.project.name} - Coproduce</title>" in html
    assert message in html
    assert kept in html
    assert Project.objects.get(pk=world.project.pk).name == PROJECT_NAME


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name for the stage"),
        (
            {
                "name": "Later",
                **_date("planned_start", 2, 5, 2027),
                **_date("planned_end", 1, 5, 2027),
            },
            "The planned end date must be on or after the planned start date",
        ),
    ],
)
@pytest.mark.parametrize("page", ["stage_add", "stage_edit"])
def test_stage_forms_bad_input(world, client_as, data, message, page):
    kwargs = {"pk": world.stages[1].pk} if page == "stage_edit" else {}
    response = client_as("facilitator").post(_url(world, page, **kwargs), data)
    assert response.status_code == OK
    html = response.content.decode()
    assert "<title>Error: " in html
    assert message in html
    assert world.project.stages.count() == 7


def test_removing_the_last_facilitator_explains_why_not(world, client_as):
    response = client_as("manager").post(
        _url(world, "member_remove", pk=world.memberships["facilitator"].pk)
    )
    assert response.status_code == OK
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Fran Facilitator is the only facilitator." in html
    assert Membership.objects.get(pk=world.memberships["facilitator"].pk).is_current


def test_the_last_facilitator_leaving_is_told_why_not(world, client_as):
    response = client_as("facilitator").post(_url(world, "leave"))
    assert response.status_code == OK
    assert "You are the only facilitator." in response.content.decode()


def test_unmaking_the_last_facilitator_explains_why_not(world, client_as):
    client = client_as("facilitator")
    url = _url(world, "member_facilitator", pk=world.memberships["facilitator"].pk)
    response = client.post(url, {"is_facilitator": "0"}, follow=True)
    assert response.status_code == OK
    assert "is the only facilitator" in response.content.decode()
    assert Membership.objects.get(pk=world.memberships["facilitator"].pk).is_facilitator


def test_removing_a_started_stage_is_refused(world, client_as):
    client = client_as("facilitator")
    url = _url(world, "stage_remove", pk=world.stages[0].pk)
    html = client.get(url).content.decode()
    assert "This stage has started, so it cannot be removed." in html
    assert "Yes, remove this stage" not in html
    response = client.post(url)
    assert response.status_code == OK
    assert "has started, so it cannot be removed" in response.content.decode()
    assert Stage.objects.filter(pk=world.stages[0].pk).exists()


@pytest.mark.parametrize("role", ["participant", "professional"])
def test_members_who_are_not_facilitators_cannot_move_the_project_on(world, client_as, role):
    response = client_as(role).post(_url(world, "stage_advance"), {})
    assert response.status_code == FORBIDDEN
    assert "You cannot do that" in response.content.decode()
    assert _current_position(world) == 0


def test_moving_on_from_a_stage_someone_else_already_ended(world, client_as):
    client = client_as("facilitator")
    html = client.get(_url(world, "stage_advance")).content.decode()
    assert f'name="from_stage" value="{world.stages[0].pk}"' in html
    services.stage_advance(project=world.project, actor=world.users["manager"])
    response = client.post(_url(world, "stage_advance"), {"from_stage": world.stages[0].pk})
    assert response.status_code == OK
    html = response.content.decode()
    assert "Someone has already moved the project on" in html
    assert f'name="from_stage" value="{world.stages[1].pk}"' in html
    assert _current_position(world) == 1


def test_moving_on_from_the_last_stage_ends_the_project(world, client_as):
    for _ in range(6):
        services.stage_advance(project=world.project, actor=world.users["manager"])
    client = client_as("facilitator")
    html = client.get(_url(world, "stage_advance")).content.decode()
    assert "Yes, end the project" in html
    response = client.post(_url(world, "stage_advance"), {"from_stage": world.stages[6].pk})
    assert response.status_code == FOUND
    assert Project.objects.get(pk=world.project.pk).status == Project.Status.FINISHED
    html = client.get(_url(world, "stages")).content.decode()
    assert "All 7 stages are done. The project has finished." in html
    assert 'aria-current="step"' not in html
    html = client.get(_url(world, "stage_advance")).content.decode()
    assert "so there is no next stage" in html


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("member_facilitator", {"is_facilitator": "maybe"}),
        ("stage_move", {"direction": "sideways"}),
    ],
)
def test_forged_small_forms_get_a_message_not_a_500(world, client_as, url, data):
    pk = world.memberships["professional"].pk if url == "member_facilitator" else world.stages[4].pk
    response = client_as("facilitator").post(_url(world, url, pk=pk), data, follow=True)
    assert response.status_code == OK
    assert "Choose" in response.content.decode()


def test_moving_a_stage_that_cannot_move_says_why(world, client_as):
    response = client_as("facilitator").post(
        _url(world, "stage_move", pk=world.stages[1].pk), {"direction": "up"}, follow=True
    )
    assert response.status_code == OK
    assert "because that stage has already started" in response.content.decode()


def test_changing_your_label_with_nothing_chosen(world, client_as):
    response = client_as("participant").post(_url(world, "member_label"), {})
    assert response.status_code == OK
    assert "Choose participant or professional" in response.content.decode()


# Query counts: the same at 5 and at 200 members --------------------------------


def _grow(world, size):
    """Add members up to `size`, half of them participants, each with a
    ladder answer and an activity line (joining)."""
    from tests.factories import UserFactory

    _answer(world, "facilitator", 6)

    for index in range(size - 3):
        label = "participant" if index % 2 else "professional"
        membership = services.membership_add(
            project=world.project,
            user=UserFactory(display_name=f"Person {index}"),
            label=label,
            actor=world.users["facilitator"],
        )
        services.ladder_answer_save(
            stage=world.stages[0], membership=membership, rung=index % 7 + 1
        )


# Most queries at any size. Each signed-in page starts with five: session,
# user, project, the viewer's membership and the manager check. Then:
PAGE_QUERIES = {
    "detail": 14,  # stages, recent activity, how many members, the first names of
    # each group, and five from decisions: open decisions, whose voices are
    # heard, and what the viewer can do now (votes, ladder checks, outcomes)
    "members": 8,  # how many members and how many have left, the length of the
    # list, the page of members
    "stages": 6,  # stages with their ladder answer counts
    "current stage": 7,  # stages with their answer counts, own ladder answer (no
    # results while answers are open)
}


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("page", PAGE_QUERIES)
def test_query_counts_do_not_grow_with_members(
    world, client_as, django_assert_max_num_queries, page, size
):
    _grow(world, size)
    client = client_as("facilitator")
    url = GET_PAGES[page][0](world)
    with django_assert_max_num_queries(PAGE_QUERIES[page]):
        response = client.get(url)
    assert response.status_code == OK


@pytest.mark.parametrize("size", [5, 200])
def test_home_query_count_does_not_grow_with_projects(
    world, client_as, django_assert_max_num_queries, size
):
    for index in range(size // 5):
        services.project_create(
            organisation=world.organisation,
            name=f"Project {index}",
            summary="x",
            actor=world.users["manager"],
        )
    client = client_as("manager")
    # session, user, managed, projects, stages; and what the viewer can do now:
    # votes, ladder checks, outcomes (decisions/next_steps.py)
    with django_assert_max_num_queries(8):
        response = client.get("/")
    assert response.status_code == OK


def test_dates_are_shown_in_the_projects_time_zone(world, client_as):
    import datetime

    services.project_update(
        project=world.project, timezone="America/New_York", actor=world.users["facilitator"]
    )
    Stage.objects.filter(pk=world.stages[0].pk).update(
        started_at=datetime.datetime(2027, 3, 1, 2, 0, tzinfo=datetime.UTC)
    )
    html = _stage_page(client_as("participant"), world)
    assert ">28 February 2027</time>" in html


def test_start_a_project_bad_input_keeps_what_was_typed(world, client_as):
    response = client_as("manager").post(
        reverse("projects:create"),
        {"organisation": world.organisation.pk, "name": "", "summary": "Typed words"},
    )
    assert response.status_code == OK
    html = response.content.decode()
    assert "<title>Error: Start a project - Coproduce</title>" in html
    assert "Enter a name for the project" in html
    assert "Typed words" in html
    assert not Project.objects.exclude(pk=world.project.pk).exists()


# Found in the second pass ------------------------------------------------------


def test_an_answer_sent_after_the_stage_ended_says_so_and_gives_back_the_comment(world, client_as):
    client = client_as("participant")
    url = _url(world, "stage_detail", pk=world.stages[0].pk)
    assert 'name="rung"' in client.get(url).content.decode()
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    response = client.post(url, {"rung": "6", "comment": "We <b>did</b> it together"}, follow=True)
    html = response.content.decode()
    assert "Answers for this stage are closed, so your answer was not saved." in html
    assert "You wrote: “We &lt;b&gt;did&lt;/b&gt; it together”" in html
    assert not LadderAnswer.objects.exists()


def test_results_show_once_answering_has_closed_in_an_archived_project(world, client_as):
    for role, rung in [("facilitator", 6), ("professional", 5), ("participant", 4)]:
        _answer(world, role, rung)
    LadderAnswer.objects.filter(membership=world.memberships["participant"]).delete()
    services.project_archive(project=world.project, actor=world.users["manager"])
    html = _stage_page(client_as("participant"), world)
    assert "What members said" in html
    assert "You did not answer for this stage." in html
    assert 'name="rung"' not in html


def test_ladder_comments_are_shown_without_names_once_enough_have_answered(world, client_as):
    services.ladder_answer_save(
        stage=world.stages[0],
        membership=world.memberships["facilitator"],
        rung=6,
        comment="We <b>planned</b> it together.\nMostly.",
    )
    _answer(world, "professional", 5)
    client = client_as("participant")
    client.post(_url(world, "stage_detail", pk=world.stages[0].pk), {"rung": "4"})
    assert "planned" not in _stage_page(client, world)  # not while answers are open
    _end_stage(world)
    html = _stage_page(client, world)
    results = html.split('id="ladder-results"')[1]
    assert "Why people chose their step" in results
    assert '<li class="prose">We &lt;b&gt;planned&lt;/b&gt; it together.\nMostly.</li>' in results
    assert "Fran Facilitator" not in results


def test_ladder_comments_wait_until_three_people_have_answered(world, client_as):
    services.ladder_answer_save(
        stage=world.stages[0], membership=world.memberships["facilitator"], rung=6, comment="Hi"
    )
    client = client_as("participant")
    client.post(_url(world, "stage_detail", pk=world.stages[0].pk), {"rung": "4"})
    _end_stage(world)
    html = _stage_page(client, world)
    assert "2 people answered. That is too few to show" in html
    assert "Hi" not in html.split('id="ladder-results"')[1]
    assert "<table" not in html.split('id="ladder-results"')[1]


def test_the_ladder_form_says_who_can_read_a_comment(world, client_as):
    html = _stage_page(client_as("participant"), world)
    assert "Members can read the comments, but not who wrote them" in html


def test_project_home_shows_the_balance_of_who_is_taking_part(world, client_as):
    _answer(world, "participant", 5)
    _answer(world, "facilitator", 6)
    html = client_as("professional").get(_url(world, "detail")).content.decode()
    assert (
        "3 members: 1 participant (people with lived experience, or carers) and 2 professionals."
        in html
    )
    assert "There are fewer participants than professionals." in html
    # How many have answered the current stage's ladder check: not per group
    # (here "1 of 1 participant" would say that Pat answered), and no total
    # below 3.
    assert "Fewer than 3 people have answered the ladder check so far." in html
    assert "(1 of 1 participant" not in html
    _answer(world, "professional", 4)
    html = client_as("professional").get(_url(world, "detail")).content.decode()
    assert "3 people have answered the ladder check so far." in html
    # Whose voices are heard in decisions comes from the decisions app.
    assert "Have proposed a decision" in html
    assert "Invite people" not in html


def test_project_home_offers_facilitators_the_invitations(world, client_as):
    html = client_as("facilitator").get(_url(world, "detail")).content.decode()
    invite_url = reverse("participants:invitations", kwargs={"slug": world.project.slug})
    assert f'<a href="{invite_url}">Invite people</a>' in html


def test_project_home_names_the_first_few_of_each_group(world, client_as):
    from tests.factories import UserFactory

    for index in range(13):
        services.membership_add(
            project=world.project,
            user=UserFactory(display_name=f"Zed {index:02}"),
            label="participant",
            actor=world.users["facilitator"],
        )
    html = client_as("participant").get(_url(world, "detail")).content.decode()
    assert "<h3>Participants: 14</h3>" in html
    assert "<li>Pat Participant</li>" in html
    assert "<li>Zed 10</li>" in html
    assert "<li>Zed 11</li>" not in html
    assert "And 2 more." in html
    assert "<h3>Professionals: 2</h3>" in html


def test_progress_is_stated_in_words(world, client_as):
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    html = client_as("participant").get(_url(world, "stages")).content.decode()
    assert "Stage 3 of 7: <strong>Ideas</strong>." in html
    assert "2 stages done, 4 still to come." in html
    assert '<progress max="7" value="3" aria-labelledby="progress-' in html


def test_a_second_press_of_remove_member_gives_a_message(world, client_as):
    client = client_as("facilitator")
    url = _url(world, "member_remove", pk=world.memberships["participant"].pk)
    assert client.post(url).status_code == FOUND
    response = client.post(url, follow=True)
    assert response.status_code == OK
    assert "Pat Participant is no longer a member of the project." in response.content.decode()
    facilitator_url = _url(world, "member_facilitator", pk=world.memberships["participant"].pk)
    response = client.post(facilitator_url, {"is_facilitator": "1"}, follow=True)
    assert "Pat Participant is no longer a member of the project." in response.content.decode()
    assert not Membership.objects.get(pk=world.memberships["participant"].pk).is_facilitator


def test_a_second_press_of_remove_stage_gives_a_message(world, client_as):
    client = client_as("facilitator")
    url = _url(world, "stage_remove", pk=world.stages[6].pk)
    assert client.post(url).status_code == FOUND
    response = client.post(url, follow=True)
    assert response.status_code == OK
    assert "That stage is not in the project any more." in response.content.decode()
    assert client.get(url).status_code == NOT_FOUND


@pytest.mark.parametrize("from_stage", ["other project", "abc", "999999"])
def test_a_forged_or_stale_stage_to_move_on_from_moves_nothing(world, client_as, from_stage):
    if from_stage == "other project":
        other = services.project_create(
            organisation=world.organisation, name="Other", summary="x", actor=world.users["manager"]
        )
        from_stage = other.stages.first().pk
    response = client_as("facilitator").post(
        _url(world, "stage_advance"), {"from_stage": from_stage}
    )
    assert response.status_code == OK
    html = response.content.decode()
    assert f"<title>Error: Move {world.project.name} to the next stage - Coproduce</title>" in html
    assert "This page was out of date." in html
    assert f'name="from_stage" value="{world.stages[0].pk}"' in html
    assert _current_position(world) == 0


@pytest.mark.parametrize(
    ("page", "data", "message"),
    [
        (
            "edit",
            {"name": "x" * 201, "summary": "s", "timezone": "Europe/London"},
            "The project name must be 200 characters or fewer",
        ),
        (
            "edit",
            {"name": "x", "summary": "s", "audience": "a" * 301, "timezone": "Europe/London"},
            "Keep “Who is it for?” to 300 characters or fewer",
        ),
        ("stage_add", {"name": "x" * 121}, "The stage name must be 120 characters or fewer"),
    ],
)
def test_too_long_input_gets_a_plain_message_and_is_kept(world, client_as, page, data, message):
    response = client_as("facilitator").post(_url(world, page), data)
    assert response.status_code == OK
    html = response.content.decode()
    assert message in html
    assert "x" * 120 in html or "a" * 300 in html


def test_people_who_left_are_not_counted_as_taking_part(world, client_as):
    _answer(world, "professional", 5)
    services.membership_leave(membership=world.memberships["professional"])
    html = client_as("participant").get(_url(world, "detail")).content.decode()
    # Their answer still counts (as it will in the results), so leaving
    # says nothing about whether they had answered.
    assert "Fewer than 3 people have answered the ladder check so far." in html
    assert "2 members: 1 participant" in html


@pytest.mark.parametrize("name", ["member_remove", "member_facilitator"])
def test_members_of_another_project_are_not_found(world, client_as, name):
    other = services.project_create(
        organisation=world.organisation, name="Other", summary="x", actor=world.users["manager"]
    )
    stranger = services.membership_add(
        project=other,
        user=world.users["outsider"],
        label="participant",
        actor=world.users["outsider"],
    )
    response = client_as("facilitator").post(
        _url(world, name, pk=stranger.pk), {"is_facilitator": "1"}
    )
    assert response.status_code == NOT_FOUND
    stranger.refresh_from_db()
    assert stranger.is_current
    assert not stranger.is_facilitator
