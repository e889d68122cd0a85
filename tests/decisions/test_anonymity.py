"""An anonymous decision never shows who voted how: not on any page, htmx
fragment, CSV export or admin page. Each rendered output is cut into its
blocks (list items, paragraphs, table rows, ...) and no block may hold a
voter's name together with their answer or their reason."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from decisions import services
from decisions.models import Decision
from tests.decisions.support import VIEWERS, make_decision, sign_in
from tests.factories import MembershipFactory

BLOCK = re.compile(
    r"<(?:li|p|tr|td|th|dd|dt|div|h[1-6]|section|option|label|legend|fieldset|ul|ol|table)\b",
    re.IGNORECASE,
)
BLOCK_WITH_ATTRIBUTES = re.compile(
    BLOCK.pattern + r"[^>]*>",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]+>")


def blocks(output: str) -> list[str]:
    """The text of each block of an HTML page (or the rows of a CSV file)."""
    return [
        " ".join(html.unescape(TAG.sub(" ", part)).split())
        for part in BLOCK_WITH_ATTRIBUTES.split(output)
        for part in part.splitlines() or [part]
    ]


def assert_no_voter_next_to_their_vote(output: str, voters, where: str):
    for block in blocks(output):
        for name, secrets in voters:
            if name in block:
                for secret in secrets:
                    assert secret not in block, f"{where}: “{name}” next to “{secret}”: {block}"


@pytest.fixture
def anonymous(world):
    """An anonymous consent proposal and an anonymous choice, with votes from
    members whose names and answers are easy to find."""
    zeb = MembershipFactory(project=world.project, user__display_name="Zebedee Quill")
    yol = MembershipFactory(project=world.project, user__display_name="Yolanda Marsh")
    xav = MembershipFactory(project=world.project, user__display_name="Xavier Nook")
    consent = make_decision(world, title="Open on Sundays", is_anonymous=True, quorum_percent=0)
    choice = make_decision(
        world, title="Pick a meal", is_anonymous=True, options=["Tuesday tea", "Friday fish"]
    )
    tea, fish = choice.options.all()
    services.vote_cast(member=zeb, decision=consent, choice="block", reason="Unsafe ramp")
    services.vote_cast(member=yol, decision=consent, choice="agree", reason="Yes to Sundays")
    services.vote_record_on_behalf(
        recorder=world.facilitator.user,
        member=xav,
        decision=consent,
        choice="disagree",
        channel="phone",
        assisted=True,
        supporter="Wendy Vale",
    )
    services.vote_cast(member=zeb, decision=choice, choice="option", option=fish)
    services.vote_cast(member=yol, decision=choice, choice="option", option=tea)
    services.vote_cast(member=xav, decision=choice, choice="abstain")
    voters = [
        ("Zebedee Quill", ["Block", "block", "Unsafe ramp", "Friday fish"]),
        ("Yolanda Marsh", ["Agree", "agree", "Yes to Sundays", "Tuesday tea"]),
        ("Xavier Nook", ["Disagree", "disagree", "Abstain", "abstain"]),
    ]
    return consent, choice, voters, (zeb, yol, xav)


def _outputs_for(client, world, consent, choice, voters):
    """Every member-facing output for both decisions, as (label, text)."""
    slug = world.project.slug
    outputs = []
    for decision in (consent, choice):
        url = decision.get_absolute_url()
        outputs.append((f"{decision} page", client.get(url).content.decode()))
        bad_vote = client.post(url + "vote/", {"vote-choice": "nonsense"})
        outputs.append((f"{decision} page after a bad vote", bad_vote.content.decode()))
        fragment = client.post(
            url + "comments/", {"comment-body": "A comment"}, headers={"HX-Request": "true"}
        )
        outputs.append((f"{decision} htmx fragment", fragment.content.decode()))
    for query in ("", "?result=open", "?result=blocked"):
        log = client.get(reverse("decisions:log", kwargs={"slug": slug}) + query)
        outputs.append((f"log{query}", log.content.decode()))
        export = client.get(reverse("decisions:export", kwargs={"slug": slug}) + query)
        outputs.append((f"CSV{query}", export.content.decode()))
    return outputs


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_page_fragment_or_export_shows_who_voted_how(client, world, anonymous, viewer):
    consent, choice, voters, _members = anonymous
    sign_in(client, world, viewer)
    open_outputs = _outputs_for(client, world, consent, choice, voters)
    for decision in (consent, choice):
        services.decision_close(decision_id=decision.pk, notify=False)
    closed_outputs = _outputs_for(client, world, consent, choice, voters)
    for label, output in open_outputs + closed_outputs:
        assert_no_voter_next_to_their_vote(output, voters, f"{viewer}, {label}")
        if label.startswith("CSV"):
            assert not any(name in output for name, _ in voters), label

    # The checks can see: the pages do name the voters, and do show the answers.
    consent_page = dict(closed_outputs)[f"{consent} page"]
    assert "Zebedee Quill" in consent_page
    assert "Unsafe ramp" in consent_page  # the reason, without a name
    assert "Blocked: 1 member blocked it." in consent_page


def test_a_voter_sees_their_own_vote_but_nobody_elses(client, world, anonymous):
    consent, _choice, voters, (zeb, _yol, _xav) = anonymous
    client.force_login(zeb.user)
    page = client.get(consent.get_absolute_url()).content.decode()
    assert "Your vote now: <strong>Block</strong>" in page
    assert_no_voter_next_to_their_vote(page, voters[1:], "Zebedee's own page")


def test_the_check_finds_a_named_decision_showing_votes(client, world, anonymous):
    """The same check fails on a decision that shows names, as it should."""
    consent, _choice, voters, _members = anonymous
    consent.is_anonymous = False
    consent.save()
    client.force_login(world.participant.user)
    page = client.get(consent.get_absolute_url()).content.decode()
    with pytest.raises(AssertionError, match="next to"):
        assert_no_voter_next_to_their_vote(page, voters, "named page")


def test_the_admin_never_shows_who_voted_how(client, world, anonymous):
    consent, choice, voters, _members = anonymous
    client.force_login(world.staff)
    pages = {
        "decision list": reverse("admin:decisions_decision_changelist"),
        "consent in the admin": reverse("admin:decisions_decision_change", args=[consent.pk]),
        "choice in the admin": reverse("admin:decisions_decision_change", args=[choice.pk]),
        "comment list": reverse("admin:decisions_comment_changelist"),
        "outcome list": reverse("admin:decisions_outcome_changelist"),
    }
    for decision in (consent, choice):
        services.decision_close(decision_id=decision.pk, notify=False)
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, label
        assert_no_voter_next_to_their_vote(response.content.decode(), voters, label)
    consent_admin = client.get(pages["consent in the admin"]).content.decode()
    assert "Zebedee Quill" in consent_admin  # who voted is there...
    assert "anonymous: how they voted is not shown" in consent_admin

    # ...and there is no list of votes to filter or sort by answer.
    assert client.get("/admin/decisions/vote/").status_code == 404
    for url in (
        pages["decision list"] + "?votes__choice=block&votes__member__user__display_name=Zebedee",
        pages["comment list"] + "?decision__votes__choice=block",
    ):
        assert client.get(url).status_code == 400, url


def test_no_email_shows_who_voted_how(
    world, anonymous, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """Every email about the anonymous decisions (new decision, closing soon,
    result, outcome), in every format the voters chose, sent through the
    real reminder machinery."""
    from decisions import reminders as decision_reminders
    from participants import reminders

    consent, choice, voters, members = anonymous
    settings.COPRODUCE_DAYTIME = None  # at any hour
    for member, reminder_format in zip(
        members, ["standard", "large_print", "easy_words"], strict=True
    ):
        member.user.reminder_format = reminder_format
        member.user.save()
    for decision in (consent, choice):
        with django_capture_on_commit_callbacks(execute=True):
            decision_reminders.decision_proposed(decision.pk)
            for vote in decision.votes.exclude(recorded_by=None):
                decision_reminders.vote_recorded(vote.pk)
        reminders.send_due()
        with time_machine.travel(decision.closes_at - timedelta(hours=23), tick=False):
            reminders.send_due()
        with django_capture_on_commit_callbacks(execute=True):
            services.decision_close(decision_id=decision.pk)
            services.outcome_write(
                user=world.facilitator.user,
                decision=Decision.objects.get(pk=decision.pk),
                statement="We will do what most people chose.",
                who="Sam Okafor",
            )
        reminders.send_due()
    subjects = [message.subject for message in mailoutbox]
    for sent in ("Vote by", "Vote closes tomorrow", "See the result"):  # standard format
        assert sum(subject.startswith(sent) for subject in subjects) >= 2, subjects
    told = [message.to for message in mailoutbox if message.subject.startswith("Check your vote")]
    assert told == [[members[2].user.email]]  # Xavier, whose vote Sam recorded
    emails = {member.user.email: name for member, (name, _) in zip(members, voters, strict=True)}
    for message in mailoutbox:
        # An email may tell its reader their own vote, and nobody else's.
        others = [voter for voter in voters if voter[0] != emails.get(message.to[0])]
        parts = [message.subject, message.body]
        parts += [content for content, _type in getattr(message, "alternatives", [])]
        for part in parts:
            assert_no_voter_next_to_their_vote(part, others, f"email “{message.subject}”")


@pytest.mark.parametrize(
    ("extra_voters", "split_shown"), [(0, False), (3, True)], ids=["small groups", "big groups"]
)
def test_a_small_group_in_an_anonymous_vote_does_not_show_its_split(
    client, world, extra_voters, split_shown
):
    """One professional voted: "Professionals: Block 1" would say how they
    voted, and so would the totals minus the participants' votes."""
    decision = make_decision(world, is_anonymous=True, quorum_percent=0)
    services.vote_cast(member=world.professional, decision=decision, choice="block", reason="No")
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    for _ in range(extra_voters):
        for label in ("participant", "professional"):
            member = MembershipFactory(project=world.project, label=label)
            services.vote_cast(member=member, decision=decision, choice="abstain")
    services.decision_close(decision_id=decision.pk, notify=False)
    client.force_login(world.participant.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    export = client.get(
        reverse("decisions:export", kwargs={"slug": world.project.slug})
    ).content.decode()
    assert ("Votes of participants and professionals</caption>" in page) is split_shown
    assert ("are not shown apart: that could show how someone voted." in page) is not split_shown
    assert ("Their top answer was" in page) is split_shown
    assert ("Not shown: anonymous, and fewer than 3 in a group voted" in export) is not split_shown
    if not split_shown:
        assert "Participants who voted: 1 of 1. Professionals who voted: 1 of 2." in page
    client.force_login(world.staff)
    admin_page = client.get(
        reverse("admin:decisions_decision_change", args=[decision.pk])
    ).content.decode()
    assert ("(participants " in admin_page) is split_shown
    assert ("are not shown apart" in admin_page) is not split_shown


def test_a_named_vote_always_shows_the_split(client, world, decision):
    services.vote_cast(member=world.professional, decision=decision, choice="block", reason="No")
    services.decision_close(decision_id=decision.pk, notify=False)
    client.force_login(world.participant.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Votes of participants and professionals</caption>" in page
