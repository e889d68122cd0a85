"""The reminder machinery: preferences, timing, exactly-once sending,
retries, catching up, digests and bounded queries."""

import math
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
import time_machine

from decisions import reminders as decision_reminders
from decisions.models import Decision
from decisions.services import (
    decision_close,
    decision_propose,
    outcome_write,
    vote_cast,
    vote_record_on_behalf,
)
from participants.models import ReminderLog, User
from participants.reminders import bulk, project_kinds, registry, scheduling, sending, timing
from participants.services import reminders_stop
from participants.tasks import send_due_digests, send_due_reminders
from projects.models import Membership
from projects.permissions import SYSTEM
from projects.services import membership_add, membership_leave, stage_advance
from tests.factories import DecisionFactory, MembershipFactory, StageFactory, UserFactory
from tests.participants.mailers import CountingBackend, DownBackend, FailingBackend
from tests.participants.support import CLOSES, NOW, TITLE, build_project, kind_of

Status = ReminderLog.Status


@pytest.fixture
def world(db):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        return build_project(formats=["standard", "plain_text"])


def propose(world, capture, *, at=NOW, closes=CLOSES, member=None):
    with time_machine.travel(at, tick=False), capture(execute=True):
        return decision_propose(
            member=member or world.facilitator,
            title=TITLE,
            description="Open later on weekdays.",
            kind="consent",
            closes_at=closes,
        )


def use_mailer(settings, backend):
    backend.reset()
    settings.MAILERS = {"default": {"BACKEND": f"tests.participants.mailers.{backend.__name__}"}}


def rows(**filters):
    return ReminderLog.objects.filter(**filters)


# --- scheduling and preferences ---------------------------------------------


