"""Every kind of email, in every format, sent through the real machinery
(services -> reminder log -> send_due -> mail) and checked against each rule
of docs/email-rules.md that a program can check (tests/participants/email_rules.py)."""

from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
import time_machine

from decisions.models import Decision
from decisions.services import (
    decision_close,
    decision_propose,
    outcome_write,
    vote_cast,
    vote_record_on_behalf,
)
from participants.invitations.services import invitations_create
from participants.models import User
from participants.reminders import digests, sending
from participants.reminders.registry import registered_kinds
from projects.models import Membership
from projects.permissions import SYSTEM
from projects.services import stage_advance
from tests.factories import MembershipFactory, StageFactory, UserFactory
from tests.participants.email_rules import check_email, html_part, html_to_text, words
from tests.participants.support import (
    CLOSES,
    FORMATS,
    NOW,
    PROJECT_NAME,
    TITLE,
    build_project,
    by_recipient,
    kind_of,
)

KINDS = [
    "new_decision",
    "closing_soon",
    "result",
    "outcome",
    "stage",
    "project_finished",
    "invitation",
    "vote_recorded",
    "digest",
]


def _propose(world, capture):
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        return decision_propose(
            member=world.facilitator,
            title=TITLE,
            description="Many of us cannot get to the centre before 10am.",
            kind="consent",
            closes_at=CLOSES,
            easy_words="The day centre stays open later.\nIt closes at 6pm.",
        )


def _close(world, decision, capture):
    with time_machine.travel(CLOSES + timedelta(minutes=1), tick=False), capture(execute=True):
        decision_close(decision_id=decision.pk, actor=SYSTEM)


def scenario(kind, world, capture, mailoutbox):
    """Make the product send one kind of email; return the emails of that
    kind by recipient address."""
    if kind in ("new_decision", "digest"):
        _propose(world, capture)
        if kind == "digest":
            # Daily digests at 9am London time the next morning.
            with time_machine.travel(NOW + timedelta(days=1), tick=False):
                report = digests.send_due_digests()
            assert report.digests == len(world.members)
    elif kind == "closing_soon":
        _propose(world, capture)
        with time_machine.travel(CLOSES - timedelta(hours=24), tick=False):
            sending.send_due()
    elif kind in ("result", "outcome"):
        decision = _propose(world, capture)
        with time_machine.travel(NOW, tick=False):
            vote_cast(member=world.facilitator, decision=decision, choice="agree")
        _close(world, decision, capture)
        if kind == "outcome":
            later = time_machine.travel(CLOSES + timedelta(hours=2), tick=False)
            with later, capture(execute=True):
                outcome_write(
                    actor=world.facilitator.user,
                    decision=Decision.objects.get(pk=decision.pk),
                    statement="The centre opens until 6pm from 1 July.\nWe try it for 3 months.",
                    who="Sam Okafor",
                    easy_words="The centre opens later from 1 July.\nWe try it for 3 months.",
                )
    elif kind == "vote_recorded":
        decision = _propose(world, capture)
        with time_machine.travel(NOW + timedelta(hours=1), tick=False), capture(execute=True):
            for membership in world.members.values():
                vote_record_on_behalf(
                    actor=world.facilitator.user,
                    member=membership,
                    decision=decision,
                    choice="agree",
                    channel="phone",
                    assisted=True,
                    supporter="Jo Smith",
                )
    elif kind == "stage":
        StageFactory(project=world.project, position=3, name="Designing together")
        with time_machine.travel(NOW, tick=False), capture(execute=True):
            stage_advance(project=world.project, actor=world.facilitator.user)
        with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
            sending.send_due()
    elif kind == "project_finished":
        _close(world, _propose(world, capture), capture)
        with time_machine.travel(CLOSES + timedelta(hours=1), tick=False), capture(execute=True):
            stage_advance(project=world.project, actor=world.facilitator.user)
    elif kind == "invitation":
        addresses = []
        for reminder_format in FORMATS:
            invitee = UserFactory(
                email=f"invitee-{reminder_format}@example.org", reminder_format=reminder_format
            )
            addresses.append(invitee.email)
        with time_machine.travel(NOW, tick=False), capture(execute=True):
            invitations_create(
                project=world.project,
                emails=addresses,
                label=Membership.Label.PARTICIPANT,
                is_facilitator=True,
                actor=world.facilitator.user,
            )
    wanted = "digest" if kind == "digest" else kind
    return by_recipient(message for message in mailoutbox if kind_of(message) == wanted)


