"""Signing up: the form, confirming the address by the emailed link, and what
the page does and does not say. Driven through the test client and the mail
outbox, as a person would use them."""

from http import HTTPStatus

from allauth.account.models import EmailAddress
from django.urls import reverse

from participants.models import User
from tests.participants.account_helpers import (
    assert_error_page,
    assert_in_shell,
    last_email_to,
    page,
    path_in_email,
    signed_in_user_id,
)

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
