"""The decision services: every rule, and that a refused write changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from decisions import reminders, services
from decisions.models import Comment, Decision, DecisionRevision, Option, Outcome, Vote
from decisions.tasks import close_due_decisions
from projects.models import Activity
from projects.permissions import SYSTEM
from tests.decisions.support import make_decision
from tests.factories import (
    CommentFactory,
    MembershipFactory,
    OptionFactory,
    StageFactory,
    VoteFactory,
)
from tests.roles import ADMIN_ROLES, SEES, two_organisations


@pytest.fixture
def handovers(monkeypatch):
    """Record calls to the reminder hand-over points."""
    calls = []
    for name in ("decision_proposed", "decision_closed", "outcome_written", "vote_recorded"):
        monkeypatch.setattr(
            reminders, name, lambda decision_id, name=name: calls.append((name, decision_id))
        )
    return calls


def _propose(world, **overrides):
    arguments = {
        "member": world.participant,
        "title": "Open until 6pm",
        "description": "Open the day centre until 6pm.",
        "kind": "consent",
        "closes_at": timezone.now() + timedelta(days=2),
    }
    arguments.update(overrides)
    return services.decision_propose(**arguments)


# --- proposing ------------------------------------------------------------------


def test_any_member_proposes_in_the_current_stage(
    world, handovers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = _propose(world, member=world.professional, easy_words="Open later.")
    assert decision.stage == world.stage
    assert decision.proposer == world.professional
    assert decision.status == "open"
    assert decision.quorum_percent == 50
    assert decision.pass_rule == "more_agree_no_block"
    assert handovers == [("decision_proposed", decision.pk)]
    activity = Activity.objects.get(project=world.project)
    assert activity.summary == "Priya Shah proposed “Open until 6pm”"


def test_choice_needs_two_to_ten_distinct_options(world):
    decision = _propose(world, kind="choice", options=[" Monday ", "", "Wednesday", "  "])
    options = list(decision.options.values_list("position", "text"))
    assert options == [(0, "Monday"), (1, "Wednesday")]

    for options, message in [
        (["Only one", "", " "], "Write at least 2 options"),
        ([f"Option {n}" for n in range(11)], "Write no more than 10 options"),
        (["Monday", "monday "], "Each option must be different: “monday” is there twice"),
    ]:
        with pytest.raises(ValidationError) as error:
            _propose(world, kind="choice", options=options)
        assert error.value.message_dict["options"] == [message]
    assert Decision.objects.count() == 1


def test_a_consent_proposal_has_no_options(world):
    with pytest.raises(ValidationError) as error:
        _propose(world, options=["Yes", "No"])
    assert "options" in error.value.message_dict
    assert not Decision.objects.exists()


def test_closing_must_be_at_least_an_hour_ahead(world):
    with time_machine.travel(timezone.now(), tick=False):
        with pytest.raises(ValidationError) as error:
            _propose(world, closes_at=timezone.now() + timedelta(minutes=59))
        assert error.value.message_dict["closes_at"] == [
            "The closing time must be at least one hour from now"
        ]
        _propose(world, closes_at=timezone.now() + timedelta(hours=1))
    assert Decision.objects.count() == 1


def test_bad_quorum_and_blank_title_are_refused(world):
    with pytest.raises(ValidationError) as error:
        _propose(world, title="  ", quorum_percent=101)
    assert set(error.value.message_dict) == {"title", "quorum_percent"}
    assert not Decision.objects.exists()


def test_only_current_members_propose_and_only_with_a_current_stage(world):
    world.participant.left_at = timezone.now()
    world.participant.save()
    with pytest.raises(ValidationError, match="Only members"):
        _propose(world)
    world.stage.ended_at = timezone.now()
    world.stage.save()
    with pytest.raises(ValidationError, match="no current stage"):
        _propose(world, member=world.professional)
    StageFactory(project=world.project, current=True, position=2)
    assert _propose(world, member=world.professional).stage.position == 2


# --- editing --------------------------------------------------------------------


def test_edits_before_the_first_vote_leave_no_history_and_may_change_options(
    world, choice_decision
):
    services.decision_edit(
        decision=choice_decision,
        actor=world.participant.user,
        title="New title",
        description="New words",
        options=["Tuesday", "Thursday"],
        is_anonymous=True,
    )
    choice_decision.refresh_from_db()
    assert choice_decision.title == "New title"
    assert choice_decision.is_anonymous
    assert [o.text for o in choice_decision.options.all()] == ["Tuesday", "Thursday"]
    assert not DecisionRevision.objects.exists()


def test_edits_after_the_first_vote_keep_the_old_words(world, choice_decision):
    option = choice_decision.options.first()
    VoteFactory(decision=choice_decision, choice="option", option=option)
    services.decision_edit(
        decision=choice_decision,
        actor=world.facilitator.user,
        title="Choose the new drop-in time",
        description="Which time suits you?",
        options=["Monday 2pm", "Wednesday 10am", "Friday 1pm"],
        is_anonymous=False,
    )
    revision = DecisionRevision.objects.get()
    assert (revision.title, revision.description) == (
        "Choose the drop-in time",
        "Open the day centre until 6pm on weekdays.",
    )
    assert revision.edited_by == world.facilitator.user

    for change, field in [
        ({"options": ["Saturday", "Sunday"]}, "options"),
        ({"is_anonymous": True}, "is_anonymous"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.decision_edit(
                decision=choice_decision,
                actor=world.facilitator.user,
                title="Another title",
                description="Other words",
                **change,
            )
        assert field in error.value.message_dict
    choice_decision.refresh_from_db()
    assert choice_decision.title == "Choose the new drop-in time"
    assert not choice_decision.is_anonymous
    assert Option.objects.filter(decision=choice_decision).count() == 3
    assert DecisionRevision.objects.count() == 1


def test_only_the_proposer_or_a_facilitator_edits(world, decision):
    with pytest.raises(PermissionDenied):
        services.decision_edit(
            decision=decision, actor=world.professional.user, title="X", description="Y"
        )
    services.decision_edit(decision=decision, actor=world.manager, title="X", description="Y")
    assert Decision.objects.get().title == "X"


# --- voting ---------------------------------------------------------------------


def test_one_member_one_vote_that_can_change(world, decision):
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    vote = services.vote_cast(
        member=world.participant, decision=decision, choice="disagree", reason=" Too late "
    )
    assert Vote.objects.count() == 1
    vote.refresh_from_db()
    assert (vote.choice, vote.reason, vote.channel) == ("disagree", "Too late", "online")


def test_a_block_needs_a_reason(world, decision):
    with pytest.raises(ValidationError) as error:
        services.vote_cast(member=world.participant, decision=decision, choice="block", reason=" ")
    assert error.value.message_dict == {"reason": ["Explain why you block: a block needs a reason"]}
    assert not Vote.objects.exists()


def test_votes_after_closing_are_refused_and_change_nothing(world, decision):
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    services.decision_close(decision_id=decision.pk, actor=SYSTEM)
    with pytest.raises(ValidationError, match="Voting closed on .* so votes can no longer"):
        services.vote_cast(member=world.participant, decision=decision, choice="disagree")
    assert Vote.objects.get().choice == "agree"


def test_votes_after_the_closing_time_are_refused_before_the_task_runs(world, decision):
    with (
        time_machine.travel(decision.closes_at + timedelta(seconds=1), tick=False),
        pytest.raises(ValidationError, match="Voting closed"),
    ):
        services.vote_cast(member=world.participant, decision=decision, choice="agree")
    assert not Vote.objects.exists()


def test_non_members_cannot_vote(world, decision):
    stranger = MembershipFactory()  # a member of another project
    with pytest.raises(ValidationError, match="Only members of this project can vote"):
        services.vote_cast(member=stranger, decision=decision, choice="agree")
    world.professional.left_at = timezone.now()
    world.professional.save()
    with pytest.raises(ValidationError, match="Only members of this project can vote"):
        services.vote_cast(member=world.professional, decision=decision, choice="agree")
    assert not Vote.objects.exists()


def test_options_must_belong_to_the_decision(world, choice_decision, decision):
    elsewhere = OptionFactory()
    with pytest.raises(ValidationError) as error:
        services.vote_cast(
            member=world.participant, decision=choice_decision, choice="option", option=elsewhere
        )
    assert "another decision" in error.value.message_dict["choice"][0]
    with pytest.raises(ValidationError):
        services.vote_cast(member=world.participant, decision=choice_decision, choice="agree")
    with pytest.raises(ValidationError):
        services.vote_cast(
            member=world.participant,
            decision=decision,
            choice="agree",
            option=choice_decision.options.first(),
        )
    assert not Vote.objects.exists()
    option = choice_decision.options.last()
    services.vote_cast(
        member=world.participant, decision=choice_decision, choice="option", option=option
    )
    assert Vote.objects.get().option == option


def test_an_assisted_vote_names_the_supporter(world, decision):
    with pytest.raises(ValidationError) as error:
        services.vote_cast(
            member=world.participant, decision=decision, choice="agree", assisted=True
        )
    assert "supporter" in error.value.message_dict
    vote = services.vote_cast(
        member=world.participant,
        decision=decision,
        choice="agree",
        assisted=True,
        supporter="Joan (my sister)",
    )
    assert (vote.assisted, vote.supporter) == (True, "Joan (my sister)")
    vote = services.vote_cast(
        member=world.participant, decision=decision, choice="agree", supporter="ignored"
    )
    assert (vote.assisted, vote.supporter) == (False, "")


def test_a_facilitator_records_a_vote_and_the_member_can_change_it(world, decision):
    with time_machine.travel(timezone.now(), tick=False):
        vote = services.vote_record_on_behalf(
            actor=world.facilitator.user,
            member=world.participant,
            decision=decision,
            choice="agree",
            channel="phone",
        )
        assert (vote.recorded_by, vote.channel, vote.updated_at) == (
            world.facilitator.user,
            "phone",
            timezone.now(),
        )
    vote = services.vote_cast(member=world.participant, decision=decision, choice="disagree")
    assert (vote.recorded_by, vote.channel, vote.choice) == (None, "online", "disagree")
    assert Vote.objects.count() == 1


def test_recording_on_behalf_is_for_facilitators_and_managers_only(world, decision):
    with pytest.raises(PermissionDenied):
        services.vote_record_on_behalf(
            actor=world.professional.user,
            member=world.participant,
            decision=decision,
            choice="agree",
            channel="paper",
        )
    with pytest.raises(ValidationError) as error:
        services.vote_record_on_behalf(
            actor=world.facilitator.user,
            member=world.facilitator,
            decision=decision,
            choice="agree",
            channel="online",
        )
    assert set(error.value.message_dict) == {"channel", "member"}
    assert not Vote.objects.exists()
    services.vote_record_on_behalf(
        actor=world.manager,
        member=world.participant,
        decision=decision,
        choice="abstain",
        channel="meeting",
    )
    assert Vote.objects.get().recorded_by == world.manager


# --- discussion -----------------------------------------------------------------


def test_members_comment_while_the_decision_is_open(world, decision):
    comment = services.comment_post(member=world.professional, decision=decision, body=" Yes! ")
    assert comment.body == "Yes!"
    with pytest.raises(ValidationError):
        services.comment_post(member=world.professional, decision=decision, body="   ")
    with pytest.raises(ValidationError, match="Only members"):
        services.comment_post(member=MembershipFactory(), decision=decision, body="Hello")
    services.decision_close(decision_id=decision.pk, actor=SYSTEM)
    decision.refresh_from_db()
    with pytest.raises(ValidationError, match="discussion closed"):
        services.comment_post(member=world.professional, decision=decision, body="Late")
    assert Comment.objects.count() == 1


def test_authors_edit_their_comment_for_fifteen_minutes(world, decision):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        comment = services.comment_post(member=world.participant, decision=decision, body="Hi")
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        with pytest.raises(PermissionDenied):
            services.comment_edit(member=world.professional, comment=comment, body="Mine now")
        comment = services.comment_edit(member=world.participant, comment=comment, body="Hello")
        assert (comment.body, comment.edited_at) == ("Hello", timezone.now())
    with (
        time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False),
        pytest.raises(ValidationError, match="15 minutes"),
    ):
        services.comment_edit(member=world.participant, comment=comment, body="Too late")
    assert Comment.objects.get().body == "Hello"


def test_a_facilitator_hides_a_comment_with_a_reason(world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    with pytest.raises(PermissionDenied):
        services.comment_hide(actor=world.professional.user, comment=comment, reason="Rude")
    with pytest.raises(ValidationError):
        services.comment_hide(actor=world.facilitator.user, comment=comment, reason=" ")
    comment = services.comment_hide(actor=world.manager, comment=comment, reason="Personal details")
    assert (comment.hidden_by, comment.hidden_reason) == (world.manager, "Personal details")
    assert comment.body == "I think this is a good idea."  # kept, not deleted
    with pytest.raises(ValidationError, match="already hidden"):
        services.comment_hide(actor=world.facilitator.user, comment=comment, reason="Again")
    with pytest.raises(ValidationError, match="hidden"):
        services.comment_edit(member=world.participant, comment=comment, body="Sorry")


# --- closing and the outcome ----------------------------------------------------


def test_closing_counts_once_and_hands_over_once(
    world, decision, handovers, django_capture_on_commit_callbacks
):
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    VoteFactory(decision=decision, member=world.professional, choice="agree")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decision_close(decision_id=decision.pk, actor=SYSTEM) is True
        assert services.decision_close(decision_id=decision.pk, actor=SYSTEM) is False
    decision.refresh_from_db()
    assert (decision.status, decision.result, decision.quorum_met) == ("closed", "passed", True)
    assert decision.tally["voted"] == 2
    assert decision.closed_at <= timezone.now()
    assert handovers == [("decision_closed", decision.pk)]
    first_tally = decision.tally
    Vote.objects.filter(member=world.participant).update(choice="disagree")
    services.decision_close(decision_id=decision.pk, actor=SYSTEM)
    decision.refresh_from_db()
    assert decision.tally == first_tally


def test_a_due_decision_records_its_closing_time(world, decision):
    later = decision.closes_at + timedelta(hours=5)
    with time_machine.travel(later, tick=False):
        assert close_due_decisions() == 1
        assert close_due_decisions() == 0
    decision.refresh_from_db()
    assert decision.closed_at == decision.closes_at
    assert decision.result == "no_quorum"


def test_the_task_closes_only_due_decisions_and_catches_up(world, handovers):
    now = timezone.now()
    due_long_ago = make_decision(world, closes_at=now - timedelta(days=3))
    due_now = make_decision(world, closes_at=now)
    not_due = make_decision(world, closes_at=now + timedelta(minutes=1))
    with time_machine.travel(now, tick=False):
        assert close_due_decisions() == 2
    assert set(Decision.objects.closed().values_list("pk", flat=True)) == {
        due_long_ago.pk,
        due_now.pk,
    }
    assert Decision.objects.get(pk=not_due.pk).is_open


def test_closing_early_needs_a_facilitator_and_a_reason(world, decision):
    with pytest.raises(PermissionDenied):
        services.decision_close_early(actor=world.participant.user, decision=decision, reason="x")
    with pytest.raises(ValidationError):
        services.decision_close_early(actor=world.facilitator.user, decision=decision, reason=" ")
    assert Decision.objects.get().is_open
    with time_machine.travel(timezone.now(), tick=False):
        closed = services.decision_close_early(
            actor=world.facilitator.user, decision=decision, reason="We agreed in the meeting"
        )
        assert closed.closed_at == timezone.now()
    assert (closed.closed_by, closed.close_reason) == (
        world.facilitator.user,
        "We agreed in the meeting",
    )
    with pytest.raises(ValidationError, match="already closed"):
        services.decision_close_early(actor=world.facilitator.user, decision=decision, reason="x")


def test_the_proposer_or_a_facilitator_writes_the_outcome(
    world, decision, handovers, django_capture_on_commit_callbacks
):
    arguments = {"statement": "We open until 6pm", "who": "Sam", "by_when": None}
    with pytest.raises(ValidationError, match="when the decision has closed"):
        services.outcome_write(actor=world.participant.user, decision=decision, **arguments)
    services.decision_close(decision_id=decision.pk, actor=SYSTEM)
    decision.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.outcome_write(actor=world.professional.user, decision=decision, **arguments)
    with pytest.raises(ValidationError):
        services.outcome_write(
            actor=world.participant.user, decision=decision, statement=" ", who="Sam"
        )
    assert not Outcome.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_write(actor=world.participant.user, decision=decision, **arguments)
        outcome = services.outcome_write(
            actor=world.facilitator.user,
            decision=decision,
            statement="We open until 6pm from May",
            who="Sam",
        )
    assert Outcome.objects.count() == 1
    assert (outcome.statement, outcome.written_by) == (
        "We open until 6pm from May",
        world.facilitator.user,
    )
    assert [call for call in handovers if call[0] == "outcome_written"] == [
        ("outcome_written", decision.pk)
    ]


# --- votes recorded for a member, and double submits ----------------------------


def test_a_facilitator_cannot_change_a_vote_the_member_cast_themselves(world, decision):
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    with pytest.raises(ValidationError) as error:
        services.vote_record_on_behalf(
            actor=world.facilitator.user,
            member=world.participant,
            decision=decision,
            choice="disagree",
            channel="meeting",
        )
    assert error.value.message_dict["member"] == [
        "Pat Paterson has voted online, so only they can change their vote. "
        "They can change it on this page until voting closes"
    ]
    vote = Vote.objects.get()
    assert (vote.choice, vote.recorded_by) == ("agree", None)


def test_a_facilitator_can_correct_a_vote_recorded_for_the_member(
    world, decision, handovers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for choice in ("agree", "abstain"):
            services.vote_record_on_behalf(
                actor=world.facilitator.user,
                member=world.participant,
                decision=decision,
                choice=choice,
                channel="paper",
            )
        services.vote_cast(member=world.professional, decision=decision, choice="agree")
    vote = Vote.objects.get(member=world.participant)
    assert (vote.choice, vote.recorded_by) == ("abstain", world.facilitator.user)
    # The member is told each time; a member's own vote tells nobody.
    assert handovers == [("vote_recorded", vote.pk), ("vote_recorded", vote.pk)]


def test_the_same_proposal_sent_twice_in_a_row_is_proposed_once(
    world, handovers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _propose(world, kind="choice", options=["Monday", "Friday"])
        again = _propose(world, kind="choice", options=["Monday", "Friday"])
        other_options = _propose(world, kind="choice", options=["Monday", "Sunday"])
    assert again == first
    assert other_options != first
    assert Decision.objects.count() == 2
    assert Activity.objects.count() == 2
    assert [name for name, _pk in handovers] == ["decision_proposed", "decision_proposed"]
    with time_machine.travel(timezone.now() + services.DOUBLE_SUBMIT_WINDOW, tick=False):
        assert _propose(world, kind="choice", options=["Monday", "Friday"]) != first


def test_the_same_comment_sent_twice_in_a_row_is_posted_once(world, decision):
    first = services.comment_post(member=world.participant, decision=decision, body="Yes please")
    again = services.comment_post(member=world.participant, decision=decision, body=" Yes please ")
    someone_else = services.comment_post(
        member=world.professional, decision=decision, body="Yes please"
    )
    assert again == first
    assert someone_else != first
    with time_machine.travel(timezone.now() + services.DOUBLE_SUBMIT_WINDOW, tick=False):
        later = services.comment_post(
            member=world.participant, decision=decision, body="Yes please"
        )
    assert later != first
    assert Comment.objects.count() == 3


def test_the_member_gets_an_email_when_a_vote_is_recorded_for_them(
    world, decision, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from participants.reminders import sending

    settings.COPRODUCE_DAYTIME = None  # at any hour
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_record_on_behalf(
            actor=world.facilitator.user,
            member=world.participant,
            decision=decision,
            choice="agree",
            channel="phone",
        )
    sending.send_due()
    assert [message.to for message in mailoutbox] == [[world.participant.user.email]]
    assert "Sam Okafor" in mailoutbox[0].body


# Closing early and hiding: the organisation's managers, not any staff -------


def _close_early(org, actor):
    # An anonymous vote closes early only with at least 3 votes.
    for member in (org.facilitator, org.professional):
        VoteFactory(decision=org.anonymous, member=member)
    return services.decision_close_early(
        actor=actor, decision=org.anonymous, reason="We agreed in the meeting."
    )


HOUSEKEEPING = {
    "decision_close_early": _close_early,
    "comment_hide": lambda org, actor: services.comment_hide(
        actor=actor, comment=org.comment, reason="A phone number"
    ),
}


@pytest.mark.parametrize("service", HOUSEKEEPING)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_housekeeping_is_for_the_organisations_managers_not_for_any_staff(db, role, service):
    world = two_organisations()
    actor = world.people[role]
    for key, org in world.organisations.items():
        if key in SEES[role]:
            HOUSEKEEPING[service](org, actor)
        else:
            with pytest.raises(PermissionDenied):
                HOUSEKEEPING[service](org, actor)
    assert Decision.objects.filter(status="closed").count() == 2 + (
        len(SEES[role]) if service == "decision_close_early" else 0
    )
    assert Comment.objects.exclude(hidden_at=None).count() == (
        len(SEES[role]) if service == "comment_hide" else 0
    )


# Who acts: the system closes decisions, and nothing else here ----------------


def test_the_system_closes_a_decision_and_is_recorded_as_nobody(world, decision):
    assert services.decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
    decision.refresh_from_db()
    assert (decision.status, decision.closed_by) == (Decision.Status.CLOSED, None)
    line = Activity.objects.get(project=world.project, summary__contains="closed:")
    assert line.actor is None


@pytest.mark.parametrize("role", ["participant", "professional"])
def test_a_member_who_does_no_housekeeping_cannot_close_a_decision(world, decision, role):
    member = getattr(world, role)
    with pytest.raises(PermissionDenied):
        services.decision_close(decision_id=decision.pk, actor=member.user)
    with pytest.raises(PermissionDenied):
        services.decision_close(decision_id=decision.pk, actor=world.outsider)
    decision.refresh_from_db()
    assert decision.is_open


def test_the_system_is_refused_where_a_person_acts(world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    refusals = [
        lambda: services.decision_close_early(actor=SYSTEM, decision=decision, reason="Done"),
        lambda: services.comment_hide(actor=SYSTEM, comment=comment, reason="Rude"),
        lambda: services.decision_edit(
            actor=SYSTEM, decision=decision, title="New", description="New words"
        ),
        lambda: services.vote_record_on_behalf(
            actor=SYSTEM,
            member=world.participant,
            decision=decision,
            choice="agree",
            channel="phone",
        ),
    ]
    for refused in refusals:
        with pytest.raises(PermissionDenied):
            refused()
    services.decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
    with pytest.raises(PermissionDenied):
        services.outcome_write(
            actor=SYSTEM, decision=decision, statement="We will.", who="Everyone"
        )
    assert not Comment.objects.filter(pk=comment.pk, hidden_at__isnull=False).exists()
    assert not Vote.objects.exists()


def test_decisions_write_activity_through_the_projects_service(world, decision):
    """One activity service: decisions/services.py never writes the
    projects.Activity table itself."""
    import inspect

    source = inspect.getsource(services)
    assert "Activity" not in source.replace("activity_record", "")
