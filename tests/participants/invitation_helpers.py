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


def invite(world, *addresses, facilitator=False, label="participant", people=()):
    """Invite ``addresses``, all as ``label``, and ``people``, (address,
    label) pairs, as the facilitator."""
    return invitations_create(
        project=world.project,
        emails=list(addresses),
        label=label if addresses else None,
        people=list(people),
        is_facilitator=facilitator,
        actor=world.users["facilitator"],
    )


def rows_posted(*people, rows=5, **more) -> dict:
    """What the "one by one" form sends: ``people`` are (address, label)
    pairs filling its rows from person 1 on (None leaves a row empty, and
    an address or a label may be "" for one not given); ``more`` adds other
    fields, such as is_facilitator="on" or add_rows="yes"."""
    data = {"rows": str(rows), **more}
    for number, row in enumerate(people, start=1):
        if row is None:
            continue
        address, label = row
        data[f"email_{number}"] = address
        if label:
            data[f"label_{number}"] = label
    return data


def link_in(message) -> str:
    """The path of the invitation link in an email."""
    match = re.search(r"https://coproduce\.example\.org(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]
