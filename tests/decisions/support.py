"""Shared set-up for the decisions tests (fixtures are in conftest.py)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from projects.models import Membership
from tests.conftest import IN_CI
from tests.factories import (
    DecisionFactory,
    MembershipFactory,
    OptionFactory,
    ProjectFactory,
    StageFactory,
    UserFactory,
)

ROLES = ["signed out", "outsider", "participant", "professional", "facilitator", "manager", "staff"]
VIEWERS = ["participant", "professional", "facilitator", "manager"]

# The concurrency tests need PostgreSQL's row locks. On SQLite they are
# skipped on a developer's machine only; in CI they always run.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" and not IN_CI,
    reason="needs PostgreSQL (set DATABASE_URL); always runs in CI",
)


def build_world():
    """A project in its current stage with a participant, a professional and
    a facilitator; an organisation manager who is not a member; an outsider;
    and a staff user who is not a member."""
    project = ProjectFactory(name="Riverside", timezone="Europe/London")
    stage = StageFactory(project=project, current=True, name="Ideas", position=1)
    participant = MembershipFactory(
        project=project, label=Membership.Label.PARTICIPANT, user__display_name="Pat Paterson"
    )
    professional = MembershipFactory(
        project=project, label=Membership.Label.PROFESSIONAL, user__display_name="Priya Shah"
    )
    facilitator = MembershipFactory(
        project=project,
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        user__display_name="Sam Okafor",
    )
    manager = UserFactory(display_name="Helen Clarke")
    project.organisation.managers.add(manager)
    outsider = UserFactory(display_name="Olly Outside")
    staff = UserFactory(display_name="Stella Staff", is_staff=True, is_superuser=True)
    users = {
        "signed out": None,
        "outsider": outsider,
        "participant": participant.user,
        "professional": professional.user,
        "facilitator": facilitator.user,
        "manager": manager,
        "staff": staff,
    }
    return SimpleNamespace(
        project=project,
        stage=stage,
        participant=participant,
        professional=professional,
        facilitator=facilitator,
        manager=manager,
        outsider=outsider,
        staff=staff,
        users=users,
    )


def make_decision(world, *, options=(), **kwargs):
    values = {
        "project": world.project,
        "stage": world.stage,
        "proposer": world.participant,
        "closes_at": timezone.now() + timedelta(days=3),
    }
    values.update(kwargs)
    if options:
        values["kind"] = "choice"
    decision = DecisionFactory(**values)
    for position, text in enumerate(options):
        OptionFactory(decision=decision, position=position, text=text)
    return decision


def sign_in(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return user
