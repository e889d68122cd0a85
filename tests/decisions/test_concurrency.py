"""Votes and closing under real concurrency, on PostgreSQL: separate threads,
each with its own database connection, released together by a barrier."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from decisions import reminders, services
from decisions.models import Comment, Decision, Outcome, Vote
from decisions.tasks import close_due_decisions
from participants.models import ReminderLog
from projects.models import Membership
from projects.permissions import SYSTEM
from tests.decisions.support import build_world, make_decision, needs_postgresql
from tests.factories import MembershipFactory

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]

VOTERS = 50


def run_at_once(functions):
    """Run each function in its own thread, all released at the same moment.
    Returns (results, errors) in the order given."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)
    errors = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except Exception as error:  # noqa: BLE001  (reported by the caller)
            errors[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results, errors


def _voters(world, count):
    return [
        MembershipFactory(
            project=world.project,
            label=Membership.Label.PARTICIPANT if n % 2 else Membership.Label.PROFESSIONAL,
        )
        for n in range(count)
    ]


def _stored_counts(decision):
    return Counter(Vote.objects.filter(decision=decision).values_list("choice", flat=True))


def test_fifty_members_vote_at_once_then_all_change_their_vote_at_once():
    assert connection.vendor == "postgresql"
    world = build_world()
    decision = make_decision(world, quorum_percent=0)
    voters = _voters(world, VOTERS)
    first = {voter.pk: ("agree" if n % 3 else "disagree") for n, voter in enumerate(voters)}
    second = {pk: ("disagree" if choice == "agree" else "abstain") for pk, choice in first.items()}

    def cast(voter, choice):
        return lambda: services.vote_cast(member=voter, decision=decision, choice=choice).pk

    _, errors = run_at_once([cast(voter, first[voter.pk]) for voter in voters])
    assert errors == [None] * VOTERS
    stored = dict(Vote.objects.filter(decision=decision).values_list("member_id", "choice"))
    assert stored == first  # none lost, none twice

    _, errors = run_at_once([cast(voter, second[voter.pk]) for voter in voters])
    assert errors == [None] * VOTERS
    stored = dict(Vote.objects.filter(decision=decision).values_list("member_id", "choice"))
    assert stored == second
    assert Vote.objects.filter(decision=decision).count() == VOTERS

    assert services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    decision.refresh_from_db()
    assert decision.tally["voted"] == VOTERS
    counts = _stored_counts(decision)
    assert {key: value for key, value in decision.tally["counts"].items() if value} == counts


def test_one_member_voting_twice_at_once_keeps_one_vote():
    world = build_world()
    decision = make_decision(world)
    voters = _voters(world, VOTERS // 2)
    functions = []
    for voter in voters:
        for choice in ("agree", "disagree"):
            functions.append(
                lambda voter=voter, choice=choice: services.vote_cast(
                    member=voter, decision=decision, choice=choice
                )
            )
    _, errors = run_at_once(functions)
    assert errors == [None] * len(functions)
    votes = Vote.objects.filter(decision=decision)
    assert votes.count() == len(voters)
    assert set(votes.values_list("member_id", flat=True)) == {voter.pk for voter in voters}


def test_closing_twice_at_once_counts_once_and_tells_once(monkeypatch):
    world = build_world()
    decision = make_decision(world)
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    services.vote_cast(member=world.professional, decision=decision, choice="agree")
    told = []
    lock = threading.Lock()

    def decision_closed(decision_id):
        with lock:
            told.append(decision_id)

    monkeypatch.setattr(reminders, "decision_closed", decision_closed)
    results, errors = run_at_once(
        [lambda: services.decision_close(decision_id=decision.pk, actor=SYSTEM) for _ in range(2)]
    )
    assert errors == [None, None]
    assert sorted(results) == [False, True]
    assert told == [decision.pk]
    decision.refresh_from_db()
    assert (decision.status, decision.result, decision.tally["voted"]) == ("closed", "passed", 2)


def test_two_workers_running_the_closing_task_at_once_close_each_decision_once(monkeypatch):
    world = build_world()
    due = [make_decision(world, closes_at=timezone.now() - timedelta(minutes=n)) for n in range(5)]
    make_decision(world)  # not due yet
    told = []
    lock = threading.Lock()

    def decision_closed(decision_id):
        with lock:
            told.append(decision_id)

    monkeypatch.setattr(reminders, "decision_closed", decision_closed)
    results, errors = run_at_once([close_due_decisions, close_due_decisions])
    assert errors == [None, None]
    assert sum(results) == len(due)
    assert sorted(told) == sorted(decision.pk for decision in due)
    assert Decision.objects.closed().count() == len(due)


def test_votes_racing_the_close_are_either_counted_or_refused():
    world = build_world()
    decision = make_decision(world, quorum_percent=0)
    voters = _voters(world, 30)
    functions = [
        (lambda voter=voter: services.vote_cast(member=voter, decision=decision, choice="agree"))
        for voter in voters
    ]
    functions.insert(
        15, lambda: services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    )
    _, errors = run_at_once(functions)
    refused = [error for error in errors if error is not None]
    assert all(isinstance(error, ValidationError) for error in refused), refused
    assert all("Voting closed" in error.messages[0] for error in refused)
    decision = Decision.objects.get(pk=decision.pk)
    stored = Vote.objects.filter(decision=decision).count()
    assert stored + len(refused) == len(voters)
    assert decision.tally["voted"] == stored
    assert decision.tally["counts"]["agree"] == stored


def test_closing_twice_at_once_plans_one_result_email_per_member():
    """The same race as above, with the real hand-over to reminders: each
    member has one result email waiting, not two."""
    world = build_world()
    decision = make_decision(world)
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    results, errors = run_at_once(
        [lambda: services.decision_close(decision_id=decision.pk, actor=SYSTEM) for _ in range(2)]
    )
    assert errors == [None, None]
    assert sorted(results) == [False, True]
    members = Membership.objects.current().filter(project=world.project)
    results_planned = ReminderLog.objects.filter(
        kind="result", object_key=f"decision:{decision.pk}"
    )
    assert sorted(results_planned.values_list("user_id", flat=True)) == sorted(
        members.values_list("user_id", flat=True)
    )


def test_saving_the_outcome_twice_at_once_keeps_one_and_tells_once(monkeypatch):
    """A double click on "Save the outcome": one outcome, no error, one
    hand-over to reminders."""
    world = build_world()
    decision = make_decision(world)
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    decision.refresh_from_db()
    told = []
    lock = threading.Lock()

    def outcome_written(decision_id):
        with lock:
            told.append(decision_id)

    monkeypatch.setattr(reminders, "outcome_written", outcome_written)

    def save():
        return services.outcome_write(
            actor=world.participant.user, decision=decision, statement="We open later", who="Sam"
        ).pk

    results, errors = run_at_once([save, save, save])
    assert errors == [None, None, None]
    assert len(set(results)) == 1
    assert Outcome.objects.filter(decision=decision).count() == 1
    assert told == [decision.pk]


def test_the_same_comment_sent_twice_at_once_is_posted_once():
    world = build_world()
    decision = make_decision(world)

    def post():
        return services.comment_post(
            member=world.participant, decision=decision, body="Yes please"
        ).pk

    results, errors = run_at_once([post, post, post])
    assert errors == [None, None, None]
    assert len(set(results)) == 1
    assert Comment.objects.filter(decision=decision).count() == 1
