"""A project with one person in each role, made through the services."""

from types import SimpleNamespace

import pytest

from projects import services
from projects.models import Membership
from tests.factories import OrganisationFactory, UserFactory

PROJECT_NAME = "Secret Garden Project"

# Every role a page is tested for (see COMMON.md).
ROLES = [
    "signed_out",
    "outsider",
    "participant",
    "professional",
    "facilitator",
    "manager",
    "staff",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The real password hasher is slow on purpose; tests do not need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    organisation = OrganisationFactory(name="Riverside Trust")
    manager = UserFactory(display_name="Mo Manager")
    organisation.managers.add(manager)
    project = services.project_create(
        organisation=organisation,
        name=PROJECT_NAME,
        summary="Making the garden work for everyone.",
    )
    facilitator = UserFactory(display_name="Fran Facilitator")
    participant = UserFactory(display_name="Pat Participant")
    professional = UserFactory(display_name="Prof Professional")
    memberships = {
        "facilitator": services.membership_add(
            project=project,
            user=facilitator,
            label=Membership.Label.PROFESSIONAL,
            is_facilitator=True,
        ),
        "participant": services.membership_add(
            project=project, user=participant, label=Membership.Label.PARTICIPANT
        ),
        "professional": services.membership_add(
            project=project, user=professional, label=Membership.Label.PROFESSIONAL
        ),
    }
    users = {
        "signed_out": None,
        "outsider": UserFactory(display_name="Olly Outsider"),
        "participant": participant,
        "professional": professional,
        "facilitator": facilitator,
        "manager": manager,
        "staff": UserFactory(display_name="Sid Staff", is_staff=True, is_superuser=True),
    }
    project.refresh_from_db()
    return SimpleNamespace(
        organisation=organisation,
        project=project,
        users=users,
        memberships=memberships,
        stages=list(project.stages.order_by("position")),
    )


@pytest.fixture
def client_as(client, world):
    """client_as("participant") gives the test client signed in as that role."""

    def sign_in(role):
        client.logout()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