def test_a_new_decision_plans_one_row_per_member_and_due_time(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    key = f"decision:{decision.pk}"
    members = {m.user for m in world.members.values()}
    new = rows(kind="new_decision", object_key=key)
    # Everyone but the proposer hears about it, at once (it is daytime).
    assert {row.user for row in new} == members
    assert set(new.values_list("status", flat=True)) == {Status.SENT}
    # Closing soon: 24 hours before it closes (48 hours before is already past).
    soon = rows(kind="closing_soon", object_key=key)
    assert soon.count() == len(members) + 1  # the facilitator has not voted either
    assert set(soon.values_list("due_at", flat=True)) == {CLOSES - timedelta(hours=24)}
    assert set(soon.values_list("status", flat=True)) == {Status.PENDING}


def test_planning_twice_adds_nothing(world, django_capture_on_commit_callbacks, settings):
    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    before = ReminderLog.objects.count()
    with time_machine.travel(NOW, tick=False):
        decision_reminders.decision_proposed(decision.pk)
        decision_reminders.decision_proposed(decision.pk)
    assert ReminderLog.objects.count() == before
    assert len(CountingBackend.sent) == len(world.members)


def test_a_kind_turned_off_is_never_planned(world, django_capture_on_commit_callbacks, settings):
    use_mailer(settings, CountingBackend)
    person = world.members["standard"].user
    person.reminders_turned_off = ["new_decision"]
    person.save()
    propose(world, django_capture_on_commit_callbacks)
    assert not rows(user=person, kind="new_decision").exists()
    assert rows(user=person, kind="closing_soon").exists()
    assert [m.to for m in CountingBackend.sent] == [["plain_text@example.org"]]


def test_an_opt_out_takes_effect_at_once(world, django_capture_on_commit_callbacks, settings):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    person = world.members["standard"].user
    reminders_stop(user=person, kind="closing_soon")
    assert rows(user=person, kind="closing_soon").get().status == Status.SKIPPED
    CountingBackend.reset()
    with time_machine.travel(CLOSES - timedelta(hours=23), tick=False):
        sending.send_due()
    assert [m.to for m in CountingBackend.sent] == [["plain_text@example.org"], ["sam@example.org"]]


def test_preferences_are_checked_again_when_sending(
    world, django_capture_on_commit_callbacks, settings
):
    """Turned off by any route after planning (the admin, a data fix): the
    sender still honours it."""
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    User.objects.filter(email="standard@example.org").update(reminders_turned_off=["closing_soon"])
    CountingBackend.reset()
    with time_machine.travel(CLOSES - timedelta(hours=23), tick=False):
        report = sending.send_due()
    assert report.skipped == 1
    assert ["standard@example.org"] not in [m.to for m in CountingBackend.sent]


def test_closing_soon_goes_only_to_members_who_have_not_voted(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        vote_cast(member=world.members["standard"], decision=decision, choice="agree")
    CountingBackend.reset()
    with time_machine.travel(CLOSES - timedelta(hours=24), tick=False):
        sending.send_due()
    assert sorted(m.to[0] for m in CountingBackend.sent) == [
        "plain_text@example.org",
        "sam@example.org",
    ]
    voter_row = rows(user=world.members["standard"].user, kind="closing_soon").get()
    assert voter_row.status == Status.SKIPPED


def test_closing_reminders_at_the_projects_hours(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    world.project.closing_reminder_hours = [72, 48, 24, 2]
    world.project.save()
    decision = propose(world, django_capture_on_commit_callbacks, closes=NOW + timedelta(days=5))
    due = set(
        rows(kind="closing_soon", user=world.members["standard"].user).values_list(
            "due_at", flat=True
        )
    )
    assert due == {decision.closes_at - timedelta(hours=h) for h in (72, 48, 24, 2)}


def test_closing_soon_is_dropped_when_the_vote_closes(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    world.project.closing_reminder_hours = [1]
    world.project.save()
    decision = propose(world, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    CountingBackend.reset()
    with time_machine.travel(CLOSES, tick=False):
        report = sending.send_due()
    assert report.sent == 0
    assert set(rows(kind="closing_soon").values_list("status", flat=True)) == {Status.SKIPPED}


def test_members_who_left_are_not_reminded(world, django_capture_on_commit_callbacks, settings):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        membership_leave(membership=world.members["plain_text"])
    CountingBackend.reset()
    with time_machine.travel(CLOSES - timedelta(hours=24), tick=False):
        sending.send_due()
    assert ["plain_text@example.org"] not in [m.to for m in CountingBackend.sent]


# --- daytime (docs/email-rules.md rule 24) ----------------------------------------------


def test_not_urgent_reminders_wait_for_daytime_where_the_member_lives(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    night = datetime(2026, 6, 9, 22, 30, tzinfo=UTC)  # 11:30pm in London
    User.objects.filter(email="plain_text@example.org").update(timezone="America/New_York")
    decision = propose(world, django_capture_on_commit_callbacks, at=night, closes=CLOSES)
    london = rows(kind="new_decision", user=world.members["standard"].user).get()
    new_york = rows(kind="new_decision", user=world.members["plain_text"].user).get()
    # 8am in London; 6:30pm in New York is daytime already.
    assert london.send_after == datetime(2026, 6, 10, 7, 0, tzinfo=UTC)
    assert new_york.send_after == night
    assert decision.pk
    assert [m.to for m in CountingBackend.sent] == [["plain_text@example.org"]]
    with time_machine.travel(datetime(2026, 6, 10, 6, 59, tzinfo=UTC), tick=False):
        assert sending.send_due().sent == 0
    with time_machine.travel(datetime(2026, 6, 10, 7, 0, tzinfo=UTC), tick=False):
        assert sending.send_due().sent == 1


def test_a_deadline_in_the_night_is_reminded_the_evening_before():
    user = User(timezone="Europe/London", reminder_timing="immediate")
    kind = registry.get_kind("closing_soon")
    closes = datetime(2026, 6, 11, 3, 0, tzinfo=UTC)  # 4am in London
    due = closes - timedelta(hours=2)  # 2am: night
    in_digest, at = timing.plan(
        user=user, kind=kind, due=due, deadline=closes, now=datetime(2026, 6, 9, tzinfo=UTC)
    )
    assert not in_digest
    assert at == datetime(2026, 6, 10, 18, 30, tzinfo=UTC)  # 7:30pm in London
    # Too late for the evening before: it goes when due, as it is urgent now.
    in_digest, at = timing.plan(user=user, kind=kind, due=due, deadline=closes, now=due)
    assert at == due


def test_digest_times_daily_and_weekly():
    member = User(timezone="Europe/London", digest_time=time(9), digest_weekday=4)
    member.reminder_timing = User.ReminderTiming.DAILY
    after = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)  # Wednesday 10:30am in London
    assert timing.next_digest_at(member, after) == datetime(2026, 6, 11, 8, 0, tzinfo=UTC)
    member.reminder_timing = User.ReminderTiming.WEEKLY
    assert timing.next_digest_at(member, after) == datetime(2026, 6, 12, 8, 0, tzinfo=UTC)


# --- digests -----------------------------------------------------------------


def test_digests_are_built_only_for_members_with_something_waiting(
    db, settings, django_capture_on_commit_callbacks
):
    use_mailer(settings, CountingBackend)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "easy_words"], timing=User.ReminderTiming.DAILY)
    # Someone with a digest but nothing in it.
    MembershipFactory(
        project=world.project,
        user__reminder_timing=User.ReminderTiming.DAILY,
        user__reminders_turned_off=["new_decision", "closing_soon"],
    )
    propose(world, django_capture_on_commit_callbacks)
    held = rows(in_digest=True)
    assert held.count() == 4  # two members, a new decision and a closing-soon reminder each
    assert set(held.values_list("send_after", flat=True)) == {
        datetime(2026, 6, 11, 8, 0, tzinfo=UTC)
    }
    with time_machine.travel(datetime(2026, 6, 11, 8, 0, tzinfo=UTC), tick=False):
        result = send_due_digests.delay().get()
        again = send_due_digests.delay().get()
    assert result["digests"] == 2
    assert again["digests"] == 0
    digests = [m for m in CountingBackend.sent if kind_of(m) == "digest"]
    assert sorted(m.to[0] for m in digests) == ["easy_words@example.org", "standard@example.org"]
    assert CountingBackend.opened == 1
    assert set(held.values_list("status", flat=True)) == {Status.SENT}


def _digest_body(address) -> str:
    (message,) = [m for m in CountingBackend.sent if kind_of(m) == "digest" and address in m.to]
    return message.body


def test_a_digest_lists_each_decision_once_the_most_pressing_first(
    db, settings, django_capture_on_commit_callbacks
):
    """A new decision whose vote also closes before the next digest is one
    item, saying it closes soon; a new stage comes after it; each project
    has its own heading."""
    use_mailer(settings, CountingBackend)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "easy_words"], timing=User.ReminderTiming.DAILY)
        other = StageFactory(project__name="Hilltop Allotments", current=True, name="Ideas")
        for membership in world.members.values():
            MembershipFactory(project=other.project, user=membership.user)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        project_kinds.stage_started(other.pk)
    propose(world, django_capture_on_commit_callbacks)
    assert rows(user=world.members["standard"].user, in_digest=True).count() == 3
    with time_machine.travel(datetime(2026, 6, 11, 8, 0, tzinfo=UTC), tick=False):
        assert send_due_digests.delay().get()["digests"] == 2
    standard = _digest_body("standard@example.org")
    assert "Here are 2 things from your projects, the most pressing first." in standard
    assert standard.count(TITLE) == 2  # the line and its link, once
    assert "A new decision" not in standard
    assert standard.index("Riverside Day Service\n") < standard.index("Hilltop Allotments\n")
    assert standard.index("closes today at 5pm. You have not voted yet.") < standard.index(
        "moved to a new stage"
    )
    easy = _digest_body("easy_words@example.org")
    assert f"- Voting about {TITLE} stops today at 5pm.\n  You have not voted yet.\n" in easy
    assert "  It is called Ideas.\n" in easy
    assert set(rows(in_digest=True).values_list("status", flat=True)) == {Status.SENT}


def test_a_result_in_a_digest_carries_its_outcome(db, settings, django_capture_on_commit_callbacks):
    """The outcome was written before the member's digest went: the digest
    says it, and no separate outcome email follows."""
    use_mailer(settings, CountingBackend)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard", "easy_words"], timing=User.ReminderTiming.DAILY)
    decision = propose(world, django_capture_on_commit_callbacks)
    with time_machine.travel(CLOSES, tick=False), django_capture_on_commit_callbacks(execute=True):
        decision_close(decision_id=decision.pk, actor=SYSTEM)
    later = time_machine.travel(CLOSES + timedelta(hours=1), tick=False)
    with later, django_capture_on_commit_callbacks(execute=True):
        outcome_write(
            actor=world.facilitator.user,
            decision=Decision.objects.get(pk=decision.pk),
            statement="The centre opens until 6pm from 1 July.",
            who="Sam Okafor",
        )
    CountingBackend.reset()
    with time_machine.travel(CLOSES + timedelta(days=1), tick=False):
        send_due_digests.delay().get()
        send_due_reminders.delay().get()
    assert "What will happen: The centre opens until 6pm from 1 July." in _digest_body(
        "standard@example.org"
    )
    assert "  We know what happens next.\n" in _digest_body("easy_words@example.org")
    assert not [m for m in CountingBackend.sent if kind_of(m) == "outcome"]


def test_a_digest_too_late_for_a_deadline_is_not_used(
    db, settings, django_capture_on_commit_callbacks
):
    use_mailer(settings, CountingBackend)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=["standard"], timing=User.ReminderTiming.WEEKLY)
    propose(world, django_capture_on_commit_callbacks)
    soon = rows(kind="closing_soon", user=world.members["standard"].user).get()
    assert not soon.in_digest
    assert soon.send_after == CLOSES - timedelta(hours=24)


