"""A facilitator's view of a member's access needs, and the pages reached
from links in emails (change or stop emails), for every role. Your profile
itself: test_profile.py."""

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participants.mail import links
from tests.factories import bulk_members
from tests.roles import ROLES, client_for, role_world


@pytest.fixture
def world(db):
    return role_world(
        participant={
            "display_name": "Pat Participant",
            "access_needs": ["bsl", "other"],
            "access_needs_other": "Meetings before 2pm, please",
            "strengths": "Good at listening.\nKnows the bus routes.",
        },
        professional={"display_name": "Priya"},
        facilitator={"display_name": "Sam Okafor"},
        manager={"display_name": "Helen Manager"},
        outsider={"display_name": "Olly Outside"},
        staff={"display_name": "Stella Staff"},
    )


# --- a member's access needs, for facilitators ---------------------------------------


ACCESS_NEEDS_STATUS = {
    "signed_out": HTTPStatus.NOT_FOUND,
    "outsider": HTTPStatus.NOT_FOUND,
    "participant": HTTPStatus.OK,  # their own
    "professional": HTTPStatus.NOT_FOUND,
    "facilitator": HTTPStatus.OK,
    "manager": HTTPStatus.NOT_FOUND,  # a project manager is not a facilitator here
    "staff": HTTPStatus.NOT_FOUND,
}


@pytest.mark.parametrize("role", ROLES)
def test_access_needs_are_seen_only_by_facilitators_and_the_member(world, role):
    url = reverse(
        "participants:member_access_needs",
        kwargs={"slug": world.project.slug, "pk": world.memberships["participant"].pk},
    )
    response = client_for(world.users[role]).get(url)
    assert response.status_code == ACCESS_NEEDS_STATUS[role]
    html = response.content.decode()
    if response.status_code == HTTPStatus.OK:
        assert "British Sign Language (BSL) interpreter" in html
        assert "Meetings before 2pm, please" in html
        assert "Knows the bus routes." in html
    else:
        assert "Meetings before 2pm" not in html
        assert "Pat Participant" not in html


@pytest.mark.parametrize("size", [5, 200])
def test_the_access_needs_page_takes_the_same_queries_at_any_size(
    size, world, django_assert_max_num_queries
):
    bulk_members(world.project, size)
    url = reverse(
        "participants:member_access_needs",
        kwargs={"slug": world.project.slug, "pk": world.memberships["participant"].pk},
    )
    client = client_for(world.users["facilitator"])
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == HTTPStatus.OK


# --- links in emails ---------------------------------------------------------------


def test_the_preferences_link_works_without_signing_in(world, client):
    person = world.users["participant"]
    url = links.preferences_url(person).removeprefix("https://coproduce.example.org")
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert "Change or stop your emails" in page.content.decode()
    assert "Meetings before 2pm" not in page.content.decode()  # never access needs
    data = {
        "wanted": ["result"],
        "reminder_format": "plain_text",
        "reminder_timing": "weekly",
        "digest_time": "10:00",
        "digest_weekday": "0",
        "timezone": "Europe/London",
    }
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    person.refresh_from_db()
    assert person.reminder_format == "plain_text"
    assert "new_decision" in person.reminders_turned_off
    assert "result" not in person.reminders_turned_off


def test_bad_preferences_input_is_explained(world, client):
    url = links.preferences_url(world.users["participant"]).removeprefix(
        "https://coproduce.example.org"
    )
    response = client.post(url, {"reminder_format": "glitter"})
    assert response.status_code == HTTPStatus.OK
    assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps({"u": 1}, salt="some.other.salt"),
        signing.dumps({"u": 10**9}, salt=links.PREFERENCES_SALT),
        signing.dumps([1, 2], salt=links.PREFERENCES_SALT),
    ],
)
def test_forged_or_unknown_preferences_links_get_a_plain_page(db, client, token):
    response = client.get(reverse("participants:email_preferences", args=[token]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This link does not work" in response.content.decode()


def test_an_old_preferences_link_says_it_is_too_old(world, client):
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        token = links.preferences_token(world.users["participant"])
    response = client.get(reverse("participants:email_preferences", args=[token]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This link is too old" in response.content.decode()


def stop_path(user, kind):
    return links.stop_url(user, kind).removeprefix("https://coproduce.example.org")


def test_one_click_stop(world):
    """RFC 8058: a POST with no cookies and no CSRF token, answered 200 with
    no redirect, 200 again when repeated; opening the link changes nothing."""
    person = world.users["participant"]
    path = stop_path(person, "closing_soon")
    mail_software = Client(enforce_csrf_checks=True)
    page = mail_software.get(path)
    assert page.status_code == HTTPStatus.OK
    assert 'data-crawl="skip"' in page.content.decode()
    person.refresh_from_db()
    assert person.reminders_turned_off == []
    first = mail_software.post(path, {"List-Unsubscribe": "One-Click"})
    assert first.status_code == HTTPStatus.OK
    assert "Emails stopped" in first.content.decode()
    person.refresh_from_db()
    assert person.reminders_turned_off == ["closing_soon"]
    again = mail_software.post(path, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == HTTPStatus.OK
    assert not mail_software.cookies.get("sessionid")


def test_one_click_stop_of_a_digest_stops_every_reminder(world):
    person = world.users["participant"]
    Client(enforce_csrf_checks=True).post(stop_path(person, links.STOP_ALL))
    person.refresh_from_db()
    assert set(person.reminders_turned_off) == {
        "new_decision",
        "closing_soon",
        "result",
        "stage",
        "project_finished",
        "vote_recorded",
    }


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps({"u": 1, "k": "stage"}, salt="some.other.salt"),
        signing.dumps({"u": 1, "k": "invitation"}, salt=links.STOP_SALT),
        signing.dumps({"i": "not-a-uuid"}, salt=links.STOP_SALT),
    ],
)
def test_one_click_stop_with_a_bad_token_is_404(db, token):
    response = Client(enforce_csrf_checks=True).post(
        reverse("participants:email_stop", args=[token])
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This link does not work" in response.content.decode()
