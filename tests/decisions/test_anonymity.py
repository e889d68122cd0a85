"""An anonymous decision never shows who voted how: not on any page, htmx
fragment, CSV export or admin page. Each rendered output is cut into its
blocks (list items, paragraphs, table rows, ...) and no block may hold a
voter's name together with their answer or their reason."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from decisions import services
from decisions.models import Decision
from decisions.tasks import close_due_decisions
from projects.permissions import SYSTEM
from tests.decisions.support import make_decision, sign_in
from tests.factories import MembershipFactory
from tests.roles import VIEWERS

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
        actor=world.facilitator.user,
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
        ("Zebedee Quill", ["Say no and stop it (block)", "block", "Unsafe ramp", "Friday fish"]),
        ("Yolanda Marsh", ["Agree", "agree", "Yes to Sundays", "Tuesday tea"]),
        ("Xavier Nook", ["Disagree", "disagree", "I do not want to choose (abstain)", "abstain"]),
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
        outputs.append((f"CSV{query}", export.getvalue().decode()))
    return outputs


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_page_fragment_or_export_shows_who_voted_how(client, world, anonymous, viewer):
    consent, choice, voters, _members = anonymous
    sign_in(client, world, viewer)
    open_outputs = _outputs_for(client, world, consent, choice, voters)
    for decision in (consent, choice):
        services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    closed_outputs = _outputs_for(client, world, consent, choice, voters)
    for label, output in open_outputs + closed_outputs:
        assert_no_voter_next_to_their_vote(output, voters, f"{viewer}, {label}")
        if label.startswith("CSV"):
            assert not any(name in output for name, _ in voters), label

    # The checks can see: the pages do name the voters, and do show the answers.
    consent_page = dict(closed_outputs)[f"{consent} page"]
    assert "Zebedee Quill" in consent_page
    assert "Unsafe ramp" in consent_page  # the reason, without a name
    assert "Blocked: 1 member said no and stopped it." in consent_page


def test_a_voter_sees_their_own_vote_but_nobody_elses(client, world, anonymous):
    consent, _choice, voters, (zeb, _yol, _xav) = anonymous
    client.force_login(zeb.user)
    page = client.get(consent.get_absolute_url()).content.decode()
    assert "Your vote now: <strong>Say no and stop it (block)</strong>" in page
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
        services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
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
    from participants.reminders import sending

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
        sending.send_due()
        with time_machine.travel(decision.closes_at - timedelta(hours=23), tick=False):
            sending.send_due()
        with django_capture_on_commit_callbacks(execute=True):
            services.decision_close(decision_id=decision.pk, actor=SYSTEM)
            services.outcome_write(
                actor=world.facilitator.user,
                decision=Decision.objects.get(pk=decision.pk),
                statement="We will do what most people chose.",
                who="Sam Okafor",
            )
        sending.send_due()
    subjects = [message.subject for message in mailoutbox]
    # "closes today" or "closes tomorrow", depending on the hour the test runs.
    for sent in ("Vote by", "Vote closes ", "See the result"):  # standard format
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
    ("extra_voters", "split_shown"),
    [(["participant"] * 2, False), (["participant", "professional"] * 3, True)],
    ids=["small groups", "big groups"],
)
def test_a_small_group_in_an_anonymous_vote_does_not_show_its_split(
    client, world, extra_voters, split_shown
):
    """One professional voted: "Professionals: Block 1" would say how they
    voted, and so would the totals minus the participants' votes. (Enough
    people vote in all for the counts to be shown at all.)"""
    decision = make_decision(world, is_anonymous=True, quorum_percent=0)
    services.vote_cast(member=world.professional, decision=decision, choice="block", reason="No")
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    for label in extra_voters:
        member = MembershipFactory(project=world.project, label=label)
        services.vote_cast(member=member, decision=decision, choice="abstain")
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(world.participant.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    export = (
        client.get(reverse("decisions:export", kwargs={"slug": world.project.slug}))
        .getvalue()
        .decode()
    )
    assert ("Votes of participants and professionals</caption>" in page) is split_shown
    assert ("are not shown apart: that could show how someone voted." in page) is not split_shown
    assert ("Their top answer was" in page) is split_shown
    assert ("Not shown: anonymous, and fewer than 3 in a group voted" in export) is not split_shown
    if not split_shown:
        assert "Participants who voted: 3 of 3. Professionals who voted: 1 of 2." in page
    client.force_login(world.staff)
    admin_page = client.get(
        reverse("admin:decisions_decision_change", args=[decision.pk])
    ).content.decode()
    assert ("(participants " in admin_page) is split_shown
    assert ("are not shown apart" in admin_page) is not split_shown


def test_a_named_vote_always_shows_the_split(client, world, decision):
    services.vote_cast(member=world.professional, decision=decision, choice="block", reason="No")
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(world.participant.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Votes of participants and professionals</caption>" in page


# Too few votes to keep them secret -------------------------------------------
#
# The attack: a facilitator watches "Who has voted" until one named member has
# voted, closes the anonymous decision early, and everyone reads "Disagree: 1
# vote" beside "Who voted: Aisha Rahman". An anonymous decision shows no count,
# no result and no names of who voted until at least 3 people voted.

TOO_FEW = "Fewer than 3 people voted, so the votes are not shown"
REFUSED = (
    "An anonymous vote can only be closed early once at least 3 people have voted, "
    "so that nobody&#x27;s vote can be worked out."
)


def _csv_rows(client, world):
    export = client.get(reverse("decisions:export", kwargs={"slug": world.project.slug}))
    return list(csv.DictReader(io.StringIO(export.getvalue().decode("utf-8-sig"))))


def _voters(page: str) -> str:
    """The "Who has voted" section of a decision page."""
    return page.split('<section id="voters"', 1)[1].split("</section>", 1)[0]


def test_the_attack_closing_early_after_one_vote_shows_nothing(
    client, world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from participants.reminders import sending

    settings.COPRODUCE_DAYTIME = None  # emails at any hour
    for member, reminder_format in [
        (world.participant, "easy_words"),
        (world.professional, "large_print"),
    ]:
        member.user.reminder_format = reminder_format
        member.user.save()
    aisha = MembershipFactory(project=world.project, user__display_name="Aisha Rahman")
    decision = make_decision(world, title="Move the meeting", is_anonymous=True, quorum_percent=0)
    services.vote_cast(member=aisha, decision=decision, choice="disagree", reason="Too early")

    # While it is open, "who has voted" is a number, with no names.
    client.force_login(world.facilitator.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "1 of 4 members has voted" in _voters(page)
    assert "Aisha Rahman" not in _voters(page)
    assert "(has voted online)" not in page  # nor in the record-a-vote form
    assert "An anonymous vote can only be closed early once at least 3" in page

    # Closing early is refused, in the service and on the form.
    with pytest.raises(ValidationError, match="only be closed early once at least 3"):
        services.decision_close_early(
            actor=world.facilitator.user, decision=decision, reason="We met"
        )
    response = client.post(decision.get_absolute_url() + "close/", {"close-reason": "We met"})
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    decision.refresh_from_db()
    assert decision.is_open

    # It reaches its closing time with one vote.
    with time_machine.travel(decision.closes_at + timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert close_due_decisions() == 1
        sending.send_due()
    decision.refresh_from_db()
    assert decision.result == Decision.Result.NO_QUORUM
    assert decision.chosen_option is None
    assert decision.tally["votes_hidden"] is True
    assert decision.tally["rows"] == []
    assert decision.tally["counts"] == {}
    assert decision.tally["voted"] == 1

    secrets = ["Disagree", "disagreed", "Too early", "Not passed:", "did not pass"]
    page = client.get(decision.get_absolute_url()).content.decode()
    log = client.get(reverse("decisions:log", kwargs={"slug": world.project.slug}))
    client.force_login(world.staff)
    admin_page = client.get(
        reverse("admin:decisions_decision_change", args=[decision.pk])
    ).content.decode()
    outputs = {"page": page, "log": log.content.decode(), "admin": admin_page}
    for label, output in outputs.items():
        assert TOO_FEW in output, label
        assert "1 vote " not in output, label
        assert "1 vote<" not in output, label
        assert "Aisha Rahman" not in output, label  # who voted: just a number
        for secret in secrets:
            assert secret not in output, f"{label}: {secret}"
    assert "Closed: Not decided: too few votes" in page
    assert "1 of 4 members voted" in page

    client.force_login(world.facilitator.user)
    (row,) = [row for row in _csv_rows(client, world) if row["Title"] == "Move the meeting"]
    assert row["Result"] == "Not decided: too few votes"
    assert row["Result in words"].startswith("Not decided: too few votes to count in secret.")
    for column in (
        "Agree",
        "Disagree",
        "Did not want to choose (abstain)",
        "Said no and stopped it (block)",
        "Votes for each option",
    ):
        assert row[column] == "", column
    assert row["Votes of participants"].startswith("Not shown")
    assert row["Members who voted"] == "1"

    results = [
        message
        for message in mailoutbox
        if message.extra_headers.get("X-Coproduce-Kind") == "result"
    ]
    assert {message.to[0] for message in results} >= {
        world.participant.user.email,
        world.professional.user.email,
        aisha.user.email,
    }
    for message in results:
        parts = [message.subject, message.body]
        parts += [content for content, _type in getattr(message, "alternatives", [])]
        text = " ".join(parts)
        assert "Fewer than 3 people voted" in text, message.subject
        for secret in secrets + ["Aisha Rahman"]:
            assert secret not in text, f"email “{message.subject}”: {secret}"


def test_with_three_votes_the_counts_and_names_are_shown_after_it_closes(client, world):
    decision = make_decision(world, title="Paint it blue", is_anonymous=True, quorum_percent=0)
    for member, choice in [
        (world.participant, "agree"),
        (world.professional, "agree"),
        (world.facilitator, "disagree"),
    ]:
        services.vote_cast(member=member, decision=decision, choice=choice)
    client.force_login(world.participant.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "3 of 3 members have voted" in _voters(page)
    assert "Priya Shah" not in _voters(page)  # no names while it is open

    closed = services.decision_close_early(
        actor=world.facilitator.user, decision=decision, reason="Everyone voted"
    )
    assert closed.result == Decision.Result.PASSED
    assert closed.tally["votes_hidden"] is False
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Passed: 2 agreed, 1 disagreed and 0 did not want to choose." in page
    assert "Agree: 2 votes" in page
    assert "Priya Shah" in _voters(page)  # who voted, not how
    assert "Sam Okafor" in _voters(page)
    assert TOO_FEW not in page
    (row,) = [row for row in _csv_rows(client, world) if row["Title"] == "Paint it blue"]
    assert (row["Agree"], row["Disagree"], row["Result"]) == ("2", "1", "Passed")
    client.force_login(world.staff)
    admin_page = client.get(
        reverse("admin:decisions_decision_change", args=[decision.pk])
    ).content.decode()
    assert "Agree: 2" in admin_page
    assert "Priya Shah" in admin_page


def test_who_has_voted_is_a_number_while_an_anonymous_vote_is_open(client, world, anonymous):
    consent, _choice, voters, _members = anonymous
    for viewer in VIEWERS:
        sign_in(client, world, viewer)
        page = client.get(consent.get_absolute_url()).content.decode()
        assert "3 of 6 members have voted" in _voters(page), viewer
        for name, _secrets in voters:
            assert name not in _voters(page), viewer
        assert "the names of who voted are not shown while the vote is open" in _voters(page)
    client.force_login(world.staff)
    admin_page = client.get(
        reverse("admin:decisions_decision_change", args=[consent.pk])
    ).content.decode()
    assert "3 voted so far" in admin_page
    for name, _secrets in voters:
        assert name not in admin_page
