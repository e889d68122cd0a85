""" "You said, we did": the outcome email thanks by name the members who
voted or commented, except those who chose not to be named (counted as
others), at most THANKS_NAMES names, never how anyone voted; an anonymous
decision whose page does not name who voted names nobody
(decisions.reminders.thanks)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from decisions.models import Decision
from decisions.reminders import THANKS_NAMES, thanks
from decisions.services import outcome_write, vote_cast
from tests.factories import CommentFactory, DecisionFactory, MembershipFactory, VoteFactory
from tests.participants.email_rules import check_email
from tests.participants.support import (
    CLOSES,
    NOW,
    PROJECT_NAME,
    build_project,
    by_recipient,
    kind_of,
)
from tests.participants.test_email_templates import _close, _propose


def _closed(decision, *, voted):
    Decision.objects.filter(pk=decision.pk).update(
        status=Decision.Status.CLOSED,
        closed_at=timezone.now(),
        result=Decision.Result.PASSED,
        tally={"voted": voted, "eligible": voted},
    )
    return Decision.objects.get(pk=decision.pk)


@pytest.fixture
def decision(db):
    decision = DecisionFactory()
    project = decision.project
    VoteFactory(decision=decision, member__user__display_name="Ana", choice="agree")
    VoteFactory(decision=decision, member__user__display_name="Ben", choice="disagree")
    VoteFactory(
        decision=decision,
        member__user__display_name="Quiet Quinn",
        member__user__thank_by_name=False,
    )
    CommentFactory(decision=decision, author__user__display_name="Cat")
    # Voted and commented: thanked once.
    both = MembershipFactory(project=project, user__display_name="Dev")
    VoteFactory(decision=decision, member=both)
    CommentFactory(decision=decision, author=both)
    # A hidden comment, and a member who did nothing: not thanked.
    CommentFactory(
        decision=decision,
        author__user__display_name="Hidden Hal",
        hidden_at=timezone.now(),
        hidden_reason="Off topic",
    )
    MembershipFactory(project=project, user__display_name="Idle Ida")
    # A vote on another decision does not count.
    VoteFactory(member__user__display_name="Elsewhere Eli")
    return _closed(decision, voted=4)


def test_names_those_who_took_part_and_counts_the_others(decision, django_assert_num_queries):
    with django_assert_num_queries(2):
        said = thanks(decision)
    assert said["thanks_names"] == ["Ana", "Ben", "Cat", "Dev"]
    assert said["thanks_others"] == 1  # Quiet Quinn, not named
    assert said["thanks_total"] == 5
    assert said["thanks_short"] == "Thank you to Ana, Ben, Cat and Dev, and 1 other, who took part."


def test_a_former_member_is_counted_not_named(decision):
    from participants.accounts.services import account_delete

    ana = decision.votes.get(member__user__display_name="Ana").member.user
    account_delete(user=ana, actor=ana)
    said = thanks(decision)
    assert said["thanks_names"] == ["Ben", "Cat", "Dev"]
    assert said["thanks_others"] == 2


def test_at_most_twenty_names(db):
    decision = DecisionFactory()
    for index in range(THANKS_NAMES + 5):
        VoteFactory(decision=decision, member__user__display_name=f"Voter {index:02}")
    said = thanks(_closed(decision, voted=THANKS_NAMES + 5))
    assert len(said["thanks_names"]) == THANKS_NAMES == 20
    assert said["thanks_names"][0] == "Voter 00"
    assert said["thanks_others"] == 5
    assert said["thanks_short"].startswith("Thank you to Voter 00, Voter 01, Voter 02, Voter 03")
    assert said["thanks_short"].endswith("and Voter 04, and 20 others, who took part.")


def test_an_anonymous_decision_with_too_few_votes_names_nobody(db):
    decision = DecisionFactory(is_anonymous=True)
    VoteFactory(decision=decision, member__user__display_name="Ana")
    said = thanks(_closed(decision, voted=1))
    assert said["thanks_names"] == []
    assert said["thanks_named"] is False
    assert said["thanks_short"] == "Thank you to everyone who took part."


def test_an_anonymous_decision_names_who_took_part_once_its_page_does(db):
    decision = DecisionFactory(is_anonymous=True)
    for name in ["Ana", "Ben", "Cat"]:
        VoteFactory(decision=decision, member__user__display_name=name)
    said = thanks(_closed(decision, voted=3))
    assert said["thanks_names"] == ["Ana", "Ben", "Cat"]


# --- in the emails -------------------------------------------------------------------


@pytest.mark.parametrize("reminder_format", ["standard", "plain_text", "large_print", "easy_words"])
def test_the_outcome_email_thanks_by_name(
    reminder_format, db, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project()
        # The member reading in large print chose not to be named.
        user = world.members["large_print"].user
        user.thank_by_name = False
        user.save(update_fields=["thank_by_name"])
    decision = _propose(world, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW, tick=False):
        for member, choice in [
            (world.facilitator, "agree"),
            (world.members["large_print"], "disagree"),
            (world.members["standard"], "agree"),
        ]:
            vote_cast(member=member, decision=decision, choice=choice)
    _close(world, decision, django_capture_on_commit_callbacks)
    later = time_machine.travel(CLOSES + timedelta(hours=2), tick=False)
    with later, django_capture_on_commit_callbacks(execute=True):
        outcome_write(
            actor=world.facilitator.user,
            decision=Decision.objects.get(pk=decision.pk),
            statement="The centre opens until 6pm from 1 July.",
            who="Sam Okafor",
        )
    sent = by_recipient(m for m in mailoutbox if kind_of(m) == "outcome")
    message = sent[f"{reminder_format}@example.org"]
    body = message.body
    assert not check_email(message, reminder_format=reminder_format, project_name=PROJECT_NAME)
    if reminder_format == "easy_words":
        assert "Thank you to the people who took part." in body
        assert "Thank you, Sam Okafor." in body
        assert "Thank you, Standard." in body
        assert "And thank you to 1 other person." in body
    else:
        assert "You said, we did" in body
        assert "Thank you to everyone who voted or commented:\n\n- Sam Okafor\n- Standard" in body
        assert "And 1 other person." in body
    assert "Large Print" not in body
    # Never how anyone voted.
    assert "Disagree" not in body
    assert "disagree" not in body.lower().replace("did not agree", "")
