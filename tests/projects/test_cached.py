"""The counts a project's pages keep in the shared cache (projects/cached.py)
are never out of date: after each change that moves them, made the way
members and facilitators make it, the next page shows the change; and while
nothing changes, a page does not count again.

The suite runs without a shared cache (CACHE_URL unset: nothing is kept);
these tests keep the counts in this process's memory, as Redis keeps them in
production, so a stale count would show."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from decisions.models import Decision, Vote
from projects import services
from projects.models import Membership
from tests.factories import DecisionFactory, StageFactory, UserFactory
from tests.roles import FACILITATOR, PARTICIPANT, PROFESSIONAL, client_for, role_world


@pytest.fixture(autouse=True)
def _counts_kept_in_memory(settings):
    settings.CACHES = {
        **settings.CACHES,
        "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


@pytest.fixture
def world(transactional_db):
    """Changes are committed for real: the kept counts are replaced once a
    change commits, as in production."""
    return role_world()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _home(world, role=PARTICIPANT) -> str:
    client = client_for(world.users[role])
    response = client.get(reverse("projects:detail", args=[world.project.slug]))
    assert response.status_code == 200
    return _text(response)


def _taking_part(page: str) -> str:
    """The section "Who is taking part" (the activity above it names people too)."""
    return page.split("Who is taking part", 1)[1]


def test_a_second_look_at_the_home_counts_nothing_again(world):
    client = client_for(world.users[PARTICIPANT])
    url = reverse("projects:detail", args=[world.project.slug])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    # Member counts, the first names of each group, and whose voices are heard.
    assert len(first) - len(second) == 3
    assert "3 members: 1 participant" in _home(world)


def test_members_joining_leaving_and_changing_label_show_at_once(world):
    assert "3 members: 1 participant (people with lived experience, or carers) and 2" in _home(
        world
    )
    newcomer = UserFactory(display_name="Nadia Newcomer")
    services.membership_add(
        project=world.project,
        user=newcomer,
        label=Membership.Label.PARTICIPANT,
        actor=world.users[FACILITATOR],
    )
    page = _home(world)
    assert "4 members: 2 participants" in page
    assert "Nadia Newcomer" in _taking_part(page)

    services.membership_change_label(
        membership=world.memberships[PROFESSIONAL],
        label=Membership.Label.PARTICIPANT,
        actor=world.users[PROFESSIONAL],
    )
    assert "4 members: 3 participants" in _home(world)

    services.membership_leave(membership=Membership.objects.get(user=newcomer))
    page = _home(world)
    assert "3 members: 2 participants" in page
    assert "Nadia Newcomer" not in _taking_part(page)


def test_a_new_name_shows_at_once(world):
    assert "Renamed Person" not in _taking_part(_home(world))
    person = world.users[PROFESSIONAL]
    person.display_name = "Renamed Person"
    person.save()
    assert "Renamed Person" in _taking_part(_home(world))


def test_proposing_voting_and_commenting_show_in_whose_voices_are_heard(world):
    def heard(what: str) -> str:
        return re.search(rf"{what} (.*?) (?=Have|Who|No |[A-Z][a-z]+ [A-Z])", _home(world))[1]

    assert heard("Have proposed a decision").startswith("0 of 1 participants")
    StageFactory(project=world.project, current=True)
    decision = decision_services.decision_propose(
        member=world.memberships[PARTICIPANT],
        title="Open on Saturdays",
        description="Open the day centre on Saturday mornings.",
        kind=Decision.Kind.CONSENT,
        closes_at=timezone.now() + timedelta(days=3),
    )
    assert heard("Have proposed a decision").startswith("1 of 1 participants")

    assert heard("Have voted").startswith("0 of 1 participants, 0 of 2 professionals")
    decision_services.vote_cast(
        member=world.memberships[PROFESSIONAL], decision=decision, choice=Vote.Choice.AGREE
    )
    assert heard("Have voted").startswith("0 of 1 participants, 1 of 2 professionals")

    assert heard("Have commented").startswith("0 of 1 participants")
    decision_services.comment_post(
        member=world.memberships[PARTICIPANT], decision=decision, body="Saturdays suit carers."
    )
    assert heard("Have commented").startswith("1 of 1 participants")


def test_the_decision_page_counts_each_vote_at_once(world):
    decision = DecisionFactory(project=world.project, proposer=world.memberships[FACILITATOR])
    url = reverse("decisions:detail", args=[world.project.slug, decision.public_id])
    client = client_for(world.users[PARTICIPANT])

    def voted() -> str:
        return re.search(r"\d+ of \d+ members (have|has) voted", _text(client.get(url)))[0]

    assert voted() == "0 of 3 members have voted"
    decision_services.vote_cast(
        member=world.memberships[PROFESSIONAL], decision=decision, choice=Vote.Choice.AGREE
    )
    assert voted() == "1 of 3 members has voted"
    services.membership_add(
        project=world.project,
        user=UserFactory(),
        label=Membership.Label.PARTICIPANT,
        actor=world.users[FACILITATOR],
    )
    assert voted() == "1 of 4 members has voted"
