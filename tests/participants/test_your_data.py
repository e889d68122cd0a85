""" "Your data": the page and the JSON download, for every kind of person,
with what they show (everything about the member, nothing about anyone
else) and what they cost (a fixed number of queries at two sizes)."""

import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from participants.accounts import data
from participants.accounts.signins import browser_in_words
from participants.models import SignIn
from tests.factories import OrganisationFactory, UserFactory
from tests.participants.account_helpers import page
from tests.participants.rights_world import FIREFOX, build
from tests.roles import sign_in

PAGE = reverse("participants:your_data")
DOWNLOAD = reverse("participants:your_data_download")


@pytest.fixture
def world(db):
    return build(count=2)


def download(client) -> dict:
    response = client.get(DOWNLOAD)
    assert response.status_code == HTTPStatus.OK
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize("address", [PAGE, DOWNLOAD])
def test_signed_out_visitors_are_asked_to_sign_in(client, db, address):
    response = client.get(address)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next={address}"


@pytest.mark.parametrize("address", [PAGE, DOWNLOAD])
def test_the_pages_only_read(client, world, address):
    sign_in(client, world.me.user)
    assert client.post(address).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_the_page_shows_the_members_own_data(client, world):
    sign_in(client, world.me.user)
    response = client.get(PAGE)
    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert "<title>Your data - Coproduce</title>" in html
    for words in [
        "Pat Paterson",
        "pat@example.org",
        "pat.work@example.org (not confirmed yet)",
        "British Sign Language (BSL) interpreter",
        "Something else: Pat needs a hearing loop too",
        "Pat is good at listening",
        "Pat phone 07700 900123",
        "Secret ballot",  # their vote in the anonymous decision, for them alone
        "Pat reason 0",
        "Pat comment 1",
        "Pat ladder comment",
        "Step 5: We have some say, but not an equal say (engaging)",
        "To join Northfield Library",
        "Pat.Work@example.org",
        "Firefox on Windows",
        "192.0.2.1",
        "Pat proposal 1",
        "Pat Paterson did thing 1",
        "Riverside Day Service",
    ]:
        assert words in html, words
    assert 'href="/account/your-data/download/"' in html
    assert f'href="{reverse("participants:account_delete")}"' in html


def test_a_member_never_sees_another_members_data(client, world):
    sign_in(client, world.me.user)
    html = page(client.get(PAGE))
    body = json.dumps(download(client))
    for text in (html, body):
        for words in [
            "Olu reason",
            "Olu comment",
            "Olu ladder comment",
            "Olu strengths",
            "Olu phone",
            "olu@example.org",
            "olu.home@example.org",
            "Step-free",
            "Olu proposal",
            "Olu Other did thing",
        ]:
            assert words not in text, words


def test_the_other_member_sees_only_their_own(client, world):
    sign_in(client, world.other.user)
    html = page(client.get(PAGE))
    assert "Olu reason 0" in html
    assert "Pat reason" not in html
    assert "Pat ladder comment" not in html


@pytest.mark.parametrize("kind", ["outsider", "manager", "staff"])
def test_people_in_no_project_see_only_their_account(client, world, kind):
    person = world.outsider
    if kind == "manager":
        OrganisationFactory(name="Riverside Council").managers.add(person)
    if kind == "staff":
        person.is_staff = True
        person.save()
    sign_in(client, person)
    html = page(client.get(PAGE))
    assert "Olly Outside" in html
    assert "Pat" not in html
    assert "Olu" not in html
    if kind == "manager":
        assert "Riverside Council" in html
    got = download(client)
    assert got["account"]["name"] == "Olly Outside"
    assert got["votes"] == []
    assert got["comments"] == []
    assert got["memberships"] == []


def test_long_lists_show_the_newest_and_point_to_the_download(client, db):
    world = build(count=data.LATEST + 2)
    sign_in(client, world.me.user)
    html = page(client.get(PAGE))
    assert f"{data.LATEST + 2} comments in all. These are the newest {data.LATEST}." in html
    assert "The download has all of them." in html
    assert f"Pat comment {data.LATEST + 1}" in html  # the newest
    assert "Pat comment 0<" not in html  # the oldest is only in the download
    comments = [item["comment"] for item in download(client)["comments"]]
    assert comments == [f"Pat comment {i}" for i in reversed(range(data.LATEST + 2))]


