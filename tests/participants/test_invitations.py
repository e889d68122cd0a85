"""Invitations: facilitators invite by email address; the signed, single-use
link works for 14 days; the person signs up (and confirms the address with
allauth's email) or signs in, then joins with one button. The link alone
never proves the address. Every bad link gets a plain page saying what
happened and who to ask."""

import re
from datetime import UTC, datetime, timedelta
from functools import partial
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participants import emails
from participants.invitations import (
    InvitationError,
    invitation_accept,
    invitation_revoke,
    invitations_create,
)
from participants.models import Invitation, ReminderLog, User
from projects.models import Membership
from tests.browser import conftest as browser
from tests.browser.crawling import axe_violations, shell_problems
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.participants.support import ROLES, client_for, role_world
from tests.roles import ADMIN_ROLES, SEES, two_organisations

PAGE_STATUS = {
    "signed_out": HTTPStatus.NOT_FOUND,
    "outsider": HTTPStatus.NOT_FOUND,
    "participant": HTTPStatus.FORBIDDEN,
    "professional": HTTPStatus.FORBIDDEN,
    "facilitator": HTTPStatus.OK,
    "manager": HTTPStatus.OK,
    "staff": HTTPStatus.NOT_FOUND,
}


@pytest.fixture
def world(db):
    return role_world(
        participant={"email": "pat@example.org"},
        professional={"email": "priya@example.org"},
        facilitator={"display_name": "Sam Okafor", "email": "sam@example.org"},
        manager={"email": "helen@example.org"},
        outsider={"email": "olly@example.org"},
        staff={"email": "stella@example.org"},
    )


def page_url(world):
    return reverse("participants:invitations", kwargs={"slug": world.project.slug})


def invite(world, *addresses, facilitator=False, label="participant"):
    return invitations_create(
        project=world.project,
        emails=list(addresses),
        label=label,
        is_facilitator=facilitator,
        invited_by=world.users["facilitator"],
    )


