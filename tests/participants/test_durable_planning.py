"""Reminders survive a crash. A change that calls for reminders writes a
planning request in its own transaction; its reminders are planned as soon as
it commits, and beat's sweep (participants.reminders.planning.plan_missed) plans what a
process that died in between left unplanned.

Most tests commit each change as such a crash leaves it: saved, with its
on-commit work never run (django_capture_on_commit_callbacks(execute=False),
the callbacks dropped). The last one kills a real Celery worker with SIGKILL
after it closed a decision and before it planned the result emails, and
watches beat's sweep plan them and another worker send them, once each.
"""

import contextlib
import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, transaction
from django.utils import timezone

from decisions import reminders as decision_reminders
from decisions.services import (
    decision_close,
    decision_propose,
    outcome_write,
    vote_record_on_behalf,
)
from decisions.tasks import close_due_decisions
from participants.invitations.services import invitations_create
from participants.models import PlanningRequest, ReminderLog, User
from participants.reminders import planning, registry, sending
from projects.models import Membership
from projects.permissions import SYSTEM
from projects.services import membership_add, stage_advance
from tests.factories import DecisionFactory, MembershipFactory, StageFactory, UserFactory
from tests.participants import celery_processes
from tests.participants.mailers import CountingBackend
from tests.participants.support import CLOSES, NOW, TITLE, build_project

GRACE = timedelta(seconds=60)  # one beat interval, COPRODUCE_BEAT_SECONDS' default
EVERYONE = {"sam@example.org", "standard@example.org", "plain_text@example.org"}


@pytest.fixture(autouse=True)
def _a_minute_between_beats(settings):
    settings.COPRODUCE_BEAT_SECONDS = 60
    CountingBackend.reset()
    settings.MAILERS = {"default": {"BACKEND": "tests.participants.mailers.CountingBackend"}}


@pytest.fixture
def world(db):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        return build_project(formats=["standard", "plain_text"])


class Commit:
    """Commits a change, either as a crash straight after the commit leaves
    it (saved; the on-commit work that plans its reminders never runs) or
    normally. Remembers when, and which reminders there were before."""

    def __init__(self, capture, *, crash: bool):
        self.capture = capture
        self.crash = crash
        self.at = None
        self.before: set[int] = set()

    @contextlib.contextmanager
    def __call__(self, *, at):
        self.at = at
        self.before = set(ReminderLog.objects.values_list("pk", flat=True))
        with time_machine.travel(at, tick=False), self.capture(execute=not self.crash):
            yield

    def new_reminders(self) -> set[tuple[str, str, str]]:
        """(kind, address, object) of every reminder planned since."""
        return set(
            ReminderLog.objects.exclude(pk__in=self.before).values_list(
                "kind", "user__email", "object_key"
            )
        )


@pytest.fixture
def crash(django_capture_on_commit_callbacks):
    return Commit(django_capture_on_commit_callbacks, crash=True)


@pytest.fixture
def no_crash(django_capture_on_commit_callbacks):
    return Commit(django_capture_on_commit_callbacks, crash=False)


def _propose(world, capture, *, at=NOW):
    """A decision proposed by Sam, its reminders planned as usual."""
    with time_machine.travel(at, tick=False), capture(execute=True):
        return decision_propose(
            member=world.facilitator,
            title=TITLE,
            description="Open later on weekdays.",
            kind="consent",
            closes_at=CLOSES,
        )


# Each change, committed through `commit`; returns the reminders its event
# calls for, as (kind, address, object).


def decision_proposed(world, commit, capture):
    with commit(at=NOW):
        decision = decision_propose(
            member=world.facilitator,
            title=TITLE,
            description="Open later on weekdays.",
            kind="consent",
            closes_at=CLOSES,
        )
    key = f"decision:{decision.pk}"
    # Everyone but the proposer hears of it; everyone who has not voted is
    # reminded 24 hours before it closes (48 hours before is past already).
    return {("new_decision", address, key) for address in EVERYONE - {"sam@example.org"}} | {
        ("closing_soon", address, key) for address in EVERYONE
    }


def decision_closed(world, commit, capture):
    """Closed by beat's task in a worker, as in the issue."""
    decision = _propose(world, capture)
    with commit(at=CLOSES):
        assert close_due_decisions() == 1
    return {("result", address, f"decision:{decision.pk}") for address in EVERYONE}


