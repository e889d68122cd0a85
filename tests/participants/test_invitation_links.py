"""Invitations, following the link: the signed, single-use link works for 14
days; the person signs up (and confirms the address with allauth's email) or
signs in, then joins with one button. The link alone never proves the
address. Every bad link gets a plain page saying what happened and who to
ask."""

import re
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participants.invitations.services import (
    InvitationError,
    invitation_accept,
    invitation_revoke,
)
from participants.mail import links
from participants.models import Invitation, User
from projects.models import Membership
from tests.browser import conftest as browser
from tests.browser.crawling import axe_violations, shell_problems
from tests.factories import MembershipFactory, UserFactory
from tests.participants import invitation_helpers
from tests.participants.invitation_helpers import invite, link_in, sent_to
from tests.roles import client_for

world = invitation_helpers.world


# --- following the link ------------------------------------------------------------


@pytest.fixture
def emailed_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "new.person@example.org", label="professional", facilitator=True)
    (message,) = sent_to("new.person@example.org")
    return link_in(message)


def invitation_in(path: str) -> dict:
    """What an invitation link stands for (its signed token, read as the site
    reads it). A link made again for the same invitation a second later
    differs in its timestamp, and stands for the same thing."""
    match = re.fullmatch(r"/invitations/([^/]+)/", path)
    assert match, path
    return links.read_token(
        match.group(1), salt=links.INVITATION_SALT, max_age=links.INVITATION_MAX_AGE
    )


def confirmation_link_in(message) -> str:
    """The path of allauth's confirmation link in an email."""
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sign_up_from(client, emailed_link, email, *, name="Nia"):
    """Open the invitation link, follow "Create an account", and send the
    form, as a person would."""
    page = client.get(emailed_link).content.decode()
    query = urlencode({"email": "new.person@example.org", "next": emailed_link})
    signup = f"{reverse('account_signup')}?{query}"
    assert signup.replace("&", "&amp;") in page
    return client.post(signup, {"display_name": name, "email": email})


def signed_in_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_a_newcomer_signs_up_confirms_the_address_then_joins(
    world, emailed_link, django_capture_on_commit_callbacks
):
    client = Client()
    page = client.get(emailed_link)
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Sam Okafor invited you to join Riverside Day Service as a professional" in html
    assert "We will email a link to new.person@example.org. Open it, and you can join." in html
    mail.outbox.clear()

    # Signing up sends allauth's confirmation email and comes back to the
    # invitation, which says where the link went and waits for it.
    response = sign_up_from(client, emailed_link, "new.person@example.org")
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == emailed_link
    assert signed_in_id(client) is None
    (confirmation,) = mail.outbox
    assert confirmation.to == ["new.person@example.org"]
    assert confirmation.subject == "Confirm your email address - Coproduce"
    waiting = client.get(emailed_link).content.decode()
    assert "<title>Check your email to join Riverside Day Service - Coproduce</title>" in waiting
    assert (
        "We have sent a link to new.person@example.org. Open it to join Riverside Day Service."
        in waiting
    )
    assert 'type="submit"' not in waiting

    # Nothing joins before the address is confirmed, even by posting the form.
    refused = client.post(emailed_link)
    assert refused.headers["Location"].startswith(reverse("account_login"))
    assert not Membership.objects.filter(user__email="new.person@example.org").exists()

    # Opening the link (a GET) only asks; the button confirms, signs in, and
    # goes on to the invitation.
    link = confirmation_link_in(confirmation)
    assert not EmailAddress.objects.get(email="new.person@example.org").verified
    client.get(link)
    assert not EmailAddress.objects.get(email="new.person@example.org").verified
    confirmed = client.post(link)
    assert confirmed.status_code == HTTPStatus.FOUND
    assert invitation_in(confirmed.headers["Location"]) == invitation_in(emailed_link)
    person = User.objects.get(email="new.person@example.org")
    assert signed_in_id(client) == person.pk
    assert EmailAddress.objects.get(user=person).verified
    join_page = client.get(emailed_link).content.decode()
    assert 'type="submit"' in join_page
    assert not Membership.objects.filter(user=person).exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        joined = client.post(emailed_link)
    assert joined.status_code == HTTPStatus.FOUND
    membership = Membership.objects.get(user=person)
    assert (membership.label, membership.is_facilitator) == ("professional", True)
    assert Invitation.objects.get().accepted_by == person
    (notice,) = mail.outbox
    assert notice.to == ["new.person@example.org"]
    assert notice.subject == "Check this change: you joined a project - Riverside Day Service"
    # Pressing the button twice: they are told they are in.
    again = client.post(emailed_link)
    assert again.status_code == HTTPStatus.OK
    assert "You are already a member" in again.content.decode()
    # Single use: for anyone else, the link now says it was used.
    other = Client()
    other.force_login(UserFactory(email="someone.else@example.org"))
    used = other.get(emailed_link)
    assert used.status_code == HTTPStatus.GONE
    assert "This invitation has been used" in used.content.decode()
    assert Membership.objects.filter(project=world.project).count() == 4


