"""Accounts: signing up, signing in (by emailed code or password), password
reset, signing out, managing email addresses, "Your account", and allauth's
rate limits. Driven through the test client and the mail outbox, as a person
would use them."""

import re
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path

import allauth
import pytest
import time_machine
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from participants.models import User
from participants.services import display_name_change
from projects.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PASSWORD = "a long enough password"  # noqa: S105 (the factories' test password)
NEW_PASSWORD = "purple giraffe dancing"  # noqa: S105
CODE = re.compile(r"\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b")
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


# Helpers -------------------------------------------------------------------


def signed_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def last_email_to(address):
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, f"no email to {address}"
    return messages[-1]


def path_in_email(message, prefix):
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s]*/)", message.body)
    assert match, f"no {prefix} link in: {message.body}"
    return match.group(1)


def code_in_email(message):
    match = CODE.search(message.body)
    assert match, f"no sign-in code in: {message.body}"
    return match.group(0)


def page(response):
    return response.content.decode()


def assert_in_shell(response, title):
    html = page(response)
    assert '<html lang="en-GB"' in html
    assert '<a href="#main-content" class="skip-link">' in html
    assert '<main id="main-content"' in html
    assert html.count("<h1") == 1
    assert f"<title>{title} - Coproduce</title>" in html


def assert_error_page(response, title, *errors):
    """Our error pattern: the same page, "Error:" in the title, the summary."""
    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert f"<title>Error: {title} - Coproduce</title>" in html
    assert 'class="error-summary"' in html
    assert "There is a problem" in html
    for error in errors:
        assert error in html