def outcome_written(world, commit, capture):
    decision = _propose(world, capture)
    with time_machine.travel(CLOSES, tick=False), capture(execute=True):
        decision_close(decision_id=decision.pk, actor=SYSTEM)
    with commit(at=CLOSES + timedelta(hours=1)):
        outcome_write(
            actor=world.facilitator.user,
            decision=decision,
            statement="We open until 6pm.",
            who="Sam",
        )
    return {("outcome", address, f"decision:{decision.pk}") for address in EVERYONE}


def vote_recorded(world, commit, capture):
    decision = _propose(world, capture)
    with commit(at=NOW + timedelta(hours=1)):
        vote = vote_record_on_behalf(
            actor=world.facilitator.user,
            member=world.members["standard"],
            decision=decision,
            choice="disagree",
            channel="meeting",
        )
    return {("vote_recorded", "standard@example.org", f"vote:{vote.pk}")}


def stage_started(world, commit, capture):
    stage = StageFactory(project=world.project, position=3, name="Designing together")
    with commit(at=NOW):
        stage_advance(project=world.project, actor=world.facilitator.user, from_stage=world.stage)
    # Everyone but whoever moved it on.
    others = EVERYONE - {"sam@example.org"}
    return {("stage", address, f"project:{stage.project_id}") for address in others}


def project_finished(world, commit, capture):
    """The last stage ends: everyone but whoever ended it hears the project
    has finished."""
    with commit(at=NOW):
        stage_advance(project=world.project, actor=world.facilitator.user, from_stage=world.stage)
    others = EVERYONE - {"sam@example.org"}
    return {("project_finished", address, f"project:{world.project.pk}") for address in others}


def member_joined(world, commit, capture):
    """A newcomer is reminded of the vote about to close, like everyone."""
    decision = _propose(world, capture)
    newcomer = UserFactory(email="new@example.org")
    with commit(at=NOW + timedelta(hours=1)):
        membership_add(
            project=world.project,
            user=newcomer,
            label=Membership.Label.PARTICIPANT,
            actor=newcomer,
        )
    return {("closing_soon", "new@example.org", f"decision:{decision.pk}")}


CHANGES = {
    "decision_proposed": decision_proposed,
    "decision_closed": decision_closed,
    "outcome_written": outcome_written,
    "vote_recorded": vote_recorded,
    "stage_started": stage_started,
    "project_finished": project_finished,
    "member_joined": member_joined,
}


def test_every_event_that_plans_reminders_is_covered_here():
    assert set(CHANGES) == set(registry.events())


@pytest.mark.parametrize("event", CHANGES)
def test_the_sweep_plans_exactly_what_a_crash_after_commit_left_unplanned(
    event, world, crash, django_capture_on_commit_callbacks
):
    expected = CHANGES[event](world, crash, django_capture_on_commit_callbacks)
    # The change is saved and its reminders are not: without the request,
    # nothing would ever plan them.
    assert crash.new_reminders() == set()
    request = PlanningRequest.objects.get()
    assert request.event == event
    # Within the grace period the sweep leaves it alone: the hand-over after
    # commit may be planning it right now.
    with time_machine.travel(crash.at + GRACE - timedelta(seconds=1), tick=False):
        assert planning.plan_missed() == 0
    assert crash.new_reminders() == set()
    assert PlanningRequest.objects.get() == request

    with time_machine.travel(crash.at + GRACE, tick=False):
        assert planning.plan_missed() == 1
    assert crash.new_reminders() == expected
    assert not PlanningRequest.objects.exists()

    # A second sweep, and the same event planned once more (as the sweep and
    # the hand-over at once, or a retried task, would): nothing doubles.
    planned = ReminderLog.objects.count()
    with time_machine.travel(crash.at + 2 * GRACE, tick=False):
        assert planning.plan_missed() == 0
        planning.plan_now(request.event, *request.args)
    assert ReminderLog.objects.count() == planned
    assert crash.new_reminders() == expected


