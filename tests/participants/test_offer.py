"""What members offer (issue 14): pronouns and about me, strengths and
skills, languages and how they like to be contacted, each part shown to the
members of their projects or only to the facilitators (private unless they
choose otherwise); a member's page in a project and the short line on the
members list; facilitators finding members by a strength; and the new
answers in "Your data" and erased with the account."""

import html
import json
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from participants.accounts.services import account_delete
from participants.models import User
from tests.factories import MembershipFactory, UserFactory, bulk_members
from tests.roles import ROLES, client_for, role_world

PAT = {
    "display_name": "Pat Participant",
    "pronouns": "she/her",
    "about_me": "I use the day centre on Tuesdays.",
    "about_visibility": "members",
    "strength_tags": ["lived_experience", "art"],
    "strengths": "Drawing posters",
    "strengths_visibility": "facilitators",
    "languages": "English and Polish",
    "languages_visibility": "members",
    "contact_preference": "text_message",
    "contact_details": "Text 07700 900123",
    "contact_visibility": "facilitators",
    "findable_by_strength": True,
}


@pytest.fixture
def world(db):
    return role_world(
        participant=PAT,
        professional={"display_name": "Priya"},
        facilitator={"display_name": "Sam Okafor"},
        manager={"display_name": "Helen Manager"},
        outsider={"display_name": "Olly Outside"},
    )


def about_url(world, role="participant") -> str:
    return reverse(
        "participants:member_about",
        kwargs={"slug": world.project.slug, "pk": world.memberships[role].pk},
    )


