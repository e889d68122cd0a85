"""Managing email addresses: add, confirm, make main, remove. Driven through
the test client and the mail outbox, as a person would use them."""

from http import HTTPStatus

from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.participants.account_helpers import (
    assert_error_page,
    assert_in_shell,
    form_parts,
    last_email_to,
    page,
    path_in_email,
)

# Email addresses --------------------------------------------------------------


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