def test_changing_timing_moves_waiting_reminders(
    world, django_capture_on_commit_callbacks, settings
):
    from participants.services import reminder_preferences_save

    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks, closes=NOW + timedelta(days=4))
    person = world.members["standard"].user
    with time_machine.travel(NOW, tick=False):
        reminder_preferences_save(
            user=person,
            wanted=[name for name, _label in registry.choices_to_turn_off()],
            reminder_format="standard",
            reminder_timing="daily",
            digest_time=time(18),
            digest_weekday=0,
            timezone="Europe/London",
        )
    soon = rows(kind="closing_soon", user=person).order_by("due_at").first()
    assert soon.in_digest
    assert soon.send_after.astimezone(person_zone(person)).time() == time(18)


def person_zone(person):
    return timing.zone(person.timezone)


# --- exactly once -------------------------------------------------------------


def test_a_task_run_twice_sends_each_reminder_once(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    CountingBackend.reset()
    with time_machine.travel(CLOSES - timedelta(hours=24), tick=False):
        first = send_due_reminders.delay().get()
        second = send_due_reminders.delay().get()  # a beat that fired twice
    assert first["sent"] == 3
    assert second["sent"] == 0
    assert len(CountingBackend.sent) == 3
    assert CountingBackend.opened == 1  # one connection for the batch


def test_a_full_batch_queues_the_next_for_another_worker(
    world, django_capture_on_commit_callbacks, settings
):
    """The sending task sends one batch; when its claim comes back full, more
    may be due, so it queues the next batch (run at once in tests, by the
    next free worker process in production), which does the same; the first
    batch that is not full ends the run."""
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    CountingBackend.reset()
    with (
        time_machine.travel(CLOSES - timedelta(hours=24), tick=False),
        mock.patch.object(
            sending, "enqueue_next_batch", wraps=sending.enqueue_next_batch
        ) as queued,
    ):
        first = send_due_reminders.delay(batch_size=2).get()
        again = send_due_reminders.delay(batch_size=2).get()
    assert queued.call_count == 1  # 3 due: a full batch of 2, then 1
    assert first["sent"] == 2  # this task's own batch; the next batch sent the third
    assert again["sent"] == 0
    assert sorted(m.to[0] for m in CountingBackend.sent) == [
        "plain_text@example.org",
        "sam@example.org",
        "standard@example.org",
    ]
    assert CountingBackend.opened == 2  # one connection per batch
    assert set(rows(kind="closing_soon").values_list("status", flat=True)) == {Status.SENT}


def test_a_broker_that_is_down_leaves_the_rest_for_beat(
    world, django_capture_on_commit_callbacks, settings, caplog
):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    CountingBackend.reset()
    down = mock.patch("celery.canvas.Signature.apply_async", side_effect=OSError("refused"))
    with time_machine.travel(CLOSES - timedelta(hours=24), tick=False):
        with down:
            assert send_due_reminders.delay(batch_size=2).get()["sent"] == 2
        assert "beat will send them" in caplog.text
        assert rows(kind="closing_soon", status=Status.PENDING).count() == 1
        assert send_due_reminders.delay(batch_size=2).get()["sent"] == 1  # beat's next run
    assert len(CountingBackend.sent) == 3


def test_catching_up_after_an_hour_down(world, django_capture_on_commit_callbacks, settings):
    """Beat and the worker were down for an hour around the due time: the
    next run still sends everything that fell due meanwhile."""
    use_mailer(settings, CountingBackend)
    world.project.closing_reminder_hours = [24, 23.5]
    world.project.save()
    propose(world, django_capture_on_commit_callbacks)
    CountingBackend.reset()
    with time_machine.travel(CLOSES - timedelta(hours=23), tick=False):
        report = sending.send_due()
    # Both reminders fell due while it was down: each member gets one email,
    # not the same one twice at once.
    assert report.sent == 3
    assert sorted(m.to[0] for m in CountingBackend.sent) == [
        "plain_text@example.org",
        "sam@example.org",
        "standard@example.org",
    ]
    assert rows(kind="closing_soon", status=Status.SENT).count() == 3
    assert rows(kind="closing_soon", status=Status.SKIPPED).count() == 3
    with time_machine.travel(CLOSES - timedelta(hours=23), tick=False):
        assert sending.send_due().sent == 0


def test_catching_up_at_night_waits_for_daytime(db, settings):
    """A worker that was down comes back at 2am: reminders that are not
    urgent wait for the morning where each member lives (docs/email-rules.md rule 24);
    a vote that closes before then is reminded at once."""
    use_mailer(settings, CountingBackend)
    evening = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)  # 7pm in London
    two_am = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)
    morning = datetime(2026, 6, 11, 7, 0, tzinfo=UTC)  # 8am in London
    with time_machine.travel(evening - timedelta(days=1), tick=False):
        world = build_project(formats=["standard"])
    world.project.closing_reminder_hours = [6]
    world.project.save()
    with time_machine.travel(evening, tick=False), mock.patch.object(scheduling, "enqueue_sending"):
        later = DecisionFactory(
            project=world.project,
            stage=world.stage,
            proposer=world.facilitator,
            closes_at=evening + timedelta(days=3),
        )
        early = DecisionFactory(
            project=world.project,
            stage=world.stage,
            proposer=world.facilitator,
            closes_at=datetime(2026, 6, 11, 5, 0, tzinfo=UTC),  # 6am in London
        )
        decision_reminders.decision_proposed(later.pk)
        decision_reminders.decision_proposed(early.pk)
    with time_machine.travel(two_am, tick=False):
        report = sending.send_due()
    # The vote closing at 6am: its new-decision email and its closing-soon
    # reminder go now, as after 8am would be too late.
    assert sorted((kind_of(m), m.to[0]) for m in CountingBackend.sent) == [
        ("closing_soon", "sam@example.org"),
        ("closing_soon", "standard@example.org"),
        ("new_decision", "standard@example.org"),
    ]
    waiting = rows(object_key=f"decision:{later.pk}", kind="new_decision").get()
    assert report.postponed == 1
    assert (waiting.status, waiting.send_after, waiting.attempts) == (Status.PENDING, morning, 0)
    CountingBackend.reset()
    with time_machine.travel(morning, tick=False):
        assert sending.send_due().sent == 1
    assert [(kind_of(m), m.to[0]) for m in CountingBackend.sent] == [
        ("new_decision", "standard@example.org")
    ]