def test_every_kind_of_reminder_is_checked_here():
    assert set(KINDS) == {*registered_kinds(), "digest"}


@pytest.mark.parametrize("reminder_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_email_meets_the_rules(
    kind, reminder_format, db, django_capture_on_commit_callbacks, mailoutbox
):
    timing = User.ReminderTiming.DAILY if kind == "digest" else User.ReminderTiming.IMMEDIATE
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(timing=timing)
    sent = scenario(kind, world, django_capture_on_commit_callbacks, mailoutbox)
    address = (
        f"invitee-{reminder_format}@example.org"
        if kind == "invitation"
        else f"{reminder_format}@example.org"
    )
    assert address in sent, f"no {kind} email to {address}; sent to {sorted(sent)}"
    message = sent[address]
    problems = check_email(
        message,
        reminder_format=reminder_format,
        project_name=PROJECT_NAME,
        shows_full_address=kind == "invitation",
    )
    assert not problems, f"{kind} in {reminder_format}:\n" + "\n".join(problems)


def test_the_example_of_email_md(db, django_capture_on_commit_callbacks, mailoutbox):
    """The closing-soon reminder reads like docs/email-rules.md's example."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "easy_words"])
    sent = scenario("closing_soon", world, django_capture_on_commit_callbacks, mailoutbox)
    standard = sent["standard@example.org"]
    assert standard.subject == f"Vote closes tomorrow: {TITLE} - {PROJECT_NAME}"
    lines = [line for line in standard.body.splitlines() if line.strip()]
    assert lines[0] == "Vote closes tomorrow"
    assert lines[1] == f"Voting on “{TITLE}” closes at 5pm on Thursday 11 June."
    assert lines[2] == "You have not voted yet."
    assert lines[3].startswith(f"Vote on “{TITLE}”: https://coproduce.example.org/projects/")
    assert lines[-1].startswith("Change or stop these emails: https://coproduce.example.org/")
    easy = sent["easy_words@example.org"]
    assert easy.subject == f"Please vote by tomorrow: {TITLE} - {PROJECT_NAME}"
    easy_lines = [line for line in easy.body.splitlines() if line.strip()]
    # As in docs/email-rules.md: what it is about, in the proposer's easy words, first.
    assert easy_lines[:7] == [
        "Please vote by tomorrow",
        f"We are deciding about: {TITLE}.",
        "The day centre stays open later.",
        "It closes at 6pm.",
        "You have not voted yet.",
        "Voting stops tomorrow at 5pm.",
        "Tomorrow is Thursday 11 June.",
    ]
    assert "Ask Sam Okafor." in easy_lines


@pytest.mark.parametrize("reminder_format", ["standard", "large_print", "easy_words"])
def test_font_sizes_per_format(reminder_format, db, django_capture_on_commit_callbacks, mailoutbox):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=[reminder_format])
    sent = scenario("new_decision", world, django_capture_on_commit_callbacks, mailoutbox)
    document = html_part(sent[f"{reminder_format}@example.org"])
    expected = {"standard": 19, "large_print": 24, "easy_words": 21}[reminder_format]
    assert f"font-size:{expected}px" in document
    assert "font-size:16px" not in document


def test_plain_text_members_get_plain_text_only(db, django_capture_on_commit_callbacks, mailoutbox):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["plain_text"])
    sent = scenario("new_decision", world, django_capture_on_commit_callbacks, mailoutbox)
    message = sent["plain_text@example.org"]
    assert message.alternatives == []
    assert message.message().get_content_type() == "text/plain"


def test_the_rule_checker_finds_faults(db, django_capture_on_commit_callbacks, mailoutbox):
    """The checker itself: a damaged email fails the rules it breaks."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard"])
    message = scenario("new_decision", world, django_capture_on_commit_callbacks, mailoutbox)[
        "standard@example.org"
    ]
    document = html_part(message)
    message.alternatives = []
    message.attach_alternative(
        document.replace('role="presentation"', "")
        .replace("text-align:left", "text-align:center")
        .replace("<h1 ", "<h1><strong>x</strong></h1><h1 ")
        .replace("Read and vote on", "Click here"),
        "text/html",
    )
    message.extra_headers.pop("List-Unsubscribe-Post")
    message.subject = "Reminder"
    problems = "\n".join(check_email(message, reminder_format="standard", project_name="X"))
    for rule in ["rule 1:", "rule 4:", "rule 5:", "rule 8:", "rule 9:", "rule 14:", "rule 19:"]:
        assert rule in problems