def test_a_forwarded_link_does_not_take_over_the_invited_address(
    world, emailed_link, django_capture_on_commit_callbacks
):
    """The attack this guards against: someone with a forwarded link signs up
    with the invited address, expecting the link to vouch for it. They get
    an account nobody has confirmed, and nothing else."""
    mail.outbox.clear()
    stranger = Client()
    stranger.get(emailed_link)
    # Even a session an older Coproduce marked as "this address is verified".
    session = stranger.session
    session["account_verified_email"] = "new.person@example.org"
    session.save()
    stranger.post(
        f"{reverse('account_signup')}?{urlencode({'next': emailed_link})}",
        {"display_name": "Mallory", "email": "new.person@example.org"},
    )

    account = User.objects.get(email="new.person@example.org")
    assert not EmailAddress.objects.get(user=account).verified
    assert signed_in_id(stranger) is None
    # The real owner of the address is asked to confirm it, and nobody else.
    (confirmation,) = mail.outbox
    assert confirmation.to == ["new.person@example.org"]
    assert confirmation.subject == "Confirm your email address - Coproduce"

    # Posting the join form: sent to sign in; signing in needs the mailbox.
    assert stranger.post(emailed_link).headers["Location"].startswith(reverse("account_login"))
    stranger.post(reverse("account_request_login_code"), {"email": "new.person@example.org"})
    assert signed_in_id(stranger) is None
    # Even signed in to that account somehow, it cannot join or see the project.
    signed_in = Client()
    signed_in.force_login(account)
    refused = signed_in.post(emailed_link)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "Confirm your email address to join" in refused.content.decode()
    assert signed_in.get(world.project.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert not Membership.objects.filter(user=account).exists()

    # The owner confirms from the real mailbox, in their own browser: that
    # signs nobody in, and leads to the invitation, to sign in and join.
    owner = Client()
    link = confirmation_link_in(confirmation)
    confirmed = owner.post(link)
    assert invitation_in(confirmed.headers["Location"]) == invitation_in(emailed_link)
    assert EmailAddress.objects.get(user=account).verified
    assert signed_in_id(owner) is None
    assert signed_in_id(stranger) is None
    assert stranger.post(emailed_link).headers["Location"].startswith(reverse("account_login"))
    assert not Membership.objects.filter(user=account).exists()

    mail.outbox.clear()
    login = f"{reverse('account_request_login_code')}?{urlencode({'next': emailed_link})}"
    code_page = owner.post(login, {"email": "new.person@example.org"}).headers["Location"]
    (code_email,) = mail.outbox
    code = re.search(r"\b[A-Z]{4}-[A-Z]{4}\b", code_email.body).group(0)
    signed = owner.post(code_page, {"code": code})
    assert signed.headers["Location"] == emailed_link
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(emailed_link).status_code == HTTPStatus.FOUND
    assert Membership.objects.filter(project=world.project, user=account).exists()


def test_signing_up_from_an_invitation_with_another_address_says_it_cannot_join(
    world, emailed_link
):
    client = Client()
    sign_up_from(client, emailed_link, "other@example.org")
    html = client.get(emailed_link).content.decode()
    assert "We have sent a link to other@example.org." in html
    assert (
        "The invitation was sent to new.person@example.org, so you can only join with that "
        "address." in html
    )


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        # The old shortcut: the account's email field alone, with nothing confirmed.
        ([], "wrong_address"),
        ([("new.person@example.org", False)], "unconfirmed"),
        ([("someone@example.org", True), ("NEW.person@example.org", False)], "unconfirmed"),
        ([("someone@example.org", True)], "wrong_address"),
    ],
)
def test_only_a_confirmed_address_can_join(world, emailed_link, addresses, reason):
    person = UserFactory(email="new.person@example.org", verified_email=False)
    for number, (address, verified) in enumerate(addresses):
        EmailAddress.objects.create(
            user=person, email=address, verified=verified, primary=number == 0
        )
    with pytest.raises(InvitationError) as refused:
        invitation_accept(invitation=Invitation.objects.get(), user=person)
    assert refused.value.reason == reason
    assert not Membership.objects.filter(user=person).exists()


