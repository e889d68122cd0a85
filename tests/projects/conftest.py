"""A project with one person in each role (tests/roles.py), its members
added through the services."""

from types import SimpleNamespace

import pytest

from projects import services
from projects.models import Membership
from tests.factories import OrganisationFactory, UserFactory
from tests.roles import (
    FACILITATOR,
    PARTICIPANT,
    PROFESSIONAL,
    ROLES,
    people_around,
    sign_in,
)

PROJECT_NAME = "Secret Garden Project"

__all__ = ["PROJECT_NAME", "ROLES"]


@pytest.fixture
def world(db):
    organisation = OrganisationFactory(name="Riverside Trust")
    # A manager who has since moved on started the project.
    founder = UserFactory(display_name="Sam Starter")
    organisation.managers.add(founder)
    project = services.project_create(
        organisation=organisation,
        name=PROJECT_NAME,
        summary="Making the garden work for everyone.",
        actor=founder,
    )
    organisation.managers.remove(founder)
    professional, participant = Membership.Label.PROFESSIONAL, Membership.Label.PARTICIPANT
    members = {
        FACILITATOR: (UserFactory(display_name="Fran Facilitator"), professional),
        PARTICIPANT: (UserFactory(display_name="Pat Participant"), participant),
        PROFESSIONAL: (UserFactory(display_name="Prof Professional"), professional),
    }
    memberships = {
        role: services.membership_add(
            project=project, user=user, label=label, is_facilitator=role == FACILITATOR, actor=user
        )
        for role, (user, label) in members.items()
    }
    users = people_around(
        project,
        manager={"display_name": "Mo Manager"},
        outsider={"display_name": "Olly Outsider"},
        staff={"display_name": "Sid Staff"},
    )
    users.update({role: membership.user for role, membership in memberships.items()})
    project.refresh_from_db()
    return SimpleNamespace(
        organisation=organisation,
        project=project,
        users={role: users[role] for role in ROLES},
        memberships=memberships,
        stages=list(project.stages.order_by("position")),
    )


@pytest.fixture
def client_as(client, world):
    """client_as("participant") gives the test client signed in as that role."""

    def _client_as(role):
        sign_in(client, world.users[role])
        return client

    return _client_as
