"""allauth's emails (sign-in codes, confirmations, password resets, unknown
accounts, notifications) follow docs/email-rules.md too: sent through the real pages
where a test can reach them, and rendered directly for the rest."""

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from participants.models import User
from tests.factories import UserFactory
from tests.participants.email_rules import check_email, html_part

FORMATS = list(User.ReminderFormat.values)

# Every account email allauth can send, with the context it gives.
TEMPLATES = {
    "login_code": {"code": "PWBG-XCNK"},
    "email_confirmation": {"activate_url": "https://coproduce.example.org/accounts/confirm-email/abc/"},
    "email_confirmation_signup": {"activate_url": "https://coproduce.example.org/accounts/confirm-email/abc/"},
    "password_reset_key": {"password_reset_url": "https://coproduce.example.org/accounts/password/reset/key/1-abc/"},
    "password_reset_code": {"code": "KQ3P-8XWM"},
    "unknown_account": {"signup_url": "https://coproduce.example.org/accounts/signup/"},
    "account_already_exists": {"password_reset_url": "https://coproduce.example.org/accounts/password/reset/"},
    "password_changed": {"timestamp": "26 November 2026, 10:00"},
    "password_set": {"timestamp": "26 November 2026, 10:00"},
    "password_reset": {"timestamp": "26 November 2026, 10:00"},
    "email_changed": {
        "timestamp": "26 November 2026, 10:00",
        "from_email": "a@example.org",
        "to_email": "b@example.org",
    },
    "email_confirm": {"timestamp": "26 November 2026, 10:00"},
    "email_deleted": {"timestamp": "26 November 2026, 10:00", "deleted_email": "old@example.org"},
}  # fmt: skip
NO_ACTION_LINK = {
    "login_code",
    "password_reset_code",
    "password_changed",
    "password_set",
    "password_reset",
    "email_changed",
    "email_confirm",
    "email_deleted",
}


def render(template, email, extra):
    request = RequestFactory().get("/")
    with allauth_context.request_context(request):
        adapter = get_adapter(request)
        return adapter.render_mail(f"account/email/{template}", email, {"email": email, **extra})


@pytest.mark.parametrize("reminder_format", FORMATS)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_account_email_meets_the_rules(template, reminder_format, db):
    person = None
    if template != "unknown_account":
        person = UserFactory(email="person@example.org", reminder_format=reminder_format)
    extra = {**TEMPLATES[template]}
    if person is not None:
        extra["user"] = person
    message = render(template, "person@example.org", extra)
    problems = check_email(
        message,
        reminder_format=reminder_format if person else "standard",
        project_name="Coproduce",
        list_headers=person is not None,
        action_link=template not in NO_ACTION_LINK,
    )
    assert not problems, f"{template} in {reminder_format}:\n" + "\n".join(problems)


def test_a_sign_in_code_by_the_real_page(client, db):
    UserFactory(email="aisha@example.org", reminder_format="large_print")
    response = client.post(reverse("account_request_login_code"), {"email": "aisha@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Sign in with this code - Coproduce"
    assert "font-size:24px" in html_part(message)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not check_email(
        message, reminder_format="large_print", project_name="Coproduce", action_link=False
    )


def test_signing_up_sends_a_confirmation_that_meets_the_rules(client, db):
    response = client.post(
        reverse("account_signup"),
        {"display_name": "Joan", "email": "joan@example.org"},
        secure=True,  # as in production: links in emails are https
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Confirm your email address - Coproduce"
    assert not check_email(message, reminder_format="standard", project_name="Coproduce")


def test_a_password_reset_for_an_unknown_address(client, db):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"}, secure=True)
    (message,) = mail.outbox
    assert "There is no account with this email address" in message.body
    assert "List-Unsubscribe" not in message.extra_headers
    assert not check_email(
        message, reminder_format="standard", project_name="Coproduce", list_headers=False
    )


def test_plain_text_members_get_account_emails_in_plain_text(client, db):
    UserFactory(email="tom@example.org", reminder_format="plain_text")
    client.post(reverse("account_reset_password"), {"email": "tom@example.org"})
    (message,) = mail.outbox
    assert message.alternatives == []
    assert "Choose a new password for Coproduce: http" in message.body
