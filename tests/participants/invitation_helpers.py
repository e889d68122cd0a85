"""What the invitation tests share (test_invitations.py and
test_invitation_links.py): a project with one person in each role
(tests/roles.py), inviting, and the links in the emails."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from participants.invitations.services import invitations_create
from tests.roles import role_world


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
        actor=world.users["facilitator"],
    )


def link_in(message) -> str:
    """The path of the invitation link in an email."""
    match = re.search(r"https://coproduce\.example\.org(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]