def link_in(message) -> str:
    """The path of the invitation link in an email."""
    match = re.search(r"https://coproduce\.example\.org(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]


# --- the facilitators' page ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_see_the_invitations_page(world, role):
    invite(world, "secret.person@example.org")
    response = client_for(world, role).get(page_url(world))
    assert response.status_code == PAGE_STATUS[role]
    if response.status_code != HTTPStatus.OK:
        assert "secret.person@example.org" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_can_invite(world, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world, role).post(
            page_url(world), {"emails": "new@example.org", "label": "participant"}
        )
    allowed = PAGE_STATUS[role] == HTTPStatus.OK
    assert response.status_code == (HTTPStatus.FOUND if allowed else PAGE_STATUS[role])
    assert Invitation.objects.exists() is allowed
    assert bool(sent_to("new@example.org")) is allowed


def test_inviting_several_people_at_once(world, django_capture_on_commit_callbacks):
    client = client_for(world, "facilitator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url(world),
            {
                "emails": "ann@example.org, bob@example.org\ncat@example.org;\n\nANN@example.org",
                "label": "professional",
                "is_facilitator": "on",
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    invitations = Invitation.objects.order_by("email")
    assert [i.email for i in invitations] == [
        "ann@example.org",
        "bob@example.org",
        "cat@example.org",
    ]
    assert {(i.label, i.is_facilitator) for i in invitations} == {("professional", True)}
    for address in ["ann@example.org", "bob@example.org", "cat@example.org"]:
        (message,) = sent_to(address)
        assert message.subject.startswith("Join by ")
        assert message.subject.endswith(" - Riverside Day Service")
        assert "Sam Okafor invited you to join Riverside Day Service" in message.body
        assert "You will also be a facilitator." in message.body
    page = client.get(page_url(world)).content.decode()
    assert "We are sending 3 invitations." in page
    assert "ann@example.org" in page


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter at least one email address"),
        ("ann@example.org, not an address", "“not” is not a valid email address"),
        ("ann@example, bob@example.org", "“ann@example” is not a valid email address"),
        ("pat@example.org", "pat@example.org is already a member of this project"),
        (
            ", ".join(f"person{i}@example.org" for i in range(51)),
            "You can invite up to 50 people at once. You entered 51 addresses.",
        ),
    ],
)
def test_bad_addresses_get_clear_errors_and_are_kept(world, typed, error):
    response = client_for(world, "facilitator").post(
        page_url(world), {"emails": typed, "label": "participant"}
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<title>Error: Invite people to Riverside Day Service - Coproduce</title>" in html
    assert error in html
    assert typed.split(",")[0] in html
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_too_many_addresses_get_one_error_not_one_each(world):
    typed = "\n".join(f"not-an-address-{i}" for i in range(500))
    response = client_for(world, "facilitator").post(
        page_url(world), {"emails": typed, "label": "participant"}
    )
    html = response.content.decode()
    assert "You can invite up to 50 people at once. You entered 500 addresses." in html
    assert "is not a valid email address" not in html
    assert "not-an-address-499" in html  # what was typed is kept


def test_someone_already_invited_is_pointed_at_resend(world):
    invite(world, "ann@example.org")
    response = client_for(world, "facilitator").post(
        page_url(world), {"emails": "Ann@Example.org", "label": "participant"}
    )
    assert "ann@example.org has already been invited" in response.content.decode()


def test_fifty_at_once_is_fine(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, *(f"person{i}@example.org" for i in range(50)))
    assert Invitation.objects.count() == 50
    assert len(mail.outbox) == 50


def test_resend_and_cancel(world, django_capture_on_commit_callbacks):
    (invitation,) = invite(world, "ann@example.org")
    client = client_for(world, "facilitator")
    resend = reverse(
        "participants:invitation_resend", args=[world.project.slug, invitation.public_id]
    )
    cancel = reverse(
        "participants:invitation_revoke", args=[world.project.slug, invitation.public_id]
    )
    assert client.get(resend).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    later = timezone.now() + timedelta(days=10)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend).status_code == HTTPStatus.FOUND
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert invitation.expires_at == later + timedelta(days=14)
    # One email: the first was still waiting (on commit), and the newer replaces it.
    assert len(sent_to("ann@example.org")) == 1
    assert ReminderLog.objects.filter(kind="invitation").count() == 2
    assert client_for(world, "participant").post(cancel).status_code == HTTPStatus.FORBIDDEN
    assert client.post(cancel).status_code == HTTPStatus.FOUND
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "Cancelled" in client.get(page_url(world)).content.decode()


def test_the_invitations_page_shows_times_in_the_projects_time_zone(world):
    world.project.timezone = "America/New_York"
    world.project.save()
    sent = datetime(2026, 6, 10, 21, 0, tzinfo=UTC)  # 5pm in New York
    with time_machine.travel(sent, tick=False):
        invite(world, "ann@example.org")
        page = client_for(world, "facilitator").get(page_url(world)).content.decode()
    assert "<td>24 June 2026 at 5pm</td>" in page


@pytest.mark.parametrize("action", ["invitation_resend", "invitation_revoke"])
@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_can_resend_or_cancel(
    world, role, action, django_capture_on_commit_callbacks
):
    (invitation,) = invite(world, "ann@example.org")
    url = reverse(f"participants:{action}", args=[world.project.slug, invitation.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world, role).post(url)
    allowed = PAGE_STATUS[role] == HTTPStatus.OK
    assert response.status_code == (HTTPStatus.FOUND if allowed else PAGE_STATUS[role])
    invitation.refresh_from_db()
    changed = invitation.send_count == 2 or invitation.revoked_at is not None
    assert changed is allowed


def test_an_invitation_of_another_project_cannot_be_reached(world):
    """A facilitator of one project, with the id of another project's
    invitation: not found, and nothing changes."""
    elsewhere = ProjectFactory()
    MembershipFactory(project=elsewhere, user=world.users["facilitator"], is_facilitator=True)
    (invitation,) = invite(world, "ann@example.org")
    client = client_for(world, "facilitator")
    for action in ("invitation_resend", "invitation_revoke"):
        url = reverse(f"participants:{action}", args=[elsewhere.slug, invitation.public_id])
        assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    invitation.refresh_from_db()
    assert (invitation.send_count, invitation.revoked_at) == (1, None)


@pytest.mark.parametrize("pending", [5, 200])
def test_the_invitations_page_takes_the_same_queries_at_any_size(
    pending, world, django_assert_max_num_queries
):
    Invitation.objects.bulk_create(
        Invitation(
            project=world.project,
            email=f"p{i}@example.org",
            label="participant",
            invited_by=world.users["facilitator"],
        )  # fmt: skip
        for i in range(pending)
    )
    client = client_for(world, "facilitator")
    with django_assert_max_num_queries(12):
        assert client.get(page_url(world)).status_code == HTTPStatus.OK


# --- following the link ------------------------------------------------------------


@pytest.fixture
def emailed_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "new.person@example.org", label="professional", facilitator=True)
    (message,) = sent_to("new.person@example.org")
    return link_in(message)


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
    assert confirmed.headers["Location"] == emailed_link
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
    assert confirmed.headers["Location"] == emailed_link
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
    link = reverse("participants:invitation_accept", args=[emails.invitation_token(invitation)])
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
    response = client_for(world, "outsider").post(emailed_link)
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
        reverse("participants:invitation_accept", args=[emails.invitation_token(invitation)])
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
        signing.dumps({"i": "6f1c6b8e-0000-4000-8000-000000000000"}, salt=emails.INVITATION_SALT),
        signing.dumps({"i": "not-a-uuid"}, salt=emails.INVITATION_SALT),
        signing.dumps({"i": "x"}, salt="another.salt"),
    ],
)
def test_forged_links_get_a_plain_page(db, token):
    response = Client().get(reverse("participants:invitation_accept", args=[token]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This link does not work" in response.content.decode()


# Inviting and cancelling: the organisation's managers, not any staff ---------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_inviting_and_cancelling_is_for_the_organisations_managers_not_any_staff(db, role):
    world = two_organisations()
    actor = world.people[role]
    for key, org in world.organisations.items():
        invite = partial(
            invitations_create,
            project=org.project,
            emails=[f"someone.{key.lower()}@example.org"],
            label=Membership.Label.PARTICIPANT,
            is_facilitator=False,
            invited_by=actor,
        )
        cancel = partial(invitation_revoke, invitation=org.invitation, actor=actor)
        if key in SEES[role]:
            invite()
            cancel()
        else:
            with pytest.raises(PermissionDenied):
                invite()
            with pytest.raises(PermissionDenied):
                cancel()
    assert Invitation.objects.exclude(revoked_at=None).count() == len(SEES[role])
    assert Invitation.objects.count() == 2 + len(SEES[role])
