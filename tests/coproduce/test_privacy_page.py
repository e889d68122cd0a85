"""The privacy notice: filled from the settings, the same for everyone, and
linked from every page's footer and from the sign-up page."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from coproduce.views import days_in_words
from tests.factories import UserFactory
from tests.roles import sign_in

PRIVACY = reverse("privacy")


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_privacy_notice_says_who_what_how_long_and_who_sees_it(client, db, settings, signed_in):
    settings.COPRODUCE_SITE_OPERATOR = "Riverside Council"
    settings.COPRODUCE_PRIVACY_CONTACT_EMAIL = "privacy@riverside.example.org"
    settings.COPRODUCE_ACCESSIBILITY_CONTACT_PHONE = "0161 496 0000"
    settings.COPRODUCE_KEEP_SIGN_INS_DAYS = 30
    settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS = 730
    if signed_in:
        sign_in(client, UserFactory())
    response = client.get(PRIVACY)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<title>Privacy - Coproduce</title>" in html
    assert "It is run by" not in html
    for words in [
        "This Coproduce site is run by Riverside Council.",
        '<a href="mailto:privacy@riverside.example.org">privacy@riverside.example.org</a>',
        '<a href="tel:01614960000">0161 496 0000</a>',
        "Sign-ins: 30 days. Then we delete them.",
        "Records of reminder emails: 2 years after we send them.",
        "We never delete a reminder that is still waiting to be sent.",
        "In an anonymous decision, they see who has voted, but only the number of votes each way.",
        "Only the facilitators of your projects see your access needs",
        'href="https://ico.org.uk/make-a-complaint/"',
        f'<a href="{reverse("participants:your_data")}">Your data</a>',
        f'<a href="{reverse("participants:account_delete")}">delete your account</a>',
    ]:
        assert words in html, words


def test_without_a_phone_number_only_the_email_shows(client, db, settings):
    settings.COPRODUCE_ACCESSIBILITY_CONTACT_PHONE = ""
    html = client.get(PRIVACY).content.decode()
    assert "tel:" not in html
    assert "mailto:" in html


def test_the_privacy_notice_only_reads(client, db):
    assert client.post(PRIVACY).status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize(
    "address", [reverse("account_login"), reverse("accessibility"), reverse("account_signup")]
)
def test_every_page_links_to_the_privacy_notice_in_its_footer(client, db, address):
    html = client.get(address).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert f'<li><a href="{PRIVACY}">Privacy</a></li>' in footer


def test_the_sign_up_page_says_how_information_is_looked_after(client, db):
    html = client.get(reverse("account_signup")).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert f'<a href="{PRIVACY}">how Coproduce looks after your information</a>' in main


@pytest.mark.parametrize(
    ("days", "words"),
    [(1, "1 day"), (90, "90 days"), (365, "1 year"), (730, "2 years"), (400, "400 days")],
)
def test_days_in_words(days, words):
    assert days_in_words(days) == words
