"""The result email says what the vote's state is, and nothing it is not:
every state (passed, not passed, blocked, an option chosen, a tie, too few
votes, an anonymous vote with too few voters, an outcome written), in the
standard and easy-words formats, sent through the real services. Every
subject names the decision."""

from datetime import timedelta

import pytest
import time_machine

from decisions.models import Decision, Option
from decisions.services import decision_close, decision_propose, outcome_write, vote_cast
from projects.permissions import SYSTEM
from tests.participants.email_rules import html_part, html_to_text
from tests.participants.support import CLOSES, NOW, PROJECT_NAME, TITLE, build_project, kind_of

DECIDED = "See what we decided"
NO_ANSWER = "We have no answer yet"

# Each state: what kind of decision, how its three members vote (the
# facilitator, the standard and the easy-words member; None: no vote),
# whether it is anonymous, and what the easy-words email must say.
STATES = {
    "passed": ("consent", ["agree", "agree", "agree"], False, "Most people agreed."),
    "not passed": ("consent", ["disagree", "disagree", None], False, "Most people did not agree."),
    "blocked": ("consent", ["agree", "block", None], False, "Someone said no and stopped it."),
    "chosen": ("choice", ["Monday", "Monday", None], False, "People chose: Monday."),
    "tied": ("choice", ["Monday", "Friday", None], False, "Two or more choices got the same"),
    "no quorum": ("consent", [None, None, None], False, "Not enough people voted."),
    "too few to show": ("consent", ["agree", "agree", None], True, "Fewer than 3 people voted."),
}
ANSWERED = {"passed", "not passed", "blocked", "chosen"}


def _result_emails(state, world, capture, mailoutbox, *, outcome=False):
    kind, choices, anonymous, _ = STATES[state]
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        decision = decision_propose(
            member=world.facilitator,
            title=TITLE,
            description="Many of us cannot get to the centre before 10am.",
            kind=kind,
            options=["Monday", "Friday"] if kind == "choice" else (),
            closes_at=CLOSES,
            is_anonymous=anonymous,
            easy_words="The day centre stays open later.",
        )
        voters = [world.facilitator, world.members["standard"], world.members["easy_words"]]
        for member, choice in zip(voters, choices, strict=True):
            if choice is None:
                continue
            if kind == "choice":
                option = Option.objects.get(decision=decision, text=choice)
                vote_cast(member=member, decision=decision, choice="option", option=option)
            else:
                reason = "It would close the centre to some of us." if choice == "block" else ""
                vote_cast(member=member, decision=decision, choice=choice, reason=reason)
    with time_machine.travel(CLOSES + timedelta(minutes=1), tick=False), capture(execute=True):
        decision_close(decision_id=decision.pk, actor=SYSTEM)
    if outcome:
        with time_machine.travel(CLOSES + timedelta(hours=2), tick=False), capture(execute=True):
            outcome_write(
                actor=world.facilitator.user,
                decision=Decision.objects.get(pk=decision.pk),
                statement="We try it for 3 months.",
                who="Sam Okafor",
                easy_words="We try it for 3 months.",
            )
    wanted = "outcome" if outcome else "result"
    return {
        message.to[0]: message for message in mailoutbox if kind_of(message) == wanted
    }, Decision.objects.get(pk=decision.pk)


@pytest.mark.parametrize("state", STATES)
def test_the_result_email_says_only_what_the_vote_decided(
    state, db, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "easy_words"])
    sent, decision = _result_emails(state, world, django_capture_on_commit_callbacks, mailoutbox)
    answered = state in ANSWERED
    assert (decision.result in {"passed", "not_passed", "blocked", "chosen"}) == (
        answered and state != "too few to show"
    )

    easy = sent["easy_words@example.org"]
    html = html_to_text(html_part(easy))
    heading = DECIDED if answered else NO_ANSWER
    subject = DECIDED if answered else "See why we have no answer yet"
    assert easy.subject == f"{subject}: {TITLE} - {PROJECT_NAME}"
    for text in (easy.body, html):
        assert text.lstrip().startswith(heading), text[:200]
        assert STATES[state][3] in text
        if not answered:
            assert "decided" not in text.lower()
    standard = sent["standard@example.org"]
    assert TITLE in standard.subject


def test_the_outcome_email_names_the_decision_in_every_format(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project()
    sent, _ = _result_emails(
        "passed", world, django_capture_on_commit_callbacks, mailoutbox, outcome=True
    )
    assert sent
    for address, message in sent.items():
        assert f": {TITLE} - {PROJECT_NAME}" in message.subject, address
