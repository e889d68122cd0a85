"""Anonymity holds in the admin dashboard for everyone, superusers included:
no list, filter (hand-typed query strings too), search, sort, column, change
page or history entry links a ladder answer, or a vote, to a member; and no
page shows a person's access needs or strengths."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from projects.admin_scoping import links_member_to_answer
from tests.roles import (
    ACCESS_NEEDS,
    ACCESS_NEEDS_WORDS,
    ADMIN_ROLES,
    SEES,
    client_for,
    two_organisations,
    visible,
)

ANSWERS = reverse("admin:projects_ladderanswer_changelist")
OUR_APPS = {"projects", "participants", "decisions"}


@pytest.fixture
def world(db):
    return two_organisations()


def _a(world):
    return world.organisations["A"]


# Hand-typed filters that would narrow answers or votes down to one member
# (or, on people, filter by access needs). Each value is taken from the world.
REFUSED = [
    ("ladderanswer", "membership", lambda a: a.participant.pk),
    ("ladderanswer", "membership__exact", lambda a: a.participant.pk),
    ("ladderanswer", "membership__id", lambda a: a.participant.pk),
    ("ladderanswer", "membership__id__exact", lambda a: a.participant.pk),
    ("ladderanswer", "membership_id", lambda a: a.participant.pk),
    ("ladderanswer", "membership__in", lambda a: a.participant.pk),
    ("ladderanswer", "membership__user", lambda a: a.participant.user.pk),
    ("ladderanswer", "membership__user__email", lambda a: a.participant.user.email),
    ("ladderanswer", "membership__user__display_name__icontains", lambda a: "Pat"),
    ("ladderanswer", "membership__label", lambda a: "participant"),
    ("ladderanswer", "stage__ladder_answers__membership", lambda a: a.participant.pk),
    ("membership", "ladder_answers", lambda a: a.answer.pk),
    ("membership", "ladder_answers__id", lambda a: a.answer.pk),
    ("membership", "ladder_answers__rung", lambda a: 5),
    ("membership", "ladder_answers__isnull", lambda a: "False"),
    ("membership", "votes", lambda a: a.vote.pk),
    ("membership", "votes__choice", lambda a: "block"),
    ("membership", "votes__option", lambda a: 1),
    ("membership", "votes__decision", lambda a: a.anonymous.pk),
    ("user", "memberships__ladder_answers", lambda a: a.answer.pk),
    ("user", "memberships__ladder_answers__rung", lambda a: 5),
    ("user", "memberships__votes__choice", lambda a: "block"),
    ("user", "access_needs__icontains", lambda a: "bsl"),
    ("user", "access_needs_other__icontains", lambda a: "low light"),
    ("user", "strengths__icontains", lambda a: "murals"),
    ("decision", "votes", lambda a: a.vote.pk),
    ("decision", "votes__choice", lambda a: "block"),
    ("decision", "votes__member", lambda a: a.participant.pk),
    ("decision", "votes__member__user", lambda a: a.participant.user.pk),
    ("decision", "votes__option", lambda a: 1),
    ("decision", "options__votes__member", lambda a: a.participant.pk),
    ("comment", "decision__votes__member", lambda a: a.participant.pk),
    ("stage", "ladder_answers__rung", lambda a: 5),
    ("stage", "ladder_answers__membership", lambda a: a.participant.pk),
    ("project", "memberships__ladder_answers__rung", lambda a: 5),
]
APPS = {
    "ladderanswer": "projects",
    "membership": "projects",
    "stage": "projects",
    "project": "projects",
    "user": "participants",
    "decision": "decisions",
    "comment": "decisions",
}


@pytest.mark.parametrize(("model", "lookup", "value"), REFUSED, ids=[r[1] for r in REFUSED])
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_filters_that_would_link_an_answer_to_a_member_are_refused(
    world, role, model, lookup, value
):
    changelist = reverse(f"admin:{APPS[model]}_{model}_changelist")
    response = client_for(world.people[role]).get(changelist, {lookup: value(_a(world))})
    # Django answers a refused lookup (DisallowedModelAdminLookup) with 400
    # Bad Request, so the list never narrows. Staff who manage nothing are
    # refused the list before that.
    expected = HTTPStatus.BAD_REQUEST if SEES[role] else HTTPStatus.FORBIDDEN
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["manager_of_a", "superuser"])
def test_a_filter_through_a_name_that_is_not_a_relation_is_ignored(world, role):
    # "vote" is not the name of the relation (it is "votes"): Django lets the
    # lookup through and then cannot apply it, so it shows its "invalid
    # filter" redirect (?e=1), and no list of decisions at all.
    changelist = reverse("admin:decisions_decision_changelist")
    response = client_for(world.people[role]).get(
        changelist, {"vote__member": _a(world).participant.pk}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("role", ["manager_of_a", "manager_of_both", "superuser"])
def test_the_filters_an_admin_offers_still_work(world, role):
    client = client_for(world.people[role])
    a = _a(world)
    response = client.get(ANSWERS, {"rung": 5, "stage__project__id__exact": a.project.pk})
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["cl"].result_list) == [a.answer]


def _paths(model_admin):
    """Every lookup path an admin list uses: sortable columns, its order,
    filters, search fields and date drill-down."""
    for name in model_admin.list_display:
        attribute = getattr(model_admin, name, None)
        yield getattr(attribute, "admin_order_field", None) or name
    yield from (field.lstrip("-") for field in model_admin.ordering or [])
    for item in model_admin.list_filter:
        yield item[0] if isinstance(item, (list, tuple)) else item
    yield from (field.lstrip("^=@") for field in model_admin.search_fields)
    if model_admin.date_hierarchy:
        yield model_admin.date_hierarchy


def test_no_column_sort_filter_or_search_goes_through_whose_answer_it_is():
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        for path in _paths(model_admin):
            if isinstance(path, str):
                assert not links_member_to_answer(model, path), (model, path)
                checked += 1
    assert checked > 50


def test_the_rule_itself():
    from decisions.models import Decision, Vote
    from participants.models import User
    from projects.models import LadderAnswer, Membership

    assert links_member_to_answer(LadderAnswer, "membership__user__email")
    assert links_member_to_answer(Membership, "ladder_answers")
    assert links_member_to_answer(Decision, "votes__choice")
    assert links_member_to_answer(User, "memberships__votes")
    assert links_member_to_answer(Vote, "member")
    assert not links_member_to_answer(LadderAnswer, "stage__project__name")
    assert not links_member_to_answer(LadderAnswer, "rung")
    assert not links_member_to_answer(Membership, "user__display_name")


@pytest.mark.parametrize("role", ["manager_of_a", "manager_of_both", "superuser"])
def test_sorting_and_searching_the_answers_never_narrows_them_to_a_member(world, role):
    client = client_for(world.people[role])
    everyone = visible(world, role, "projects.ladderanswer")
    columns = len(client.get(ANSWERS).context["cl"].list_display)
    for order in [*range(columns), *(f"-{n}" for n in range(columns))]:
        response = client.get(ANSWERS, {"o": order})
        assert set(response.context["cl"].result_list) == everyone
        html = response.content.decode()
        for organisation in world.organisations.values():
            assert organisation.participant.user.display_name not in html
    # There is no search box; a name in ?q= changes nothing.
    name = _a(world).participant.user.display_name
    response = client.get(ANSWERS, {"q": name})
    assert set(response.context["cl"].result_list) == everyone
    assert name not in response.content.decode()


@pytest.mark.parametrize("role", ["manager_of_a", "manager_of_both", "superuser"])
def test_change_and_history_pages_never_put_a_member_next_to_an_answer(world, role):
    client = client_for(world.people[role])
    a = _a(world)
    member = a.participant.user
    for page in (
        reverse("admin:projects_ladderanswer_change", args=[a.answer.pk]),
        reverse("admin:projects_ladderanswer_history", args=[a.answer.pk]),
    ):
        html = client.get(page).content.decode()
        assert member.display_name not in html
        assert member.email not in html
    for page in (
        reverse("admin:projects_membership_change", args=[a.participant.pk]),
        reverse("admin:projects_membership_history", args=[a.participant.pk]),
        reverse("admin:participants_user_change", args=[member.pk]),
        reverse("admin:participants_user_history", args=[member.pk]),
    ):
        html = client.get(page).content.decode()
        assert "Rung" not in html
        assert "Co-design" not in html
    # An anonymous decision shows who voted, never how or why.
    html = client.get(
        reverse("admin:decisions_decision_change", args=[a.anonymous.pk])
    ).content.decode()
    assert a.vote.reason not in html


def test_the_admin_log_has_no_page_of_its_own():
    # Its entries are only seen on each object's History page.
    assert not admin.site.is_registered(LogEntry)


@pytest.mark.parametrize("role", ["manager_of_a", "manager_of_both", "superuser"])
def test_no_page_shows_access_needs_or_strengths(world, role):
    client = client_for(world.people[role])
    member = _a(world).participant.user
    pages = [
        reverse("admin:participants_user_change", args=[member.pk]),
        reverse("admin:participants_user_changelist"),
        reverse("admin:participants_user_history", args=[member.pk]),
        reverse("admin:projects_membership_change", args=[_a(world).participant.pk]),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        for words in [*ACCESS_NEEDS_WORDS, "access needs", "Access needs", "strengths"]:
            assert words not in html, (page, words)
    for words in ("low light", "murals", "bsl"):
        response = client.get(reverse("admin:participants_user_changelist"), {"q": words})
        assert list(response.context["cl"].result_list) == []


def test_a_superuser_changing_a_person_leaves_their_access_needs_alone(world):
    client = client_for(world.people["superuser"])
    member = _a(world).participant.user
    data = {
        "email": member.email,
        "display_name": "Pat Renamed",
        "is_active": "on",
        "text_size": member.text_size,
        "contrast": member.contrast,
        "reminder_format": member.reminder_format,
        "reminder_timing": member.reminder_timing,
        "digest_time": "09:00",
        "digest_weekday": 0,
        "timezone": member.timezone,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    change = reverse("admin:participants_user_change", args=[member.pk])
    assert client.post(change, data).status_code == HTTPStatus.FOUND
    member.refresh_from_db()
    assert member.display_name == "Pat Renamed"
    assert member.access_needs == ACCESS_NEEDS
    assert member.strengths == "paints murals"
    history = client.get(reverse("admin:participants_user_history", args=[member.pk]))
    html = history.content.decode()
    assert "Changed" in html
    for words in ACCESS_NEEDS_WORDS:
        assert words not in html