def test_a_claim_left_by_a_dead_worker_is_released(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    due = CLOSES - timedelta(hours=24)
    ReminderLog.objects.filter(kind="closing_soon").update(
        status=Status.CLAIMED, claim_token="dead", claimed_at=due, attempts=1
    )
    CountingBackend.reset()
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        assert sending.send_due().sent == 0  # the claim may still be alive
    with time_machine.travel(due + sending.CLAIM_TIMEOUT + timedelta(minutes=1), tick=False):
        assert sending.send_due().sent == 3
    assert len(CountingBackend.sent) == 3


# --- failures -------------------------------------------------------------------


def test_a_refused_message_is_tried_again_with_backoff_then_given_up(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, FailingBackend)
    User.objects.filter(email="plain_text@example.org").update(email="fail@example.org")
    propose(world, django_capture_on_commit_callbacks)
    row = rows(user__email="fail@example.org", kind="new_decision").get()
    assert row.status == Status.PENDING
    assert row.attempts == 1
    assert row.send_after == NOW + sending.BACKOFF[0]
    assert "550" in row.last_error
    moment = NOW
    for wait in sending.BACKOFF:
        moment += wait
        with time_machine.travel(moment, tick=False):
            sending.send_due()
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.attempts == sending.MAX_ATTEMPTS
    # The other members' emails went in the same batch.
    assert rows(kind="new_decision", status=Status.SENT).count() == 1


def test_an_unreachable_mail_server_keeps_everything_for_later(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, DownBackend)
    propose(world, django_capture_on_commit_callbacks)
    new = rows(kind="new_decision")
    assert set(new.values_list("status", flat=True)) == {Status.PENDING}
    assert set(new.values_list("attempts", flat=True)) == {1}
    use_mailer(settings, CountingBackend)
    with time_machine.travel(NOW + sending.BACKOFF[0], tick=False):
        assert sending.send_due().sent == 2


def test_failed_reminders_can_be_tried_again(world, django_capture_on_commit_callbacks, settings):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    ReminderLog.objects.filter(kind="closing_soon").update(status=Status.FAILED, attempts=5)
    assert rows(status=Status.FAILED).count() == 3
    # Only a manager of the project's organisation may send them again.
    manager = UserFactory()
    with time_machine.travel(NOW, tick=False):
        assert scheduling.reminders_retry(reminders=ReminderLog.objects.all(), actor=manager) == 0
    world.project.organisation.managers.add(manager)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        retried = scheduling.reminders_retry(
            reminders=ReminderLog.objects.filter(status=Status.FAILED), actor=manager
        )
    assert retried == 3
    assert not rows(status=Status.FAILED).exists()


# --- a vote recorded for someone ---------------------------------------------------


def _record(world, decision, membership, capture, *, at=NOW + timedelta(hours=1)):
    # decisions.services hands over to reminders.vote_recorded after commit.
    with time_machine.travel(at, tick=False), capture(execute=True):
        return vote_record_on_behalf(
            actor=world.facilitator.user,
            member=membership,
            decision=decision,
            choice="disagree",
            channel="meeting",
        )


def test_a_member_is_told_when_a_facilitator_records_their_vote(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    member = world.members["standard"]
    CountingBackend.reset()
    vote = _record(world, decision, member, django_capture_on_commit_callbacks)
    (message,) = CountingBackend.sent
    assert message.to == ["standard@example.org"]
    assert message.subject == f"Check your vote: {TITLE} - Riverside Day Service"
    assert "Sam Okafor recorded your vote" in message.body
    assert "in a meeting" in message.body
    assert "Your vote: Disagree." in message.body
    # Planning it again (a retried hand-over) sends nothing more.
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        decision_reminders.vote_recorded(vote.pk)
        sending.send_due()
    assert len(CountingBackend.sent) == 1


def test_no_email_about_a_recorded_vote_once_the_member_voted_themselves(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    member = world.members["standard"]
    with mock.patch.object(scheduling, "enqueue_sending"):
        _record(world, decision, member, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        vote_cast(member=member, decision=decision, choice="agree")
    CountingBackend.reset()
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        assert sending.send_due().sent == 0
    assert rows(kind="vote_recorded").get().status == Status.SKIPPED


def test_emails_about_recorded_votes_can_be_turned_off(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    member = world.members["standard"]
    reminders_stop(user=member.user, kind="vote_recorded")
    member.user.refresh_from_db()
    assert "vote_recorded" in member.user.reminders_turned_off
    assert "new_decision" not in member.user.reminders_turned_off
    _record(world, decision, member, django_capture_on_commit_callbacks)
    assert not rows(kind="vote_recorded").exists()


# --- stages, newcomers, outcomes ----------------------------------------------------


def test_a_new_stage_reminds_everyone_but_whoever_moved_it(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    StageFactory(project=world.project, position=3, name="Designing together")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        stage_advance(project=world.project, actor=world.facilitator.user)
    assert CountingBackend.sent == []  # it waits to see whether the project moves on again
    with time_machine.travel(NOW + project_kinds.StageReminder.settle, tick=False):
        sending.send_due()
    assert sorted(m.to[0] for m in CountingBackend.sent) == [
        "plain_text@example.org",
        "standard@example.org",
    ]
    assert "Answer the ladder check for Designing together" in CountingBackend.sent[0].body


def test_a_newcomer_is_reminded_of_votes_about_to_close(
    world, django_capture_on_commit_callbacks, settings
):
    use_mailer(settings, CountingBackend)
    propose(world, django_capture_on_commit_callbacks)
    newcomer = UserFactory(email="new@example.org")
    with (
        time_machine.travel(NOW + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        membership_add(
            project=world.project,
            user=newcomer,
            label=Membership.Label.PARTICIPANT,
            actor=newcomer,
        )
    assert rows(user=newcomer, kind="closing_soon").count() == 1


def test_the_outcome_is_not_sent_twice(world, django_capture_on_commit_callbacks, settings):
    """A member whose result email (sent after the outcome was written)
    already said what will happen gets no separate outcome email."""
    from decisions.models import Outcome

    use_mailer(settings, CountingBackend)
    decision = propose(world, django_capture_on_commit_callbacks)
    with time_machine.travel(CLOSES, tick=False):
        decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
        Outcome.objects.create(decision=decision, statement="We open until 6pm.", who="Sam")
        decision_reminders.decision_closed(decision.pk)
        decision_reminders.outcome_written(decision.pk)
        CountingBackend.reset()
        sending.send_due()
    kinds = sorted(kind_of(m) for m in CountingBackend.sent)
    assert kinds == ["result"] * 3
    assert "We open until 6pm." in CountingBackend.sent[0].body


# --- bounded queries -------------------------------------------------------------


def _big_project(size: int):
    """A project of ``size`` members, made quickly with bulk_create."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        decision = DecisionFactory(
            title=TITLE, closes_at=CLOSES, created_at=NOW, project__name="Big project"
        )
        users = User.objects.bulk_create(
            User(email=f"member{i}@example.org", display_name=f"Member {i}", password="!")
            for i in range(size)
        )
        Membership.objects.bulk_create(
            Membership(project=decision.project, user=user, label="participant") for user in users
        )
    return decision


@pytest.mark.parametrize("size", [50, 5000])
def test_preparing_a_decisions_reminders_takes_the_same_queries_at_any_size(
    size, db, django_assert_max_num_queries
):
    decision = _big_project(size)
    # Read the decision and the members; then, for each kind, one INSERT
    # (inside a savepoint: three queries).
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(8):
        decision_reminders.decision_proposed(decision.pk)
    # One new-decision reminder for everyone but the proposer, one closing-soon
    # reminder (24 hours before) for everyone.
    assert rows(kind="new_decision").count() == size
    assert rows(kind="closing_soon").count() == size + 1


@pytest.mark.parametrize("size", [50, 500])
def test_sending_a_batch_reads_and_writes_the_database_a_fixed_number_of_times(
    size, db, settings, django_assert_max_num_queries
):
    """Reads are batched: claiming, loading people, decisions, votes and
    memberships take a fixed number of queries per batch; the messages the
    mail server took are marked sent by one UPDATE for each group of up to
    MARK_EVERY, not one per message."""
    use_mailer(settings, CountingBackend)
    decision = _big_project(size)
    with time_machine.travel(NOW, tick=False):
        decision_reminders.decision_proposed(decision.pk)
    messages = 2 * size + 1  # new decision (not to the proposer) and closing soon
    batches = math.ceil(messages / sending.BATCH_SIZE)
    marks = math.ceil(messages / sending.MARK_EVERY) + batches  # a short group ends each batch
    later = time_machine.travel(CLOSES - timedelta(hours=24), tick=False)
    with later, django_assert_max_num_queries(18 * batches + marks) as queries:
        report = sending.send_due()
    assert report.sent == messages
    assert CountingBackend.opened == batches
    updates = [q["sql"] for q in queries.captured_queries if "SET status = 'sent'" in q["sql"]]
    assert 0 < len(updates) <= marks


@pytest.mark.parametrize(
    ("daytime", "expected"),
    [
        ((time(8, 0), time(20, 0)), datetime(2026, 6, 10, 7, 0, tzinfo=UTC)),  # 8am in London
        (None, None),  # "always" (make run): at any hour
        ((time(7, 0), time(21, 0)), datetime(2026, 6, 10, 6, 0, tzinfo=UTC)),
    ],
)
def test_daytime_can_be_configured(daytime, expected, settings):
    settings.COPRODUCE_DAYTIME = daytime
    night = datetime(2026, 6, 9, 23, 30, tzinfo=UTC)  # 12:30am in London
    at = timing.daytime_from(night, timing.zone("Europe/London"))
    assert at == (expected or night)


def test_a_failure_to_plan_never_breaks_the_page_and_is_tried_again(
    world, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """The hand-overs run after commit: if planning fails (the database is
    briefly locked), the caller is not disturbed and a task plans it again."""
    from django.db import OperationalError

    use_mailer(settings, CountingBackend)
    real = bulk.insert_ignoring_conflicts
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["kind"])
        if len(calls) == 1:
            raise OperationalError("database table is locked")
        return real(**kwargs)

    monkeypatch.setattr(bulk, "insert_ignoring_conflicts", flaky)
    decision = propose(world, django_capture_on_commit_callbacks)  # no error raised
    assert decision.pk
    # The task (run at once in tests) planned everything, once.
    assert rows(kind="new_decision").count() == 2
    assert rows(kind="closing_soon").count() == 3
