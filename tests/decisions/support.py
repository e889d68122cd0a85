"""Shared set-up for the decisions tests (fixtures are in conftest.py)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import IN_CI
from tests.factories import DecisionFactory, OptionFactory, ProjectFactory, StageFactory
from tests.roles import (
    FACILITATOR,
    MANAGER,
    OUTSIDER,
    PARTICIPANT,
    PROFESSIONAL,
    ROLES,
    STAFF,
    VIEWERS,
    role_world,
)
from tests.roles import sign_in as sign_in_as

__all__ = ["ROLES", "VIEWERS"]

# The concurrency tests need PostgreSQL's row locks. On SQLite they are
# skipped on a developer's machine only; in CI they always run.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" and not IN_CI,
    reason="needs PostgreSQL (set DATABASE_URL); always runs in CI",
)


def build_world():
    """A project in its current stage with one person in each of ROLES
    (tests/roles.py): a participant, a professional and a facilitator; an
    organisation manager who is not a member; an outsider; and a staff user
    who is not a member."""
    project = ProjectFactory(name="Riverside", timezone="Europe/London")
    stage = StageFactory(project=project, current=True, name="Ideas", position=1)
    world = role_world(
        project=project,
        **{
            PARTICIPANT: {"display_name": "Pat Paterson"},
            PROFESSIONAL: {"display_name": "Priya Shah"},
            FACILITATOR: {"display_name": "Sam Okafor"},
            MANAGER: {"display_name": "Helen Clarke"},
            OUTSIDER: {"display_name": "Olly Outside"},
            STAFF: {"display_name": "Stella Staff"},
        },
    )
    return SimpleNamespace(
        project=project,
        stage=stage,
        participant=world.memberships[PARTICIPANT],
        professional=world.memberships[PROFESSIONAL],
        facilitator=world.memberships[FACILITATOR],
        manager=world.users[MANAGER],
        outsider=world.users[OUTSIDER],
        staff=world.users[STAFF],
        users=world.users,
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
    """Sign the test client in as the world's person in that role."""
    return sign_in_as(client, world.users[role])
