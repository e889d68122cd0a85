"""Counting votes: each kind's rules, the quorum and the split by label."""

import pytest

from decisions.kinds import KINDS, kind_for
from decisions.models import Decision, Vote
from projects.models import Membership
from tests.decisions.support import make_decision
from tests.factories import MembershipFactory, VoteFactory


def _members(world, participants, professionals):
    return [
        MembershipFactory(project=world.project, label=Membership.Label.PARTICIPANT)
        for _ in range(participants)
    ] + [
        MembershipFactory(project=world.project, label=Membership.Label.PROFESSIONAL)
        for _ in range(professionals)
    ]


def _tally(decision):
    kind = kind_for(decision)
    options = list(decision.options.all())
    votes = list(decision.votes.select_related("member"))
    eligible = list(Membership.objects.current().filter(project=decision.project))
    return kind.tally(decision, votes, eligible, options)


def test_every_kind_in_the_model_has_a_class():
    assert set(KINDS) == set(Decision.Kind.values)


@pytest.mark.parametrize(
    ("rule", "choices", "expected"),
    [
        ("more_agree_no_block", ["agree", "agree", "disagree"], "passed"),
        ("more_agree_no_block", ["agree", "disagree"], "not_passed"),
        ("more_agree_no_block", ["agree", "agree", "agree", "block"], "blocked"),
        ("more_agree_no_block", ["abstain", "abstain"], "not_passed"),
        ("more_agree", ["agree", "agree", "agree", "block"], "passed"),
        ("more_agree", ["agree", "agree", "disagree", "block"], "not_passed"),
        ("two_thirds_no_block", ["agree", "agree", "disagree", "abstain"], "passed"),
        ("two_thirds_no_block", ["agree", "disagree", "abstain", "abstain"], "not_passed"),
        ("two_thirds_no_block", ["agree", "agree", "block"], "blocked"),
    ],
)
def test_consent_pass_rules(world, rule, choices, expected):
    decision = make_decision(world, pass_rule=rule, quorum_percent=0)
    for choice in choices:
        VoteFactory(decision=decision, choice=choice, reason="because")
    tally, result, chosen = _tally(decision)
    assert result == expected
    assert chosen is None
    assert tally["voted"] == len(choices)
    assert sum(tally["counts"].values()) == len(choices)


def test_tally_splits_votes_by_label_and_counts_the_quorum(world):
    decision = make_decision(world, quorum_percent=50)
    extra = _members(world, 2, 3)  # with the world: 3 participants, 5 professionals
    for member in extra[:2]:
        VoteFactory(decision=decision, member=member, choice="agree")
    VoteFactory(decision=decision, member=extra[2], choice="disagree")
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    tally, result, _ = _tally(decision)
    assert tally["eligible"] == 8
    assert tally["voted"] == 4
    assert tally["quorum_needed"] == 4
    assert tally["quorum_met"] is True
    assert result == "passed"
    assert tally["eligible_by_label"] == {"participant": 3, "professional": 5}
    assert tally["voted_by_label"] == {"participant": 3, "professional": 1}
    assert tally["by_label"]["participant"] == {
        "agree": 3,
        "disagree": 0,
        "abstain": 0,
        "block": 0,
    }
    assert tally["by_label"]["professional"]["disagree"] == 1
    agree = next(row for row in tally["rows"] if row["key"] == "agree")
    assert agree == {
        "key": "agree",
        "label": "Agree",
        "total": 3,
        "participant": 3,
        "professional": 0,
    }


def test_too_few_votes_is_no_quorum_whatever_the_votes_say(world):
    decision = make_decision(world, quorum_percent=100)
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    tally, result, _ = _tally(decision)
    assert (tally["quorum_met"], result) == (False, "no_quorum")


def test_votes_of_members_who_left_do_not_count(world):
    from django.utils import timezone

    decision = make_decision(world, quorum_percent=0)
    VoteFactory(decision=decision, member=world.professional, choice="disagree")
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    world.professional.left_at = timezone.now()
    world.professional.save()
    tally, result, _ = _tally(decision)
    assert (tally["eligible"], tally["voted"], result) == (2, 1, "passed")


def test_choice_picks_the_option_with_most_votes(world):
    decision = make_decision(world, options=["Monday", "Wednesday"], quorum_percent=0)
    monday, wednesday = decision.options.all()
    VoteFactory(decision=decision, choice=Vote.Choice.OPTION, option=wednesday)
    VoteFactory(decision=decision, choice=Vote.Choice.OPTION, option=wednesday)
    VoteFactory(decision=decision, choice=Vote.Choice.OPTION, option=monday)
    VoteFactory(decision=decision, choice=Vote.Choice.ABSTAIN)
    tally, result, chosen = _tally(decision)
    assert (result, chosen) == ("chosen", wednesday)
    assert tally["chosen_option"] == wednesday.pk
    assert [(row["label"], row["total"]) for row in tally["rows"]] == [
        ("Monday", 1),
        ("Wednesday", 2),
        ("I do not want to choose (abstain)", 1),
    ]


def test_choice_reports_a_tie_and_all_abstaining(world):
    decision = make_decision(world, options=["Monday", "Wednesday"], quorum_percent=0)
    monday, wednesday = decision.options.all()
    VoteFactory(decision=decision, choice=Vote.Choice.OPTION, option=wednesday)
    VoteFactory(decision=decision, choice=Vote.Choice.OPTION, option=monday)
    assert _tally(decision)[1:] == ("tied", None)
    decision.votes.update(choice=Vote.Choice.ABSTAIN, option=None)
    assert _tally(decision)[1:] == ("not_passed", None)