def test_html_and_text_carry_the_same_words(db, django_capture_on_commit_callbacks, mailoutbox):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard"])
    sent = scenario("result", world, django_capture_on_commit_callbacks, mailoutbox)
    message = sent["standard@example.org"]
    assert words(html_to_text(html_part(message))) == words(message.body)
    assert "The proposal" in message.body or "Not enough members voted" in message.body


@pytest.mark.parametrize(
    ("label", "words"),
    [
        (Membership.Label.PROFESSIONAL, "You join as a professional.\nA professional works"),
        (Membership.Label.PARTICIPANT, "You join as a participant.\nA participant uses"),
    ],
)
def test_an_invitation_in_easy_words_says_how_they_join(
    label, words, db, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=[])
    UserFactory(email="invitee@example.org", reminder_format="easy_words")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        invitations_create(
            project=world.project,
            emails=["invitee@example.org"],
            label=label,
            is_facilitator=False,
            actor=world.facilitator.user,
        )
    (message,) = mailoutbox
    assert words in message.body
    assert " ".join(words.split()) in " ".join(html_to_text(html_part(message)).split())


def test_easy_words_help_says_how_to_reach_a_facilitator_who_shares_it(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    """ "Ask ..." names the facilitator who shares how to reach them on their
    profile, and gives those words; a facilitator who shares nothing is only
    named."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["easy_words"])
        MembershipFactory(
            project=world.project,
            is_facilitator=True,
            user__display_name="Ravi Shah",
            user__contact_details="Phone 0117 496 0000\nTuesdays at the day centre",
        )
    sent = scenario("closing_soon", world, django_capture_on_commit_callbacks, mailoutbox)
    easy = sent["easy_words@example.org"]
    lines = [line for line in easy.body.splitlines() if line.strip()]
    start = lines.index("Do you need help?")
    assert lines[start : start + 6] == [
        "Do you need help?",
        "Ask Ravi Shah.",
        "Ravi Shah helps to run the project.",
        "How to reach Ravi Shah:",
        "Phone 0117 496 0000",
        "Tuesdays at the day centre",
    ]
    assert ">Tuesdays at the day centre</p>" in html_part(easy)


def test_easy_words_help_names_a_facilitator_who_shares_no_contact(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["easy_words"])
    sent = scenario("closing_soon", world, django_capture_on_commit_callbacks, mailoutbox)
    body = sent["easy_words@example.org"].body
    assert "Ask Sam Okafor." in body
    assert "How to reach" not in body


def test_easy_words_pictures_are_attached_so_they_show_without_the_internet(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "easy_words"])
    sent = scenario("new_decision", world, django_capture_on_commit_callbacks, mailoutbox)
    raw = message_from_bytes(
        sent["easy_words@example.org"].message().as_bytes(), policy=email_policy.default
    )
    pictures = {
        str(part["Content-ID"]): part
        for part in raw.walk()
        if part.get_content_type() == "image/png"
    }
    assert sorted(pictures) == [
        "<picture-clock@coproduce>",
        "<picture-help@coproduce>",
        "<picture-talk@coproduce>",
        "<picture-vote@coproduce>",
    ]
    vote = pictures["<picture-vote@coproduce>"].get_content()
    assert vote.startswith(b"\x89PNG")
    document = html_part(sent["easy_words@example.org"])
    assert 'src="cid:picture-vote@coproduce" alt="A ballot box"' in document
    # Standard words: no pictures, and the quick MIME writer as before.
    standard = message_from_bytes(sent["standard@example.org"].message().as_bytes())
    assert [part.get_content_type() for part in standard.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