@pytest.mark.parametrize("event", CHANGES)
def test_a_change_planned_after_commit_is_not_planned_again(
    event, world, no_crash, django_capture_on_commit_callbacks
):
    expected = CHANGES[event](world, no_crash, django_capture_on_commit_callbacks)
    assert no_crash.new_reminders() == expected
    # Its request went in the transaction that planned it.
    assert not PlanningRequest.objects.exists()
    planned = set(ReminderLog.objects.values_list("pk", "status", "send_after"))
    with time_machine.travel(no_crash.at + GRACE, tick=False):
        assert planning.plan_missed() == 0
    assert set(ReminderLog.objects.values_list("pk", "status", "send_after")) == planned


def test_invitations_are_planned_in_the_transaction_itself(world, crash):
    """Their reminders are written with the invitation (only the nudge to
    send them waits for the commit, and beat's sending finds them anyway):
    nothing is left for the sweep."""
    with crash(at=NOW):
        (invitation,) = invitations_create(
            project=world.project,
            emails=["guest@example.org"],
            label=Membership.Label.PARTICIPANT,
            is_facilitator=False,
            actor=world.facilitator.user,
        )
    row = ReminderLog.objects.exclude(pk__in=crash.before).get()
    assert (row.kind, row.email, row.object_key) == (
        "invitation",
        "guest@example.org",
        f"invitation:{invitation.pk}",
    )
    assert not PlanningRequest.objects.exists()
    with time_machine.travel(NOW + GRACE, tick=False):
        assert planning.plan_missed() == 0
        assert sending.send_due().sent == 1
    assert [message.to for message in CountingBackend.sent] == [["guest@example.org"]]


def test_a_sweep_that_fails_tries_again_later_and_goes_on_with_the_rest(
    world, crash, django_capture_on_commit_callbacks, monkeypatch
):
    proposed = decision_proposed(world, crash, django_capture_on_commit_callbacks)
    started = stage_started(world, crash, django_capture_on_commit_callbacks)

    def locked(decision_id):
        raise OperationalError("database table is locked")

    monkeypatch.setattr(decision_reminders, "decision_proposed", locked)
    with time_machine.travel(NOW + GRACE, tick=False):
        assert planning.plan_missed() == 1  # the stage; the proposal failed
    (waiting,) = PlanningRequest.objects.all()
    assert (waiting.event, waiting.attempts) == ("decision_proposed", 1)
    assert waiting.last_error == "OperationalError: database table is locked"
    assert waiting.try_after == NOW + GRACE + planning.BACKOFF[0]
    assert {kind for kind, *_ in crash.new_reminders()} == {"stage"}
    monkeypatch.undo()
    # Not before its backoff has passed.
    with time_machine.travel(waiting.try_after - timedelta(seconds=1), tick=False):
        assert planning.plan_missed() == 0
    with time_machine.travel(waiting.try_after, tick=False):
        assert planning.plan_missed() == 1
    planned = set(ReminderLog.objects.values_list("kind", "user__email", "object_key"))
    assert proposed | started <= planned
    assert not PlanningRequest.objects.exists()


def _propose_then_fail(world):
    with transaction.atomic():
        decision_propose(
            member=world.facilitator,
            title=TITLE,
            description="Open later on weekdays.",
            kind="consent",
            closes_at=CLOSES,
        )
        assert PlanningRequest.objects.count() == 1
        raise RuntimeError("the page failed after the service")


def test_a_request_is_written_with_its_change_and_rolled_back_with_it(world):
    with time_machine.travel(NOW, tick=False), pytest.raises(RuntimeError, match="page failed"):
        _propose_then_fail(world)
    assert not PlanningRequest.objects.exists()


def _big_project(size: int):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        decision = DecisionFactory(title=TITLE, closes_at=CLOSES, created_at=NOW)
        users = User.objects.bulk_create(
            User(email=f"member{i}@example.org", display_name=f"Member {i}", password="!")
            for i in range(size)
        )
        Membership.objects.bulk_create(
            Membership(project=decision.project, user=user, label="participant") for user in users
        )
    return decision


@pytest.mark.parametrize("size", [20, 2000])
def test_the_sweep_takes_the_same_queries_at_any_size(size, db, django_assert_max_num_queries):
    decision = _big_project(size)
    with time_machine.travel(NOW, tick=False):
        planning.request_planning("decision_proposed", decision.pk)
    # Read the requests; then, in a savepoint, delete the request, read the
    # decision and the members, and one INSERT for each kind (in a savepoint).
    with time_machine.travel(NOW + GRACE, tick=False), django_assert_max_num_queries(12):
        assert planning.plan_missed() == 1
    assert ReminderLog.objects.filter(kind="new_decision").count() == size


