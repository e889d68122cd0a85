"""`manage.py bench_seed`: the benchmark's large dataset, made here at a small
size. It holds what was asked for, keeps the rules the services keep (a
closed decision's stored tally is what counting its votes gives), and the
pages the benchmark measures open for the people it signs in."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decisions.kinds import kind_for
from decisions.models import Comment, Decision, Vote
from participants.models import User
from projects.models import LadderAnswer, Membership, Organisation, Project

SIZES = {"members": 60, "projects": 3, "decisions": 40, "votes": 300, "comments": 100}
VOTERS = 10

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    """The command's JSON (its last line on stdout) and its progress (stderr)."""
    out, err = StringIO(), StringIO()
    options = [f"--{name}={value}" for name, value in SIZES.items()]
    call_command("bench_seed", *options, f"--voters={VOTERS}", "--sessions", stdout=out, stderr=err)
    return json.loads(out.getvalue().splitlines()[-1]), err.getvalue()


def signed_in(cookie: str) -> Client:
    """A client that sends this "name=value" session cookie."""
    name, value = cookie.split("=", 1)
    assert name == settings.SESSION_COOKIE_NAME
    browser = Client()
    browser.cookies[name] = value
    return browser


def test_it_makes_what_was_asked_for_and_says_how_it_goes(seeded):
    result, progress = seeded
    counts = result["counts"]
    for name, value in SIZES.items():
        assert counts[name] == value, name
    assert counts["ladder_answers"] > 0
    assert LadderAnswer.objects.count() == counts["ladder_answers"]
    assert "Seeding: 60 members" in progress
    assert "done" in progress

    big = Project.objects.get(slug=result["project_slug"])
    # The big project has everyone, and the decisions the others do not.
    assert big.memberships.count() == SIZES["members"]
    assert big.decisions.count() == SIZES["decisions"] - 10 * (SIZES["projects"] - 1)
    assert {project.stages.current().count() for project in Project.objects.all()} == {1}
    assert 4 <= big.stages.count() <= 6
    assert big.timezone == "Europe/London"

    # The busy decision: open, with min(1000, votes / 2, members) votes and
    # min(1000, comments / 2) comments, some of them hidden.
    busy = Decision.objects.get(pk=result["decision_id"])
    assert busy.project == big
    assert busy.accepts_votes
    assert busy.votes.count() == min(1000, SIZES["votes"] // 2, SIZES["members"])
    assert busy.comments.count() == SIZES["comments"] // 2
    assert Comment.objects.filter(hidden_at__isnull=False).exclude(hidden_reason="").exists()


def test_the_vote_decision_is_open_with_no_votes_for_participants_to_vote_on(seeded):
    result, _progress = seeded
    decision = Decision.objects.get(pk=result["vote_decision_id"])
    assert decision.get_absolute_url() == result["vote_decision"]
    assert decision.project.slug == result["project_slug"]
    assert decision.accepts_votes
    assert not decision.votes.exists()
    assert len(set(result["voter_emails"])) == VOTERS
    assert len(result["cookies"]["voters"]) == VOTERS
    for email in [result["participant_email"], *result["voter_emails"]]:
        member = Membership.objects.current().get(project=decision.project, user__email=email)
        assert member.label == Membership.Label.PARTICIPANT
        assert not member.is_facilitator
    assert result["participant_email"] not in result["voter_emails"]

    voter = signed_in(result["cookies"]["voters"][0])
    response = voter.post(
        reverse(
            "decisions:vote",
            kwargs={"slug": result["project_slug"], "public_id": decision.public_id},
        ),
        {"vote-choice": "agree"},
    )
    assert response.status_code == 302
    assert decision.votes.get().member.user.email == result["voter_emails"][0]


def test_the_pages_open_for_the_people_signed_in(seeded):
    result, _progress = seeded
    participant = signed_in(result["cookies"]["participant"])
    for page in ["project", "stage", "timeline", "members", "log", "decision", "vote_decision"]:
        assert participant.get(result[page]).status_code == 200, page
    facilitator = signed_in(result["cookies"]["facilitator"])
    assert facilitator.get(result["decision"]).status_code == 200
    assert Membership.objects.get(
        project__slug=result["project_slug"], user__email=result["facilitator_email"]
    ).is_facilitator

    manager = User.objects.get(email=result["manager_email"])
    assert not manager.is_superuser
    assert Organisation.objects.filter(managers=manager).count() == 1
    assert not manager.memberships.exists()
    managing = signed_in(result["cookies"]["manager"])
    assert managing.get(reverse("decisions:dashboard")).status_code == 200
    assert managing.get(result["project"]).status_code == 200


def test_closed_decisions_hold_the_tally_of_their_votes(seeded):
    closed = Decision.objects.closed().select_related("project")
    assert closed.count() > Decision.objects.open().count()
    assert {decision.kind for decision in closed} == set(Decision.Kind.values)
    now = timezone.now()
    for decision in closed.prefetch_related("options"):
        votes = list(decision.votes.select_related("member"))
        eligible = Membership.objects.current().filter(project=decision.project)
        tally, result, chosen = kind_for(decision).tally(
            decision, votes, eligible, list(decision.options.all())
        )
        assert decision.tally == tally
        assert decision.result == result
        assert decision.chosen_option == chosen
        assert decision.quorum_met == tally["quorum_met"]
        assert decision.closed_at <= min(decision.closes_at, now)
        assert all(vote.cast_at <= decision.closed_at for vote in votes)
    for decision in Decision.objects.open():
        assert decision.tally is None
        assert decision.closes_at > now
        assert decision.stage.is_current


def test_the_rows_keep_the_rules_of_the_services(seeded):
    assert not Decision.objects.exclude(stage__project=F("project")).exists()
    assert not Decision.objects.exclude(proposer__project=F("project")).exists()
    assert not Vote.objects.exclude(member__project=F("decision__project")).exists()
    assert not Comment.objects.exclude(author__project=F("decision__project")).exists()
    assert not LadderAnswer.objects.exclude(label=F("membership__label")).exists()
    assert not LadderAnswer.objects.filter(stage__started_at__isnull=True).exists()
    assert not LadderAnswer.objects.exclude(membership__project=F("stage__project")).exists()
    assert not Vote.objects.filter(
        choice=Vote.Choice.OPTION, option__decision__isnull=True
    ).exists()
    assert (
        not Vote.objects.filter(option__isnull=False)
        .exclude(option__decision=F("decision"))
        .exists()
    )


def test_it_fills_only_an_empty_database(seeded):
    with pytest.raises(CommandError, match="already has projects"):
        call_command("bench_seed", stdout=StringIO(), stderr=StringIO())
