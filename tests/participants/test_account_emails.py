"""allauth's emails (sign-in codes, confirmations, password resets, unknown
accounts, notices of changes to an account) follow docs/email-rules.md too:
sent through the real pages where a test can reach them, and rendered
directly for the rest."""

import re

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

# What every notice of a change to an account is given
# (AccountAdapter.send_notification_mail): when, and where to reset the password.
NOTICE = {
    "when": "10:05am on Thursday 26 November 2026 (London time)",
    "reset_url": "https://coproduce.example.org/accounts/password/reset/",
}
# Every account email allauth can send, and our notice of joining a project,
# with the context each is given.
TEMPLATES = {
    "login_code": {"code": "PWBG-XCNK"},
    "email_confirmation": {"activate_url": "https://coproduce.example.org/accounts/confirm-email/abc/"},
    "email_confirmation_signup": {"activate_url": "https://coproduce.example.org/accounts/confirm-email/abc/"},
    "password_reset_key": {"password_reset_url": "https://coproduce.example.org/accounts/password/reset/key/1-abc/"},
    "password_reset_code": {"code": "KQ3P-8XWM"},
    "unknown_account": {"signup_url": "https://coproduce.example.org/accounts/signup/"},
    "account_already_exists": {"password_reset_url": "https://coproduce.example.org/accounts/password/reset/"},
    "password_changed": NOTICE,
    "password_set": NOTICE,
    "password_reset": NOTICE,
    "email_changed": {**NOTICE, "from_email": "a@example.org", "to_email": "b@example.org"},
    "email_confirm": NOTICE,
    "email_added": {**NOTICE, "added_email": "new@example.org"},
    "email_deleted": {**NOTICE, "deleted_email": "old@example.org"},
    "project_joined": {
        **NOTICE,
        "project_name": "Riverside Day Service",
        "label": "professional",
        "is_facilitator": True,
        "invited_email": "person@example.org",
    },
}  # fmt: skip
NO_ACTION_LINK = {"login_code", "password_reset_code"}
# Notices are mail people may not expect: their link's full address shows too.
NOTICES = {name for name, context in TEMPLATES.items() if "reset_url" in context}
# Emails about one project end with its name (docs/email-rules.md rule 14).
PROJECT_NAME = {"project_joined": "Riverside Day Service"}


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
        project_name=PROJECT_NAME.get(template, "Coproduce"),
        list_headers=person is not None,
        action_link=template not in NO_ACTION_LINK,
        shows_full_address=template in NOTICES,
        easy_words_wording=False,
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


def test_the_sign_in_code_stands_on_its_own_large_in_both_parts(client, db):
    """The code is what the reader came for: in the HTML part alone in its
    own paragraph, large, spaced and framed (not bold: docs/email-rules.md
    rule 9), after a line that says what it is; in the plain text on its own
    line, with a blank line before and after."""
    UserFactory(email="aisha@example.org", reminder_format="standard")
    client.post(reverse("account_request_login_code"), {"email": "aisha@example.org"})
    (message,) = mail.outbox
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", message.body, re.M).group(1)

    lines = message.body.splitlines()
    at = lines.index(code)
    assert lines[at - 2 : at + 3] == [
        "Your sign-in code is:",
        "",
        code,
        "",
        "Type this code on the sign-in page.",
    ]

    document = html_part(message)
    paragraph = re.search(r'<p style="([^"]*)"><span style="([^"]*)">([^<]*)</span></p>', document)
    assert paragraph, document
    style, frame, shown = paragraph.groups()
    assert shown == code
    for rule in ("font-size:32px", "letter-spacing:4px", "monospace", "text-align:left"):
        assert rule in style
    assert "border:3px solid #0b0c0c" in frame
    before = document[: paragraph.start()].rstrip()
    assert before.endswith("Your sign-in code is:</p>")
    assert document.count(code) == 1
    assert not check_email(
        message, reminder_format="standard", project_name="Coproduce", action_link=False
    )
