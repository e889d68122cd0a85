"""Signing in (by emailed code or password), allauth's rate limits, signing
out, and display settings while signing in and out. Driven through the test
client and the mail outbox, as a person would use them."""

from http import HTTPStatus

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.participants.account_helpers import (
    CODE,
    PASSWORD,
    ask_for_code,
    assert_error_page,
    assert_in_shell,
    code_in_email,
    last_email_to,
    page,
    signed_in_user_id,
)

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
    _choose_display_settings(client, text_size="largest", contrast="high")
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    member.refresh_from_db()
    assert (member.text_size, member.contrast, member.reduced_motion) == (
        "largest",
        "high",
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
    member.contrast = "dark"
    member.save()
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    member.refresh_from_db()
    assert (member.text_size, member.contrast) == ("standard", "dark")


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


def test_the_two_email_boxes_on_the_sign_in_page_have_different_labels(client, db):
    html = page(client.get(reverse("account_login")))
    assert (
        '<label class="label" for="id_code_email">Email address to send the code to</label>' in html
    )
    assert '<label class="label" for="id_login">Email address</label>' in html
