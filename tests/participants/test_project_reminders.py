"""The reminders about a project as a whole: where it is after it moves on
(one message for a run of moves), and that it has finished. Also: kinds of
reminder come from the registry alone."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from decisions.models import Decision
from decisions.services import decision_close, decision_propose, outcome_write
from participants.models import PlanningRequest, ReminderLog, User
from participants.profile.forms import ReminderPreferencesForm
from participants.reminders import sending
from participants.reminders.project_kinds import StageReminder
from participants.reminders.registry import choices_to_turn_off, registered_kinds
from participants.services import reminders_stop
from projects.models import Project
from projects.permissions import SYSTEM
from projects.services import stage_advance
from tests.factories import StageFactory
from tests.participants.mailers import CountingBackend
from tests.participants.support import CLOSES, NOW, PROJECT_NAME, TITLE, build_project, kind_of

SETTLE = StageReminder.settle
OTHERS = {"standard@example.org", "plain_text@example.org"}  # everyone but Sam, who acts


@pytest.fixture
def world(db, settings):
    CountingBackend.reset()
    settings.MAILERS = {"default": {"BACKEND": "tests.participants.mailers.CountingBackend"}}
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "plain_text"])
    for position, name in enumerate(["Designing together", "Trying it out", "Looking back"], 3):
        StageFactory(project=world.project, position=position, name=name)
    return world


def advance(world, capture, *, at):
    with time_machine.travel(at, tick=False), capture(execute=True):
        return stage_advance(project=world.project, actor=world.facilitator.user)


def sent(kind):
    return [message for message in CountingBackend.sent if kind_of(message) == kind]


def test_moving_through_several_stages_at_once_sends_one_message_about_where_it_is(
    world, django_capture_on_commit_callbacks
):
    """Three presses of "next stage" within a few minutes: each member hears
    once, about the stage the project is now in, after it has settled."""
    for minutes in (0, 1, 3):
        now_in = advance(
            world, django_capture_on_commit_callbacks, at=NOW + timedelta(minutes=minutes)
        )
    assert now_in.name == "Looking back"
    with time_machine.travel(
        NOW + timedelta(minutes=3) + SETTLE - timedelta(seconds=1), tick=False
    ):
        assert sending.send_due().sent == 0  # not yet settled
    with time_machine.travel(NOW + timedelta(minutes=3) + SETTLE, tick=False):
        report = sending.send_due()
    assert report.sent == len(OTHERS)
    messages = sent("stage")
    assert {message.to[0] for message in messages} == OTHERS
    for message in messages:
        assert "Looking back" in message.subject
        assert "Designing together" not in message.body
        assert f"/stages/{now_in.pk}/" in message.body
    waiting = ReminderLog.objects.filter(kind="stage").exclude(status=ReminderLog.Status.SENT)
    assert set(waiting.values_list("status", flat=True)) == {ReminderLog.Status.SKIPPED}


def test_moves_far_apart_each_send_their_own_message(world, django_capture_on_commit_callbacks):
    advance(world, django_capture_on_commit_callbacks, at=NOW)
    with time_machine.travel(NOW + SETTLE, tick=False):
        assert sending.send_due().sent == len(OTHERS)
    later = NOW + timedelta(days=7)
    advance(world, django_capture_on_commit_callbacks, at=later)
    with time_machine.travel(later + SETTLE, tick=False):
        assert sending.send_due().sent == len(OTHERS)
    subjects = sorted(message.subject for message in sent("stage") if "standard" in message.to[0])
    assert [("Designing together" in s, "Trying it out" in s) for s in subjects] == [
        (True, False),
        (False, True),
    ]


def test_a_message_already_waiting_in_a_digest_says_where_the_project_is_now(
    world, django_capture_on_commit_callbacks
):
    User.objects.filter(email="standard@example.org").update(reminder_timing="daily")
    advance(world, django_capture_on_commit_callbacks, at=NOW)
    advance(world, django_capture_on_commit_callbacks, at=NOW + timedelta(minutes=5))
    held = ReminderLog.objects.filter(kind="stage", in_digest=True, status="pending")
    assert held.count() == 1


def decided_and_finished(world, capture):
    """One decision closed with an outcome, then the last stages ended."""
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        decision = decision_propose(
            member=world.facilitator,
            title=TITLE,
            description="Open later on weekdays.",
            kind="consent",
            closes_at=CLOSES,
        )
    with time_machine.travel(CLOSES, tick=False), capture(execute=True):
        decision_close(decision_id=decision.pk, actor=SYSTEM)
        outcome_write(
            actor=world.facilitator.user,
            decision=Decision.objects.get(pk=decision.pk),
            statement="We open until 6pm.",
            who="Sam",
        )
    finished_at = CLOSES + timedelta(days=1)
    for minutes in range(4):
        advance(world, capture, at=finished_at + timedelta(minutes=minutes))
    world.project.refresh_from_db()
    assert world.project.status == Project.Status.FINISHED
    return finished_at + timedelta(minutes=3)


def test_every_member_learns_the_project_has_finished_with_a_link_to_its_decisions(
    world, django_capture_on_commit_callbacks
):
    finished_at = decided_and_finished(world, django_capture_on_commit_callbacks)
    # Sent at once; the stage messages of the last moves never are.
    with time_machine.travel(finished_at + SETTLE, tick=False):
        sending.send_due()
    messages = sent("project_finished")
    assert {message.to[0] for message in messages} == OTHERS
    (standard,) = [message for message in messages if message.to == ["standard@example.org"]]
    assert standard.subject == f"Read what the project decided - {PROJECT_NAME}"
    assert f"/projects/{world.project.slug}/decisions/" in standard.body
    assert "The project made 1 decision. 1 of them has a note of what will happen next." in (
        standard.body
    )
    assert sent("stage") == []


def test_the_end_of_a_project_can_be_turned_off_like_any_kind(
    world, django_capture_on_commit_callbacks
):
    reminders_stop(user=world.members["standard"].user, kind="project_finished")
    finished_at = decided_and_finished(world, django_capture_on_commit_callbacks)
    with time_machine.travel(finished_at + SETTLE, tick=False):
        sending.send_due()
    assert [message.to for message in sent("project_finished")] == [["plain_text@example.org"]]


def test_preference_choices_come_from_the_registry():
    choices = dict(choices_to_turn_off())
    form_choices = dict(ReminderPreferencesForm().fields["wanted"].choices)
    assert form_choices == choices
    # Every kind that can be turned off is a choice, or goes with one that is.
    for kind in registered_kinds().values():
        if kind.can_turn_off:
            assert kind.opt_out in choices
        else:
            assert kind.name not in choices
    assert choices["project_finished"] == "The project has finished"
    assert "invitation" not in choices


def test_the_reminder_log_and_planning_requests_accept_only_registered_names(db):
    user = User.objects.create_user(email="a@example.org", display_name="A")
    row = ReminderLog(user=user, kind="carrier_pigeon", object_key="x:1", due_at=NOW)
    with pytest.raises(ValidationError, match="carrier_pigeon is not a kind of reminder"):
        row.full_clean()
    row.kind = "project_finished"
    row.full_clean()
    request = PlanningRequest(event="moon_landing", try_after=NOW)
    with pytest.raises(ValidationError, match="not an event with a planner"):
        request.full_clean()
    user.reminders_turned_off = ["invitation"]
    with pytest.raises(ValidationError, match="Choose emails from the list"):
        user.full_clean(exclude=["password"])
