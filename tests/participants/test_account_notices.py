"""Notices of changes to an account: setting or changing a password, an
address added or made the main one, and joining a project each send one
email to the account's address (a changed main address: to the old and the
new), saying what happened, when, and what to do if it was not them.
Driven through the real pages, as a person would use them; every notice
also meets docs/email-rules.md (test_account_emails.py renders each one in
every format)."""

import re
from datetime import UTC, datetime
from http import HTTPStatus

import pytest
import time_machine
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from participants.invitations.services import invitations_create
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.participants.email_rules import check_email, html_part

PASSWORD = "a long enough password"
NEW_PASSWORD = "purple giraffe dancing"
RESET = "Reset your Coproduce password now: https://coproduce.example.org/accounts/password/reset/"
# Thursday 26 November 2026, 10:05am in London.
MOMENT = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)


@pytest.fixture
def sam(db):
    return UserFactory(email="sam@example.org", display_name="Sam")


@pytest.fixture
def signed_in(sam):
    client = Client()
    client.force_login(sam)
    return client


def only_notice(subject):
    """The one email with this subject: a notice is sent once."""
    found = [message for message in mail.outbox if message.subject == subject]
    assert len(found) == 1, [(m.subject, m.to) for m in mail.outbox]
    return found[0]


def assert_a_good_notice(message, *, project_name="Coproduce"):
    body = message.body
    assert "When: 10:05am on Thursday 26 November 2026 (London time)." in body
    assert "If it was not you" in body
    assert RESET in body
    assert "A new password signs out everyone else who is signed in to your account." in body
    assert message.extra_headers["X-Coproduce-Kind"] == "account"
    problems = check_email(
        message, reminder_format="standard", project_name=project_name, shows_full_address=True
    )
    assert not problems, "\n".join(problems)


