"""Every allauth page these settings reach is ours, in the site's shell.
Driven through the test client and the mail outbox, as a person would use
them."""

from http import HTTPStatus
from pathlib import Path

import allauth
import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.participants.account_helpers import (
    TEMPLATES_DIR,
    ask_for_code,
    assert_in_shell,
    form_parts,
    last_email_to,
    path_in_email,
)

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

    with mock.patch(
        "participants.accounts.adapters.AccountAdapter.is_open_for_signup", return_value=False
    ):
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