# --- A real worker, killed at the worst moment ---------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_closing_a_decision_loses_no_result_email(tmp_path, real_broker):
    """The crash from the issue, with real processes: a worker closes a
    decision (beat's close-due-decisions) and is killed with SIGKILL after
    the commit and before planning the result emails. Beat's sweep plans
    them a beat later, and another worker sends each member one."""
    outbox, var_dir, logs = tmp_path / "outbox", tmp_path / "var", tmp_path / "logs"
    for folder in (outbox, var_dir, logs):
        folder.mkdir()
    # The worker and beat plan and send on the real clock with the daytime
    # rule off (celery_processes.environment), so any zone will do.
    zone = "Europe/London"
    now = timezone.now()
    decision = DecisionFactory(
        project__timezone=zone,
        proposer__user__timezone=zone,
        created_at=now - timedelta(hours=2),
        closes_at=now,  # due to close: beat's first tick hands it to the worker
    )
    members = [decision.proposer] + [
        MembershipFactory(project=decision.project, user__timezone=zone) for _ in range(3)
    ]
    everyone = {member.user.email for member in members}

    env = celery_processes.environment(broker_url=real_broker, var_dir=var_dir, outbox=outbox)
    arrived = tmp_path / "committed"
    crashing = celery_processes.start(
        "crashing-worker",
        [str(arrived), *celery_processes.worker_arguments("crashing")],
        env,
        logs,
        module="tests.participants.crashing_worker",
    )
    processes = {
        "crashing-worker": crashing,
        "beat": celery_processes.start("beat", celery_processes.beat_arguments(var_dir), env, logs),
    }

    def rows(sql, params=()):
        return celery_processes.database_rows(var_dir, sql, params)

    def emails():
        return celery_processes.counts(celery_processes.read_outbox(outbox))

    try:
        celery_processes.wait_for(
            arrived.exists, logs=logs, what="the worker to close the decision and commit"
        )
        # It stands between the commit and the planning: kill it there.
        os.killpg(crashing.pid, signal.SIGKILL)
        assert crashing.wait(timeout=30) == -signal.SIGKILL
        assert arrived.read_text() == f"decision_closed [{decision.pk}]\n"
        assert rows("SELECT status FROM decisions_decision WHERE id = %s", [decision.pk]) == [
            ("closed",)
        ]
        # As in the issue: a committed change, and not one reminder planned...
        assert rows("SELECT COUNT(*) FROM participants_reminderlog") == [(0,)]
        # ... but its planning request committed with it.
        assert rows("SELECT event FROM participants_planningrequest") == [("decision_closed",)]

        processes["worker"] = celery_processes.start(
            "worker", celery_processes.worker_arguments("e2e"), env, logs
        )
        celery_processes.wait_for(
            lambda: all(emails()[("result", address)] for address in everyone),
            logs=logs,
            what="the result emails",
        )
        # Three more sweeps and sending runs in the worker: nothing more comes.
        sweeps = celery_processes.worker_runs(logs, "participants.tasks.plan_missed_reminders")
        sends = celery_processes.worker_runs(logs, "participants.tasks.send_due_reminders")
        celery_processes.wait_for(
            lambda: (
                celery_processes.worker_runs(logs, "participants.tasks.plan_missed_reminders")
                >= sweeps + 3
                and celery_processes.worker_runs(logs, "participants.tasks.send_due_reminders")
                >= sends + 3
            ),
            logs=logs,
            what="three more sweeps and sending runs",
        )
    finally:
        celery_processes.stop(processes)

    assert emails() == Counter({("result", address): 1 for address in everyone})
    assert rows("SELECT kind, status, COUNT(*) FROM participants_reminderlog GROUP BY 1, 2") == [
        ("result", ReminderLog.Status.SENT, len(everyone))
    ]
    assert rows("SELECT COUNT(*) FROM participants_planningrequest") == [(0,)]
    worker_log = (logs / "worker.log").read_text(errors="replace")
    assert "Planned the reminders of 1 change(s) missed after commit" in worker_log
