"""Invitations, the facilitators' page: facilitators (and the organisation's
managers) invite by email address, resend and cancel, for every role; any
staff who does not manage the organisation may not."""

from datetime import UTC, datetime, timedelta
from functools import partial
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from participants.invitations.services import (
    invitation_revoke,
    invitations_create,
)
from participants.models import Invitation, ReminderLog
from projects.models import Membership
from tests.factories import MembershipFactory, ProjectFactory
from tests.participants import invitation_helpers
from tests.participants.invitation_helpers import invite, page_url, sent_to
from tests.roles import ADMIN_ROLES, ROLES, SEES, client_for, two_organisations

PAGE_STATUS = {
    "signed_out": HTTPStatus.NOT_FOUND,
    "outsider": HTTPStatus.NOT_FOUND,
    "participant": HTTPStatus.FORBIDDEN,
    "professional": HTTPStatus.FORBIDDEN,
    "facilitator": HTTPStatus.OK,
    "manager": HTTPStatus.OK,
    "staff": HTTPStatus.NOT_FOUND,
}


world = invitation_helpers.world


# --- the facilitators' page ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_see_the_invitations_page(world, role):
    invite(world, "secret.person@example.org")
    response = client_for(world.users[role]).get(page_url(world))
    assert response.status_code == PAGE_STATUS[role]
    if response.status_code != HTTPStatus.OK:
        assert "secret.person@example.org" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_can_invite(world, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users[role]).post(
            page_url(world), {"emails": "new@example.org", "label": "participant"}
        )
    allowed = PAGE_STATUS[role] == HTTPStatus.OK
    assert response.status_code == (HTTPStatus.FOUND if allowed else PAGE_STATUS[role])
    assert Invitation.objects.exists() is allowed
    assert bool(sent_to("new@example.org")) is allowed


def test_inviting_several_people_at_once(world, django_capture_on_commit_callbacks):
    client = client_for(world.users["facilitator"])
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
    response = client_for(world.users["facilitator"]).post(
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
    response = client_for(world.users["facilitator"]).post(
        page_url(world), {"emails": typed, "label": "participant"}
    )
    html = response.content.decode()
    assert "You can invite up to 50 people at once. You entered 500 addresses." in html
    assert "is not a valid email address" not in html
    assert "not-an-address-499" in html  # what was typed is kept


def test_someone_already_invited_is_pointed_at_resend(world):
    invite(world, "ann@example.org")
    response = client_for(world.users["facilitator"]).post(
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
    client = client_for(world.users["facilitator"])
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
    assert client_for(world.users["participant"]).post(cancel).status_code == HTTPStatus.FORBIDDEN
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
        page = client_for(world.users["facilitator"]).get(page_url(world)).content.decode()
    assert "<td>24 June 2026 at 5pm</td>" in page


@pytest.mark.parametrize("action", ["invitation_resend", "invitation_revoke"])
@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_can_resend_or_cancel(
    world, role, action, django_capture_on_commit_callbacks
):
    (invitation,) = invite(world, "ann@example.org")
    url = reverse(f"participants:{action}", args=[world.project.slug, invitation.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users[role]).post(url)
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
    client = client_for(world.users["facilitator"])
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
    client = client_for(world.users["facilitator"])
    with django_assert_max_num_queries(12):
        assert client.get(page_url(world)).status_code == HTTPStatus.OK


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
            actor=actor,
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