def members_url(world, **query) -> str:
    url = reverse("projects:members", kwargs={"slug": world.project.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def text(response) -> str:
    return html.unescape(response.content.decode())


SHARED = ["she/her", "I use the day centre on Tuesdays.", "English and Polish"]
PRIVATE = ["Drawing posters", "Lived experience of the service", "Text message", "07700 900123"]

# Who sees Pat's page, and what of it: everything (Pat, a facilitator), the
# parts shared with members (another member), or nothing (404).
ABOUT_PAT = {
    "signed_out": None,
    "outsider": None,
    "participant": "everything",  # Pat herself
    "professional": "shared",  # another member
    "facilitator": "everything",
    "manager": None,  # a project manager who is not a member
    "staff": None,
}


@pytest.mark.parametrize("role", ROLES)
def test_a_members_page_for_every_role(world, role):
    response = client_for(world.users[role]).get(about_url(world))
    page = text(response)
    seen = ABOUT_PAT[role]
    if seen is None:
        assert response.status_code == HTTPStatus.NOT_FOUND
        for words in SHARED + PRIVATE:
            assert words not in page
        return
    assert response.status_code == HTTPStatus.OK
    assert "<h1>About Pat Participant</h1>" in page
    for words in SHARED:
        assert words in page, words
    for words in PRIVATE:
        assert (words in page) == (seen == "everything"), words


def test_a_member_never_sees_a_part_set_to_facilitators_only(world):
    User.objects.filter(pk=world.users["participant"].pk).update(
        about_visibility="facilitators", languages_visibility="facilitators"
    )
    page = text(client_for(world.users["professional"]).get(about_url(world)))
    for words in SHARED + PRIVATE:
        assert words not in page
    assert "Pat Participant has not shared anything about themselves with you yet." in page


def test_a_part_shared_with_members_is_shown_to_them(world):
    User.objects.filter(pk=world.users["participant"].pk).update(
        strengths_visibility="members", contact_visibility="members"
    )
    page = text(client_for(world.users["professional"]).get(about_url(world)))
    for words in SHARED + PRIVATE:
        assert words in page, words


def test_someone_who_left_has_no_page(world):
    membership = world.memberships["participant"]
    membership.left_at = membership.joined_at
    membership.save()
    response = client_for(world.users["facilitator"]).get(about_url(world))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_member_of_another_project_gets_404(world):
    elsewhere = MembershipFactory(user__display_name="Other project").user
    response = client_for(elsewhere).get(about_url(world))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_nothing_typed_is_shown_as_html(world):
    User.objects.filter(pk=world.users["participant"].pk).update(
        pronouns="<b>she</b>", about_me="<script>alert(1)</script>"
    )
    page = client_for(world.users["professional"]).get(about_url(world)).content.decode()
    assert "<b>she" not in page
    assert "<script>alert" not in page
    assert "&lt;b&gt;she&lt;/b&gt;" in page


# --- the members list -------------------------------------------------------------


def _pat_row(page: str) -> str:
    return page.split("Pat Participant</a>")[1].split("</th>")[0]


@pytest.mark.parametrize(
    ("role", "line"),
    [
        ("participant", "she/her. Offers: Lived experience of the service, Art, drawing or design"),
        ("facilitator", "she/her. Offers: Lived experience of the service, Art, drawing or design"),
        ("professional", "she/her"),
    ],
)
def test_the_members_list_says_what_each_viewer_may_see_under_the_name(world, role, line):
    page = text(client_for(world.users[role]).get(members_url(world)))
    assert about_url(world) in page
    row = _pat_row(page)
    assert f'<span class="secondary-text">{line}</span>' in row


def test_a_manager_who_is_not_a_member_sees_names_only(world):
    page = text(client_for(world.users["manager"]).get(members_url(world)))
    assert "Pat Participant" in page
    assert "she/her" not in page
    assert "Offers:" not in page
    assert about_url(world) not in page


# --- finding members by strength ---------------------------------------------------


@pytest.fixture
def offering(world):
    """Three more members who offer art: one lets facilitators find them by
    it, one does not, one offers writing instead."""
    project = world.project
    MembershipFactory(
        project=project,
        user__display_name="Ari Findable",
        user__strength_tags=["art"],
        user__findable_by_strength=True,
    )
    MembershipFactory(
        project=project,
        user__display_name="Bo Hidden",
        user__strength_tags=["art"],
        user__findable_by_strength=False,
    )
    MembershipFactory(
        project=project,
        user__display_name="Cy Writer",
        user__strength_tags=["writing"],
        user__findable_by_strength=True,
    )
    return world


def test_facilitators_find_members_who_chose_to_be_found(offering):
    response = client_for(offering.users["facilitator"]).get(members_url(offering, strength="art"))
    page = text(response)
    assert response.status_code == HTTPStatus.OK
    assert '<h2 id="strength-title" class="heading-s">Find members by strength</h2>' in page
    assert "Members who offer art, drawing or design: 2" in page
    listed = page.split('id="members-list"')[1]
    assert "Ari Findable" in listed
    assert "Pat Participant" in listed
    assert "Bo Hidden" not in listed
    assert "Cy Writer" not in listed
    assert '<option value="art" selected>' in page


@pytest.mark.parametrize("role", ["participant", "professional", "manager"])
def test_only_facilitators_can_find_by_strength(offering, role):
    page = text(client_for(offering.users[role]).get(members_url(offering, strength="art")))
    assert "Find members by strength" not in page
    listed = page.split('id="members-list"')[1]
    assert "Bo Hidden" in listed  # the filter is not applied
    assert "Cy Writer" in listed


def test_a_strength_that_is_not_on_the_list_is_explained(offering):
    response = client_for(offering.users["facilitator"]).get(
        members_url(offering, strength="juggling")
    )
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "Choose a strength from the list" in page
    assert "Bo Hidden" in page.split('id="members-list"')[1]


def test_finding_by_strength_is_paged(world, settings):
    settings.COPRODUCE_PAGE_SIZE = 5
    for index in range(12):
        MembershipFactory(
            project=world.project,
            user__display_name=f"Artist {index:02}",
            user__strength_tags=["art"],
            user__findable_by_strength=True,
        )
    client = client_for(world.users["facilitator"])
    page = text(client.get(members_url(world, strength="art")))
    assert "Members who offer art, drawing or design: 13" in page
    assert "Showing members 1 to 5 of 13" in page
    assert "?strength=art&page=2" in page
    page = text(client.get(members_url(world, strength="art", page=3)))
    assert "Showing members 11 to 13 of 13" in page


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("role", ["facilitator", "professional"])
def test_the_members_pages_take_the_same_queries_at_any_size(
    world, role, size, django_assert_max_num_queries
):
    bulk_members(world.project, size)
    User.objects.filter(display_name__startswith="Member").update(
        strength_tags=["art"], findable_by_strength=True, strengths_visibility="members"
    )
    client = Client()
    client.force_login(world.users[role])
    with django_assert_max_num_queries(8):
        assert client.get(members_url(world, strength="art")).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(8):
        assert client.get(members_url(world)).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(7):
        assert client.get(about_url(world)).status_code == HTTPStatus.OK


# --- Your data, and deleting the account --------------------------------------------


def test_your_data_holds_every_new_answer(world):
    pat = world.users["participant"]
    User.objects.filter(pk=pat.pk).update(thank_by_name=False)
    response = client_for(pat).get(reverse("participants:your_data_download"))
    account = json.loads(b"".join(response.streaming_content))["account"]
    assert account["pronouns"] == "she/her"
    assert account["about_me"] == "I use the day centre on Tuesdays."
    assert account["about_me_seen_by"] == "Members of my projects"
    assert account["strengths_offered"] == ["lived_experience", "art"]
    assert account["strengths_offered_words"] == [
        "Lived experience of the service",
        "Art, drawing or design",
    ]
    assert account["strengths_seen_by"] == "Only the facilitators of my projects"
    assert account["languages"] == "English and Polish"
    assert account["contact_preference"] == "text_message"
    assert account["contact_preference_words"] == "Text message"
    assert account["facilitators_may_find_you_by_strengths"] is True
    assert account["thanked_by_name"] is False
    page = text(client_for(pat).get(reverse("participants:your_data")))
    assert "English and Polish" in page
    assert "Lived experience of the service, Art, drawing or design" in page


def test_deleting_the_account_erases_every_new_answer(world):
    pat = world.users["participant"]
    account_delete(user=pat, actor=pat)
    pat = User.objects.get(pk=pat.pk)
    assert pat.pronouns == ""
    assert pat.about_me == ""
    assert pat.strength_tags == []
    assert pat.languages == ""
    assert pat.contact_preference == ""
    assert pat.findable_by_strength is False
    for part in ("about", "strengths", "languages", "contact"):
        assert getattr(pat, f"{part}_visibility") == "facilitators"


def test_a_new_account_shares_nothing_with_members(db):
    person = UserFactory(pronouns="he/him", strength_tags=["art"])
    project_member = MembershipFactory(user=person)
    other = MembershipFactory(project=project_member.project).user
    url = reverse(
        "participants:member_about",
        kwargs={"slug": project_member.project.slug, "pk": project_member.pk},
    )
    page = text(client_for(other).get(url))
    assert "he/him" not in page
    assert "Art, drawing or design" not in page