@time_machine.travel(MOMENT, tick=False)
def test_setting_a_password_tells_the_account(db):
    kim = UserFactory(email="kim@example.org")
    kim.set_unusable_password()
    kim.save()
    client = Client()
    client.force_login(kim)
    client.post(
        reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    notice = only_notice("Check this change: a password was set - Coproduce")
    assert notice.to == ["kim@example.org"]
    assert "Someone set a password on your Coproduce account." in notice.body
    assert_a_good_notice(notice)
    assert len(mail.outbox) == 1


@time_machine.travel(MOMENT, tick=False)
def test_changing_a_password_tells_the_account(sam, signed_in):
    signed_in.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    notice = only_notice("Check this change: your password was changed - Coproduce")
    assert notice.to == ["sam@example.org"]
    assert "Someone changed the password of your Coproduce account." in notice.body
    assert_a_good_notice(notice)
    assert len(mail.outbox) == 1


@time_machine.travel(MOMENT, tick=False)
def test_adding_an_address_tells_the_main_address_at_once(sam, signed_in):
    signed_in.post(reverse("account_email"), {"action_add": "", "email": "sam.work@example.org"})
    confirmation = only_notice("Confirm your email address - Coproduce")
    assert confirmation.to == ["sam.work@example.org"]
    notice = only_notice("Check this change: an email address was added - Coproduce")
    assert notice.to == ["sam@example.org"]
    assert "Someone added sam.work@example.org to your Coproduce account." in notice.body
    assert_a_good_notice(notice)
    assert len(mail.outbox) == 2
    # Confirming it (by the link, or by signing in with a code sent to it,
    # which confirms it too) tells nobody again.
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", confirmation.body)
    mail.outbox.clear()
    signed_in.post(link.group(1))
    assert EmailAddress.objects.get(email="sam.work@example.org").verified
    assert mail.outbox == []


def test_signing_up_and_signing_in_send_no_notice(client, db):
    client.post(reverse("account_signup"), {"display_name": "Joan", "email": "joan@example.org"})
    (confirmation,) = mail.outbox
    assert confirmation.subject == "Confirm your email address - Coproduce"
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", confirmation.body)
    client.post(link.group(1))
    assert EmailAddress.objects.get(email="joan@example.org").verified
    client.post(reverse("account_logout"))
    client.post(reverse("account_request_login_code"), {"email": "joan@example.org"})
    assert [message.subject for message in mail.outbox] == [
        "Confirm your email address - Coproduce",
        "Sign in with this code - Coproduce",
    ]


@time_machine.travel(MOMENT, tick=False)
def test_changing_the_main_address_tells_the_old_and_the_new_address(sam, signed_in):
    EmailAddress.objects.create(user=sam, email="sam.new@example.org", verified=True)
    signed_in.post(reverse("account_email"), {"action_primary": "", "email": "sam.new@example.org"})
    sent = sorted(mail.outbox, key=lambda message: message.to)
    assert [message.to for message in sent] == [["sam.new@example.org"], ["sam@example.org"]]
    for notice in sent:
        assert notice.subject == "Check this change: your email address changed - Coproduce"
        assert (
            "The main email address of your Coproduce account is now sam.new@example.org."
            in notice.body
        )
        assert "Before, it was sam@example.org." in notice.body
        assert_a_good_notice(notice)


@time_machine.travel(MOMENT, tick=False)
def test_joining_a_project_tells_the_accounts_main_address(db, django_capture_on_commit_callbacks):
    project = ProjectFactory(name="Riverside Day Service")
    facilitator = MembershipFactory(project=project, is_facilitator=True).user
    nia = UserFactory(email="nia@example.org")
    # The invitation went to her second address.
    EmailAddress.objects.create(user=nia, email="nia.work@example.org", verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(
            project=project,
            emails=["nia.work@example.org"],
            label="participant",
            is_facilitator=False,
            actor=facilitator,
        )
    (invitation_email,) = mail.outbox
    link = re.search(
        r"https://coproduce\.example\.org(/invitations/[^/\s]+/)", invitation_email.body
    )
    mail.outbox.clear()
    client = Client()
    client.force_login(nia)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link.group(1)).status_code == HTTPStatus.FOUND
    notice = only_notice("Check this change: you joined a project - Riverside Day Service")
    assert notice.to == ["nia@example.org"]
    assert "Your Coproduce account joined Riverside Day Service as a participant." in notice.body
    assert "The invitation to join was sent to nia.work@example.org." in notice.body
    assert "facilitator" not in notice.body
    assert_a_good_notice(notice, project_name="Riverside Day Service")
    assert len(mail.outbox) == 1


def test_the_time_is_where_the_member_lives(db):
    kim = UserFactory(email="kim@example.org", timezone="America/New_York")
    with time_machine.travel(MOMENT, tick=False):
        get_adapter().send_notification_mail("account/email/password_changed", kim)
    (notice,) = mail.outbox
    assert "When: 5:05am on Thursday 26 November 2026 (New York time)." in notice.body


def test_notices_reach_members_in_their_format(db):
    tom = UserFactory(email="tom@example.org", reminder_format="plain_text")
    ada = UserFactory(email="ada@example.org", reminder_format="large_print")
    get_adapter().send_notification_mail("account/email/password_changed", tom)
    get_adapter().send_notification_mail("account/email/password_changed", ada)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["tom@example.org"].alternatives == []
    assert "font-size:24px" in html_part(by_address["ada@example.org"])


def test_two_step_sign_in_notices_wait_for_their_own_templates(sam):
    """allauth's two-step sign-in notices have no templates that meet the
    email rules yet, so they are not sent rather than sent in allauth's words."""
    get_adapter().send_notification_mail("mfa/email/totp_activated", sam)
    assert mail.outbox == []


def test_what_a_notice_says_to_do_works_a_new_password_signs_everyone_else_out(sam):
    """The notices say a new password signs out everyone else who is signed
    in: someone else's session ends when the password is reset."""
    someone_else = Client()
    someone_else.force_login(sam)
    assert someone_else.get(reverse("participants:account")).status_code == HTTPStatus.OK

    client = Client()
    client.post(reverse("account_reset_password"), {"email": "sam@example.org"})
    (reset_email,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", reset_email.body)
    form = client.get(link.group(1))
    client.post(
        form.headers.get("Location", link.group(1)),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    sam.refresh_from_db()
    assert sam.check_password(NEW_PASSWORD)
    someone_else.get(reverse("participants:account"))
    assert "_auth_user_id" not in someone_else.session
    only_notice("Check this change: your password was reset - Coproduce")