def ask_for_code(client, email):
    return client.post(reverse("account_request_login_code"), {"email": email})


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    """Real hashing takes about 0.3 s a password; these tests hash many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member(db):
    return UserFactory(email="sam@example.org", display_name="Sam")


@pytest.fixture
def member_without_password(db):
    person = UserFactory(email="kim@example.org", display_name="Kim")
    person.set_unusable_password()
    person.save()
    return person


# Signing up ------------------------------------------------------------------


def test_sign_up_confirm_by_the_emailed_link_and_be_signed_in_with_the_name(client, db):
    response = client.post(
        reverse("account_signup"), {"display_name": "  Aisha  ", "email": "Aisha@Example.org"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None

    sent = client.get(response["Location"])
    assert_in_shell(sent, "Check your email")
    assert "Look in your spam or junk folder" in page(sent)

    link = path_in_email(last_email_to("aisha@example.org"), "/accounts/confirm-email/")
    confirm = client.get(link)
    assert_in_shell(confirm, "Confirm your email address")
    assert "<strong>aisha@example.org</strong>" in page(confirm)

    response = client.post(link)
    assert response.status_code == HTTPStatus.FOUND
    person = User.objects.get(email="aisha@example.org")
    assert signed_in_user_id(client) == person.pk
    assert person.display_name == "Aisha"
    assert not person.has_usable_password()
    assert EmailAddress.objects.get(user=person).verified

    account = client.get(reverse("participants:account"))
    assert "Other members see you as <strong>Aisha</strong>" in page(account)


def test_sign_up_with_nothing_filled_in_says_what_to_enter(client, db):
    response = client.post(reverse("account_signup"), {"display_name": "", "email": ""})
    assert_error_page(
        response,
        "Create an account",
        '<a href="#id_display_name">Enter your name</a>',
        '<a href="#id_email">Enter your email address</a>',
    )
    assert not User.objects.exists()


def test_sign_up_with_a_bad_email_keeps_what_was_typed(client, db):
    response = client.post(
        reverse("account_signup"), {"display_name": "Jo <b>", "email": "jo at example"}
    )
    assert_error_page(
        response,
        "Create an account",
        "Enter an email address in the correct format, like name@example.com",
    )
    html = page(response)
    assert 'value="Jo &lt;b&gt;"' in html
    assert 'value="jo at example"' in html


def test_sign_up_with_a_name_of_only_spaces_is_refused(client, db):
    response = client.post(
        reverse("account_signup"), {"display_name": "   ", "email": "jo@example.org"}
    )
    assert_error_page(response, "Create an account", "Enter your name")
    assert 'value="jo@example.org"' in page(response)


def test_sign_up_with_an_address_that_has_an_account_does_not_say_so_on_the_page(client, member):
    response = client.post(
        reverse("account_signup"), {"display_name": "Someone", "email": member.email}
    )
    # allauth prevents account enumeration: the same "check your email" page,
    # and the owner of the address gets an email instead.
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert last_email_to(member.email)


def test_an_old_or_wrong_confirmation_link_gets_a_plain_page(client, db):
    response = client.get("/accounts/confirm-email/not-a-real-key/")
    assert response.status_code == HTTPStatus.OK
    assert_in_shell(response, "This link does not work")
    assert reverse("account_request_login_code") in page(response)


# Signing in with an emailed code ---------------------------------------------


def test_sign_in_with_an_emailed_code(client, member):
    response = client.get(reverse("account_login"))
    assert_in_shell(response, "Sign in")
    html = page(response)
    # The code comes first, as the easy way; the password second.
    assert html.index("Email me a code") < html.index("Sign in with my password")

    response = ask_for_code(client, "SAM@example.org")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_confirm_login_code")

    confirm = client.get(response["Location"])
    assert_in_shell(confirm, "We have emailed you a code")
    assert "<strong>sam@example.org</strong>" in page(confirm)
    assert "If the email does not arrive" in page(confirm)
    assert signed_in_user_id(client) is None

    code = code_in_email(last_email_to("sam@example.org"))
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user_id(client) == member.pk
    assert "You are signed in." in page(client.get(response["Location"]))


def test_the_code_can_be_typed_in_small_letters_without_the_dash(client, member):
    ask_for_code(client, member.email)
    code = code_in_email(last_email_to(member.email))
    client.post(reverse("account_confirm_login_code"), {"code": code.replace("-", "").lower()})
    assert signed_in_user_id(client) == member.pk


def test_a_wrong_code_shows_the_error_and_keeps_what_was_typed(client, member):
    ask_for_code(client, member.email)
    response = client.post(reverse("account_confirm_login_code"), {"code": "ABCD-EFGH"})
    assert_error_page(
        response,
        "We have emailed you a code",
        '<a href="#id_code">The code is not right. Check the email and try again.</a>',
    )
    html = page(response)
    assert 'value="ABCD-EFGH"' in html
    assert f"<strong>{member.email}</strong>" in html
    assert signed_in_user_id(client) is None


def test_an_empty_code_says_to_enter_it(client, member):
    ask_for_code(client, member.email)
    response = client.post(reverse("account_confirm_login_code"), {"code": ""})
    assert_error_page(response, "We have emailed you a code", "Enter the code from the email")


def test_three_wrong_codes_start_again_with_a_plain_message(client, member):
    ask_for_code(client, member.email)
    for _ in range(2):
        client.post(reverse("account_confirm_login_code"), {"code": "BBBB-BBBB"})
    response = client.post(reverse("account_confirm_login_code"), {"code": "BBBB-BBBB"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_request_login_code")
    again = client.get(response["Location"])
    assert_in_shell(again, "Sign in with a code")
    assert "You have tried to sign in too many times. Wait a few minutes" in page(again)
    assert signed_in_user_id(client) is None


def test_a_code_stops_working_after_allauths_time_and_a_new_one_can_be_asked_for(client, member):
    with time_machine.travel("2026-11-26 10:00 +0000", tick=False) as traveller:
        ask_for_code(client, member.email)
        code = code_in_email(last_email_to(member.email))
        traveller.shift(60 * 60)
        response = client.post(reverse("account_confirm_login_code"), {"code": code})
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("account_request_login_code")
        assert signed_in_user_id(client) is None


def test_ask_for_a_new_code_from_the_code_page(client, member):
    ask_for_code(client, member.email)
    first = code_in_email(last_email_to(member.email))
    html = page(client.get(reverse("account_confirm_login_code")))
    assert "Send me a new code</button>" in html
    assert "Use a different email address</button>" in html

    client.post(reverse("account_confirm_login_code"), {"action": "resend"})
    assert len(mail.outbox) == 2
    second = code_in_email(last_email_to(member.email))
    assert second != first
    client.post(reverse("account_confirm_login_code"), {"code": first})
    assert signed_in_user_id(client) is None
    client.post(reverse("account_confirm_login_code"), {"code": second})
    assert signed_in_user_id(client) == member.pk


def test_use_a_different_address_from_the_code_page(client, member):
    ask_for_code(client, "someone.else@example.org")
    response = client.post(
        reverse("account_logout"), {"next": reverse("account_request_login_code")}
    )
    assert response["Location"] == reverse("account_request_login_code")
    assert_in_shell(client.get(response["Location"]), "Sign in with a code")

    ask_for_code(client, member.email)
    client.post(
        reverse("account_confirm_login_code"),
        {"code": code_in_email(last_email_to(member.email))},
    )
    assert signed_in_user_id(client) == member.pk


def test_asking_for_a_code_with_a_bad_address_keeps_what_was_typed(client, db):
    response = ask_for_code(client, "sam@")
    assert_error_page(
        response,
        "Sign in with a code",
        '<a href="#id_email">Enter an email address in the correct format, '
        "like name@example.com</a>",
    )
    assert 'value="sam@"' in page(response)


def test_asking_for_a_code_for_an_unknown_address_does_not_tell_strangers(client, db):
    response = ask_for_code(client, "nobody@example.org")
    assert response["Location"] == reverse("account_confirm_login_code")
    # The person gets an email saying there is no account, not a code.
    assert not CODE.search(last_email_to("nobody@example.org").body)


def test_a_person_can_use_a_different_address_from_the_code_page(client, member):
    ask_for_code(client, member.email)
    response = client.post(
        reverse("account_logout"), {"next": reverse("account_request_login_code")}
    )
    assert response["Location"] == reverse("account_request_login_code")
    response = client.get(reverse("account_confirm_login_code"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_request_login_code")


# Signing in with a password --------------------------------------------------


def test_sign_in_with_a_password(client, member):
    response = client.post(
        reverse("account_login"), {"login": "Sam@Example.org", "password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user_id(client) == member.pk


def test_a_wrong_password_keeps_the_email_and_shows_the_error(client, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "not my password"}
    )
    assert_error_page(
        response,
        "Sign in",
        "The email address or password is not right. Check them and try again, "
        "or sign in with a code instead.",
    )
    html = page(response)
    assert f'value="{member.email}"' in html
    assert "not my password" not in html
    assert signed_in_user_id(client) is None


def test_signing_in_with_nothing_filled_in_says_what_to_enter(client, db):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    assert_error_page(
        response,
        "Sign in",
        '<a href="#id_login">Enter your email address</a>',
        '<a href="#id_password">Enter your password</a>',
    )


def test_a_member_without_a_password_cannot_sign_in_with_an_empty_one(
    client, member_without_password
):
    response = client.post(
        reverse("account_login"), {"login": member_without_password.email, "password": ""}
    )
    assert_error_page(response, "Sign in", "Enter your password")
    assert signed_in_user_id(client) is None
    assert len(mail.outbox) == 0


def test_too_many_wrong_passwords_are_refused_with_a_plain_message(client, member):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert_error_page(response, "Sign in", "You have tried to sign in too many times.")
    assert signed_in_user_id(client) is None


# Rate limits -------------------------------------------------------------------


def test_repeated_code_requests_for_one_address_are_refused_after_allauths_limit(client, member):
    # allauth's default: 3 codes a minute for one address.
    for _ in range(3):
        response = ask_for_code(Client(), member.email)
        assert response.status_code == HTTPStatus.FOUND
    response = ask_for_code(client, member.email)
    assert_error_page(
        response,
        "Sign in with a code",
        "You have tried to sign in too many times. Wait a few minutes, then try again.",
    )
    assert f'value="{member.email}"' in page(response)
    assert len(mail.outbox) == 3


def test_too_many_password_reset_requests_get_a_plain_429_page(client, member):
    # allauth's default: 5 password reset emails a minute for one address.
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": member.email})
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert_in_shell(response, "You have tried too many times")
    assert "Wait a few minutes, then try again." in page(response)


# Password reset ---------------------------------------------------------------


def test_password_reset_from_the_emailed_link_then_sign_in_with_the_new_password(client, member):
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response["Location"] == reverse("account_reset_password_done")
    assert_in_shell(client.get(response["Location"]), "Check your email")

    link = path_in_email(last_email_to(member.email), "/accounts/password/reset/key/")
    response = client.get(link)
    assert response.status_code == HTTPStatus.FOUND  # allauth hides the key from the address
    form_page = client.get(response["Location"])
    assert_in_shell(form_page, "Choose a new password")

    bad = client.post(
        response["Location"], {"password1": NEW_PASSWORD, "password2": "something else"}
    )
    assert_error_page(
        bad,
        "Choose a new password",
        "The passwords are different. Type the same password in both boxes.",
    )

    done = client.post(response["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert_in_shell(client.get(done["Location"]), "Your password is changed")

    fresh = Client()
    fresh.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert signed_in_user_id(fresh) is None
    fresh.post(reverse("account_login"), {"login": member.email, "password": NEW_PASSWORD})
    assert signed_in_user_id(fresh) == member.pk


def test_a_used_or_wrong_password_reset_link_gets_a_plain_page(client, member):
    response = client.get(f"/accounts/password/reset/key/{member.pk}-not-a-key/")
    assert response.status_code == HTTPStatus.OK
    assert_in_shell(response, "This link does not work")
    assert reverse("account_reset_password") in page(response)


def test_password_reset_with_a_bad_address_keeps_what_was_typed(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "not an email"})
    assert_error_page(
        response,
        "Reset your password",
        "Enter an email address in the correct format, like name@example.com",
    )
    assert 'value="not an email"' in page(response)


def test_an_easy_password_is_refused_in_plain_words(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = path_in_email(last_email_to(member.email), "/accounts/password/reset/key/")
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "12345", "password2": "12345"})
    assert_error_page(
        response,
        "Choose a new password",
        "Your password must have 8 or more letters, numbers or symbols",
        "This password is too easy to guess. Choose a different one",
        "Your password cannot be only numbers. Add some letters",
    )


# Signing out ------------------------------------------------------------------


def test_sign_out_asks_first_then_signs_out_by_post(client, member):
    client.force_login(member)
    confirm = client.get(reverse("account_logout"))
    assert_in_shell(confirm, "Sign out")
    assert signed_in_user_id(client) == member.pk  # a link alone does not sign out

    response = client.post(reverse("account_logout"))
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user_id(client) is None
    assert "You have signed out." in page(client.get(response["Location"]))


# Display settings while signing in and out -------------------------------


def _choose_display_settings(client, **chosen):
    response = client.post(reverse("participants:display"), chosen)
    assert response.status_code == HTTPStatus.FOUND


def test_display_settings_chosen_before_signing_in_go_to_a_new_account(client, member):
    _choose_display_settings(client, text_size="largest", high_contrast="on")
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    member.refresh_from_db()
    assert (member.text_size, member.high_contrast, member.reduced_motion) == (
        "largest",
        True,
        False,
    )
    assert 'class="text-largest high-contrast"' in page(client.get(reverse("home")))


def test_an_accounts_own_display_settings_win_when_signing_in(client, member):
    member.text_size = "large"
    member.save()
    _choose_display_settings(client, text_size="largest", reduced_motion="on")
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    member.refresh_from_db()
    assert (member.text_size, member.reduced_motion) == ("large", False)
    assert 'class="text-large"' in page(client.get(reverse("home")))


def test_signing_in_with_no_display_settings_chosen_changes_nothing(client, member):
    member.high_contrast = True
    member.save()
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    member.refresh_from_db()
    assert (member.text_size, member.high_contrast) == ("standard", True)


def test_display_settings_stay_with_the_browser_after_signing_out(client, member):
    member.text_size, member.reduced_motion = "largest", True
    member.save()
    client.force_login(member)
    response = client.post(reverse("account_logout"))
    html = page(client.get(response["Location"]))
    assert "You have signed out." in html
    assert '<html lang="en-GB" class="text-largest reduced-motion">' in html


def test_the_account_page_has_a_sign_out_button(client, member):
    client.force_login(member)
    html = page(client.get(reverse("participants:account")))
    assert f'<form method="post" action="{reverse("account_logout")}">' in html
    client.post(reverse("account_logout"))
    assert signed_in_user_id(client) is None


# Setting and changing a password ---------------------------------------------


def test_a_member_without_a_password_can_set_one_and_sign_in_with_it(
    client, member_without_password
):
    client.force_login(member_without_password)
    account = page(client.get(reverse("participants:account")))
    assert "You can always sign in with a code that we email to you." in account
    assert reverse("account_set_password") in account

    # "Change password" sends them to "Set a password".
    response = client.get(reverse("account_change_password"))
    assert response["Location"] == reverse("account_set_password")
    assert_in_shell(client.get(reverse("account_set_password")), "Set a password")

    response = client.post(
        reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("participants:account")
    member_without_password.refresh_from_db()
    assert member_without_password.check_password(NEW_PASSWORD)
    assert "Your password is set." in page(client.get(response["Location"]))

    fresh = Client()
    fresh.post(
        reverse("account_login"),
        {"login": member_without_password.email, "password": NEW_PASSWORD},
    )
    assert signed_in_user_id(fresh) == member_without_password.pk


def test_setting_a_password_with_nothing_typed_says_what_to_enter(client, member_without_password):
    client.force_login(member_without_password)
    response = client.post(reverse("account_set_password"), {"password1": "", "password2": ""})
    assert_error_page(
        response,
        "Set a password",
        '<a href="#id_password1">Enter a new password</a>',
        '<a href="#id_password2">Type the new password again</a>',
    )


def test_change_a_password(client, member):
    client.force_login(member)
    assert_in_shell(client.get(reverse("account_change_password")), "Change your password")
    wrong = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert_error_page(wrong, "Change your password", "Your password now is not right.")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("participants:account")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert signed_in_user_id(client) == member.pk


# Email addresses --------------------------------------------------------------


class _FormParts(HTMLParser):
    """Collects inputs, labels, and which radios sit in a fieldset with a legend."""

    def __init__(self):
        super().__init__()
        self.inputs, self.label_fors, self.radios_in_fieldsets = [], set(), []
        self.placeholders = 0
        self._fieldsets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "placeholder" in attrs:
            self.placeholders += 1
        if tag == "fieldset":
            self._fieldsets.append({"legend": False})
        elif tag == "legend" and self._fieldsets:
            self._fieldsets[-1]["legend"] = True
        elif tag == "label" and attrs.get("for"):
            self.label_fors.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if attrs.get("type") in {"hidden", "submit", "button"}:
                return
            self.inputs.append(attrs)
            if attrs.get("type") == "radio":
                in_fieldset = bool(self._fieldsets) and self._fieldsets[-1]["legend"]
                self.radios_in_fieldsets.append(in_fieldset)

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()


def form_parts(response):
    parser = _FormParts()
    parser.feed(page(response))
    return parser


def test_the_email_page_puts_its_radios_in_a_fieldset_with_a_legend(client, member):
    EmailAddress.objects.create(user=member, email="sam.home@example.org")
    client.force_login(member)
    response = client.get(reverse("account_email"))
    assert_in_shell(response, "Your email addresses")
    parts = form_parts(response)
    assert len(parts.radios_in_fieldsets) == 2
    assert all(parts.radios_in_fieldsets)
    html = page(response)
    assert "<legend" in html
    assert "Main address" in html
    assert "Not confirmed yet" in html


def test_add_an_email_address_sends_a_confirmation_email(client, member):
    client.force_login(member)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "sam.work@example.org"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.filter(user=member, email="sam.work@example.org").exists()
    assert path_in_email(last_email_to("sam.work@example.org"), "/accounts/confirm-email/")


def test_adding_a_bad_email_address_keeps_what_was_typed(client, member):
    client.force_login(member)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "sam.work@"})
    assert_error_page(
        response,
        "Your email addresses",
        '<a href="#id_email">Enter an email address in the correct format',
    )
    assert 'value="sam.work@"' in page(response)
    empty = client.post(reverse("account_email"), {"action_add": "", "email": ""})
    assert_error_page(empty, "Your email addresses", "Enter your email address")


def test_make_another_address_the_main_one_and_remove_the_old_one(client, member):
    EmailAddress.objects.create(user=member, email="sam.new@example.org", verified=True)
    client.force_login(member)
    client.post(reverse("account_email"), {"action_primary": "", "email": "sam.new@example.org"})
    assert EmailAddress.objects.get(email="sam.new@example.org").primary
    response = client.post(
        reverse("account_email"), {"action_remove": "", "email": "sam@example.org"}
    )
    assert "sam@example.org is no longer on your account." in page(client.get(response["Location"]))
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [
        "sam.new@example.org"
    ]


def test_the_main_address_cannot_be_removed(client, member):
    client.force_login(member)
    response = client.post(reverse("account_email"), {"action_remove": "", "email": member.email})
    html = page(client.get(response["Location"]))
    assert "because it is your main email address" in html
    assert EmailAddress.objects.filter(user=member).count() == 1


# Every page we override ----------------------------------------------------------


def _code_stage(client, person):
    ask_for_code(client, person.email)
    return client.get(reverse("account_confirm_login_code"))


def _confirm_email_page(client, person):
    client.post(reverse("account_signup"), {"display_name": "New", "email": "new@example.org"})
    return client.get(path_in_email(last_email_to("new@example.org"), "/accounts/confirm-email/"))


def _reset_form_page(client, person):
    client.post(reverse("account_reset_password"), {"email": person.email})
    link = path_in_email(last_email_to(person.email), "/accounts/password/reset/key/")
    return client.get(client.get(link)["Location"])


def _signed_in(path):
    def get(client, person):
        client.force_login(person)
        return client.get(path)

    return get


def _without_password(path):
    def get(client, person):
        person.set_unusable_password()
        person.save()
        client.force_login(person)
        return client.get(path)

    return get


def _signup_closed(client, person):
    from unittest import mock

    with mock.patch("participants.adapters.AccountAdapter.is_open_for_signup", return_value=False):
        return client.get(reverse("account_signup"))


OVERRIDDEN_PAGES = {
    "account/login.html": ("Sign in", lambda c, p: c.get(reverse("account_login"))),
    "account/request_login_code.html": (
        "Sign in with a code",
        lambda c, p: c.get(reverse("account_request_login_code")),
    ),
    "account/confirm_login_code.html": ("We have emailed you a code", _code_stage),
    "account/signup.html": ("Create an account", lambda c, p: c.get(reverse("account_signup"))),
    "account/signup_closed.html": ("You cannot create an account now", _signup_closed),
    "account/verification_sent.html": (
        "Check your email",
        lambda c, p: c.get(reverse("account_email_verification_sent")),
    ),
    "account/email_confirm.html": ("Confirm your email address", _confirm_email_page),
    "account/password_reset.html": (
        "Reset your password",
        lambda c, p: c.get(reverse("account_reset_password")),
    ),
    "account/password_reset_done.html": (
        "Check your email",
        lambda c, p: c.get(reverse("account_reset_password_done")),
    ),
    "account/password_reset_from_key.html": ("Choose a new password", _reset_form_page),
    "account/password_reset_from_key_done.html": (
        "Your password is changed",
        lambda c, p: c.get(reverse("account_reset_password_from_key_done")),
    ),
    "account/password_set.html": (
        "Set a password",
        _without_password(reverse("account_set_password")),
    ),
    "account/password_change.html": (
        "Change your password",
        _signed_in(reverse("account_change_password")),
    ),
    "account/email.html": ("Your email addresses", _signed_in(reverse("account_email"))),
    "account/logout.html": ("Sign out", _signed_in(reverse("account_logout"))),
    "account/reauthenticate.html": (
        "Enter your password again",
        _signed_in(reverse("account_reauthenticate")),
    ),
    "account/account_inactive.html": (
        "This account is switched off",
        lambda c, p: c.get(reverse("account_inactive")),
    ),
    "participants/account.html": ("Your account", _signed_in(reverse("participants:account"))),
}


@pytest.mark.parametrize("template_name", sorted(OVERRIDDEN_PAGES))
def test_every_overridden_page_renders_ours_in_the_shell(client, member, template_name):
    title, get = OVERRIDDEN_PAGES[template_name]
    response = get(client, member)
    assert response.status_code == HTTPStatus.OK
    assert_in_shell(response, title)
    used = {Path(t.origin.name) for t in response.templates if t.origin}
    assert TEMPLATES_DIR / template_name in used


@pytest.mark.parametrize("template_name", sorted(OVERRIDDEN_PAGES))
def test_no_overridden_page_uses_a_placeholder_instead_of_a_label(client, member, template_name):
    response = OVERRIDDEN_PAGES[template_name][1](client, member)
    parts = form_parts(response)
    assert parts.placeholders == 0
    for field in parts.inputs:
        assert field.get("id") in parts.label_fors, f"{field} has no label"


def test_every_account_page_of_allauth_that_these_settings_reach_is_overridden():
    allauth_pages = {
        path.name
        for path in (Path(allauth.__file__).parent / "templates" / "account").glob("*.html")
        if not path.name.startswith("base_")
    }
    # Pages these settings cannot reach, and the settings that keep them away.
    assert not allauth_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
    assert not allauth_settings.PASSWORD_RESET_BY_CODE_ENABLED
    assert not allauth_settings.CHANGE_EMAIL
    assert "phone" not in allauth_settings.SIGNUP_FIELDS
    assert not mfa_settings.PASSKEY_SIGNUP_ENABLED  # two-step sign-in: see test_mfa.py
    unreachable = {
        "confirm_email_verification_code.html",
        "confirm_password_reset_code.html",
        "confirm_phone_verification_code.html",
        "phone_change.html",
        "signup_by_passkey.html",
        "email_change.html",
    }
    ours = {path.name for path in (TEMPLATES_DIR / "account").glob("*.html")}
    assert allauth_pages - unreachable <= ours


def test_the_verified_email_required_page_renders_in_the_shell(client, db, settings):
    from allauth.account.decorators import verified_email_required
    from django.http import HttpResponse
    from django.urls import path

    from coproduce import urls

    @verified_email_required
    def private(request):
        return HttpResponse("private")

    settings.ROOT_URLCONF = type(
        "URLs", (), {"urlpatterns": [path("private/", private), *urls.urlpatterns]}
    )
    person = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=False)
    client.force_login(person)
    response = client.get("/private/")
    assert_in_shell(response, "Confirm your email address first")
    assert path_in_email(last_email_to(person.email), "/accounts/confirm-email/")


# Your account ---------------------------------------------------------------------


def test_the_account_page_asks_a_signed_out_visitor_to_sign_in(client, db):
    response = client.get(reverse("participants:account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next=/account/"


def _participant(db):
    return MembershipFactory(label=Membership.Label.PARTICIPANT).user


def _professional(db):
    return MembershipFactory(label=Membership.Label.PROFESSIONAL).user


def _facilitator(db):
    return MembershipFactory(is_facilitator=True).user


def _manager(db):
    person = UserFactory()
    OrganisationFactory().managers.add(person)
    return person


def _staff(db):
    return UserFactory(is_staff=True)


def _no_projects(db):
    return UserFactory()


@pytest.mark.parametrize(
    "make_person",
    [_no_projects, _participant, _professional, _facilitator, _manager, _staff],
    ids=["non-member", "participant", "professional", "facilitator", "manager", "staff"],
)
def test_the_account_page_shows_only_the_members_own_details(client, db, make_person):
    someone_else = UserFactory(display_name="Other Person", email="other@example.org")
    person = make_person(db)
    client.force_login(person)
    response = client.get(reverse("participants:account"))
    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert f"Other members see you as <strong>{person.display_name}</strong>" in html
    assert person.email in html
    assert someone_else.email not in html
    assert someone_else.display_name not in html
    assert 'aria-current="page">Your account</a>' in html


def test_change_my_name(client, member):
    client.force_login(member)
    response = client.post(reverse("participants:account"), {"display_name": "  Sam Jones "})
    assert response["Location"] == reverse("participants:account")
    member.refresh_from_db()
    assert member.display_name == "Sam Jones"
    assert "Your name is saved." in page(client.get(response["Location"]))


@pytest.mark.parametrize("typed", ["", "    "])
def test_a_blank_name_shows_the_error_and_changes_nothing(client, member, typed):
    client.force_login(member)
    response = client.post(reverse("participants:account"), {"display_name": typed})
    assert_error_page(response, "Your account", '<a href="#id_display_name">Enter your name</a>')
    member.refresh_from_db()
    assert member.display_name == "Sam"
    # The rest of the page is still there.
    assert reverse("account_email") in page(response)


def test_a_name_that_is_too_long_keeps_what_was_typed(client, member):
    client.force_login(member)
    typed = "S" * 101
    response = client.post(reverse("participants:account"), {"display_name": typed})
    assert_error_page(response, "Your account", "Your name must be 100 characters or fewer")
    assert f'value="{typed}"' in page(response)
    member.refresh_from_db()
    assert member.display_name == "Sam"


def test_a_name_with_html_in_it_is_shown_as_text(client, member):
    client.force_login(member)
    client.post(reverse("participants:account"), {"display_name": "<script>x</script>"})
    html = page(client.get(reverse("participants:account")))
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("addresses", [1, 30])
def test_the_account_page_makes_the_same_number_of_queries_for_any_number_of_addresses(
    client, member, addresses, django_assert_max_num_queries
):
    for number in range(addresses - 1):
        EmailAddress.objects.create(user=member, email=f"sam{number}@example.org")
    client.force_login(member)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("participants:account"))
    assert page(response).count("@example.org") >= addresses


def test_display_name_change_strips_and_refuses_a_blank_name(member):
    assert display_name_change(user=member, display_name="  Sammy ").display_name == "Sammy"
    member.refresh_from_db()
    assert member.display_name == "Sammy"
    with pytest.raises(ValidationError):
        display_name_change(user=member, display_name="   ")
    member.refresh_from_db()
    assert member.display_name == "Sammy"