def test_a_second_confirmed_address_can_join(world, emailed_link):
    person = UserFactory(email="home@example.org")
    EmailAddress.objects.create(user=person, email="New.Person@example.org", verified=True)
    client = Client()
    client.force_login(person)
    assert client.post(emailed_link).status_code == HTTPStatus.FOUND
    assert Membership.objects.filter(project=world.project, user=person).exists()


# The browser tests' fixtures (Debian's Chromium, the live server, the demo),
# for the pages only signing up from an invitation reaches.
browser_type_launch_args = browser.browser_type_launch_args
base_url = browser.base_url
demo = browser.demo
sign_in = browser.sign_in


@pytest.mark.browser
def test_the_pages_that_wait_for_a_confirmed_address_pass_axe(demo, sign_in, new_context, base_url):
    sam = User.objects.get(email="sam@example.org")
    project = Membership.objects.get(user__email="aisha@example.org").project
    invitation = Invitation.objects.create(
        project=project, email="newcomer@example.org", label="participant", invited_by=sam
    )
    link = reverse("participants:invitation_accept", args=[links.invitation_token(invitation)])
    problems: list[str] = []
    page = new_context().new_page()
    page.goto(f"{base_url}{link}")
    page.locator("#main-content").get_by_role("link", name="Create an account").click()
    page.wait_for_load_state()
    assert page.get_by_label("Email address").input_value() == "newcomer@example.org"
    page.get_by_label("Your name").fill("Nia")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert page.title() == f"Check your email to join {project.name} - Coproduce"
    problems += axe_violations(page, "invitation, waiting for the address to be confirmed")
    problems += shell_problems(page, "invitation, waiting for the address to be confirmed")

    unconfirmed = new_context()
    sign_in(unconfirmed, "newcomer@example.org")
    page = unconfirmed.new_page()
    page.goto(f"{base_url}{link}")
    assert page.title() == "Confirm your email address to join - Coproduce"
    problems += axe_violations(page, "invitation, signed in, address not confirmed")
    problems += shell_problems(page, "invitation, signed in, address not confirmed")
    assert not Membership.objects.filter(user__email="newcomer@example.org").exists()
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


