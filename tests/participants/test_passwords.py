"""Passwords: reset by the emailed link, set one for an account without, and
change one. Driven through the test client and the mail outbox, as a person
would use them."""

from http import HTTPStatus

from django.test import Client
from django.urls import reverse

from tests.participants.account_helpers import (
    NEW_PASSWORD,
    PASSWORD,
    assert_error_page,
    assert_in_shell,
    last_email_to,
    page,
    path_in_email,
    signed_in_user_id,
)

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