def test_an_empty_list_says_none(client, world):
    sign_in(client, world.outsider)
    html = page(client.get(PAGE))
    assert '<h2 id="votes">Your votes</h2>' in html
    assert "<p>None.</p>" in html


def test_the_download_is_a_json_attachment_with_stable_keys_and_iso_dates(client, world):
    sign_in(client, world.me.user)
    response = client.get(DOWNLOAD)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="coproduce-your-data-')
    assert response["Content-Disposition"].endswith('.json"')
    got = json.loads(b"".join(response.streaming_content))
    assert list(got) == ["about", "account", *(section.key for section in data.SECTIONS)]
    assert list(got) == [
        "about",
        "account",
        "memberships",
        "proposals",
        "votes",
        "comments",
        "ladder_answers",
        "time_given",
        "claims",
        "invitations",
        "reminders",
        "sign_ins",
        "activity",
    ]
    account = got["account"]
    assert account["name"] == "Pat Paterson"
    assert account["access_needs"] == ["bsl", "other"]
    assert account["contact_details"] == "Pat phone 07700 900123"
    assert [a["email"] for a in account["email_addresses"]] == [
        "pat@example.org",
        "pat.work@example.org",
    ]
    assert account["joined_coproduce_at"].endswith("+00:00")
    (secret,) = [vote for vote in got["votes"] if vote["decision"] == "Secret ballot"]
    assert secret["anonymous_decision"] is True
    assert secret["choice"] == "disagree"
    assert secret["reason"] == "Pat reason 0"
    assert secret["voted_at"].endswith("+00:00")
    assert got["ladder_answers"][0]["step"] == 5
    assert "rung" not in json.dumps(got)
    (invitation,) = got["invitations"]
    assert invitation["project"] == "Northfield Library"
    assert invitation["invited_by"] == "Sam Okafor"
    assert {s["internet_address"] for s in got["sign_ins"]} >= {"192.0.2.1", "192.0.2.2"}
    assert len(got["reminders"]) == 2
    assert got["memberships"][0]["counted_as"] == "participant"
    assert got["time_given"][0]["minutes"] == 90
    assert got["time_given"][0]["note"].startswith("Pat meeting note")
    # Money as text, exactly as stored: no float on the way.
    claim = got["claims"][0]
    assert (claim["for_time"], claim["travel_costs"], claim["amount"]) == ("15.10", "0.20", "15.30")
    assert claim["how_words"] == "A voucher"


def _page_and_download(client):
    response = client.get(PAGE)
    assert response.status_code == HTTPStatus.OK
    body = b"".join(client.get(DOWNLOAD).streaming_content)
    return json.loads(body)


@pytest.mark.parametrize("count", [2, 40])
def test_the_page_and_the_download_use_a_fixed_number_of_queries(
    client, db, count, django_assert_max_num_queries
):
    world = build(count=count)
    sign_in(client, world.me.user)
    client.get(PAGE)  # sessions and caches warmed the same at both sizes
    with django_assert_max_num_queries(2 * len(data.SECTIONS) + 8):
        client.get(PAGE)
    with django_assert_max_num_queries(len(data.SECTIONS) + 7):
        got = download(client)
    assert len(got["comments"]) == count


def test_every_sign_in_is_recorded_with_the_browser_and_address(client, db):
    person = UserFactory(email="aisha@example.org")
    response = client.post(
        reverse("account_login"),
        {"login": "aisha@example.org", "password": "a long enough password"},
        HTTP_USER_AGENT=FIREFOX,
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == HTTPStatus.FOUND
    (record,) = SignIn.objects.filter(user=person)
    assert record.ip_address == "198.51.100.7"
    assert record.user_agent == FIREFOX
    html = page(client.get(PAGE))
    assert "198.51.100.7" in html
    assert "Firefox on Windows" in html


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (FIREFOX, "Firefox on Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on an iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Microsoft Edge on Windows",
        ),
        ("curl/8.5.0", "A browser we do not recognise"),
        ("", "A browser we do not recognise"),
    ],
)
def test_a_browser_in_words(user_agent, words):
    assert browser_in_words(user_agent) == words


def test_your_account_links_to_your_data_and_deleting_it(client, world):
    sign_in(client, world.me.user)
    html = page(client.get(reverse("participants:account")))
    assert f'<a href="{PAGE}">Your data</a>' in html
    assert f'<a href="{reverse("participants:account_delete")}">Delete your account</a>' in html
    assert f'<a href="{reverse("privacy")}">' in html