def test_someone_with_an_account_signs_in_and_joins(
    world, emailed_link, django_capture_on_commit_callbacks
):
    UserFactory(email="new.person@example.org")
    client = Client()
    client.get(emailed_link)
    login = f"{reverse('account_login')}?{urlencode({'next': emailed_link})}"
    response = client.post(
        login, {"login": "new.person@example.org", "password": "a long enough password"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == emailed_link
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(emailed_link).status_code == HTTPStatus.FOUND
    assert Membership.objects.filter(user__email="new.person@example.org").exists()
    (notice,) = mail.outbox
    assert notice.to == ["new.person@example.org"]
    assert notice.subject == "Check this change: you joined a project - Riverside Day Service"


def test_signing_up_from_an_invitation_does_not_tell_whether_the_address_has_an_account(
    world, emailed_link
):
    """The same page whether or not the address has an account (as allauth's
    sign-up does); the email tells the owner how to sign in instead."""
    UserFactory(email="new.person@example.org")
    mail.outbox.clear()
    client = Client()
    response = sign_up_from(client, emailed_link, "new.person@example.org", name="Mallory")
    assert response.headers["Location"] == emailed_link
    html = client.get(emailed_link).content.decode()
    assert "We have sent a link to new.person@example.org." in html
    (message,) = mail.outbox
    assert message.to == ["new.person@example.org"]
    assert message.subject == "Sign in to your account - Coproduce"
    assert "You already have an account with this address." in message.body
    assert User.objects.filter(email="new.person@example.org").count() == 1


def test_a_forwarded_link_does_not_let_someone_else_join(world, emailed_link):
    response = client_for(world.users["outsider"]).post(emailed_link)
    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "This invitation is for someone else" in html
    assert "Sam Okafor" in html
    assert not Membership.objects.filter(user=world.users["outsider"]).exists()


def test_a_member_is_told_they_are_already_in(world, django_capture_on_commit_callbacks):
    extra = UserFactory(email="second@example.org")
    MembershipFactory(project=world.project, user=extra)
    invitation = Invitation.objects.create(
        project=world.project, email="second@example.org", label="participant"
    )
    client = Client()
    client.force_login(extra)
    response = client.get(
        reverse("participants:invitation_accept", args=[links.invitation_token(invitation)])
    )
    assert response.status_code == HTTPStatus.OK
    assert "You are already a member" in response.content.decode()


def test_an_expired_link_says_who_to_ask(world, emailed_link):
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = Client().get(emailed_link)
    assert response.status_code == HTTPStatus.GONE
    html = response.content.decode()
    assert "This invitation has ended" in html
    assert "Ask Sam Okafor to send you a new invitation to Riverside Day Service" in html


def test_a_cancelled_link_says_so(world, emailed_link):
    invitation_revoke(invitation=Invitation.objects.get(), actor=world.users["facilitator"])
    response = Client().get(emailed_link)
    assert response.status_code == HTTPStatus.GONE
    assert "This invitation was cancelled" in response.content.decode()
    assert "Sam Okafor" in response.content.decode()


def test_saying_no_from_the_email(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "no.thanks@example.org")
    (message,) = sent_to("no.thanks@example.org")
    stop = message.extra_headers["List-Unsubscribe"].strip("<>")
    stop = stop.removeprefix("https://coproduce.example.org")
    mail_software = Client(enforce_csrf_checks=True)
    assert "Say no to the invitation" in mail_software.get(stop).content.decode()
    assert Invitation.objects.get().declined_at is None
    assert mail_software.post(stop).status_code == HTTPStatus.OK
    assert mail_software.post(stop).status_code == HTTPStatus.OK
    assert Invitation.objects.get().declined_at is not None
    response = Client().get(link_in(message))
    assert response.status_code == HTTPStatus.GONE
    assert "You said no to this invitation" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJpIjoiMSJ9:1wXEn2:forged",
        signing.dumps({"i": "6f1c6b8e-0000-4000-8000-000000000000"}, salt=links.INVITATION_SALT),
        signing.dumps({"i": "not-a-uuid"}, salt=links.INVITATION_SALT),
        signing.dumps({"i": "x"}, salt="another.salt"),
    ],
)
def test_forged_links_get_a_plain_page(db, token):
    response = Client().get(reverse("participants:invitation_accept", args=[token]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This link does not work" in response.content.decode()
