"""End to end: a real Celery worker and Celery beat, started as separate
processes against the real broker (Redis when CELERY_BROKER_URL is set, as in
CI; otherwise the embedded folder broker) and this test's database
(tests/participants/celery_processes.py), send the reminders of a decision
that closes within seconds into a file outbox.

The test sees exactly one closing-soon reminder for each member who has not
voted, and exactly one result email for each member, each in the member's
chosen format; then it stops both processes cleanly.
"""

import re
import time
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from decisions import reminders as decision_reminders
from decisions.models import Vote
from participants.models import ReminderLog
from tests.factories import DecisionFactory, MembershipFactory, ProjectFactory, StageFactory
from tests.participants.celery_processes import (
    beat_arguments,
    beat_ticks,
    counts,
    environment,
    read_outbox,
    start,
    stop,
    wait_for,
    worker_arguments,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLOSES_IN = timedelta(seconds=25)
FORMATS = ["standard", "plain_text", "large_print", "easy_words"]


def test_a_real_worker_and_beat_send_each_reminder_once(tmp_path, real_broker, settings):
    started = time.monotonic()
    outbox, var_dir, logs = tmp_path / "outbox", tmp_path / "var", tmp_path / "logs"
    for folder in (outbox, var_dir, logs):
        folder.mkdir()

    # The data: a decision that closes in 25 seconds, with a closing-soon
    # reminder 12 seconds before; one member of each format has not voted,
    # one member has.
    # Real processes run on the real clock, which no test can stop, so the
    # daytime rule (docs/email-rules.md rule 24) is off here as in the
    # worker and beat (celery_processes.environment): nothing waits for
    # the morning, wherever and whenever the test runs.
    settings.COPRODUCE_DAYTIME = None  # COPRODUCE_DAYTIME=always
    zone = "Europe/London"
    now = timezone.now()
    project = ProjectFactory(
        name="Riverside Day Service", timezone=zone, closing_reminder_hours=[12 / 3600]
    )
    stage = StageFactory(project=project, current=True, name="Ideas")
    proposer = MembershipFactory(
        project=project, is_facilitator=True, user__email="sam@example.org", user__timezone=zone
    )
    for reminder_format in FORMATS:
        MembershipFactory(
            project=project,
            user__email=f"{reminder_format}@example.org",
            user__reminder_format=reminder_format,
            user__timezone=zone,
        )
    voter = MembershipFactory(project=project, user__email="voter@example.org", user__timezone=zone)
    decision = DecisionFactory(
        project=project,
        stage=stage,
        proposer=proposer,
        title="Choose the new drop-in times",
        created_at=now,
        closes_at=now + CLOSES_IN,
    )
    for membership in (proposer, voter):
        Vote.objects.create(decision=decision, member=membership, choice=Vote.Choice.AGREE)
    # The hand-over decisions.services makes on commit. Nothing is enqueued
    # from this process: beat finds the due reminders on its own.
    with mock.patch("participants.reminders.scheduling.enqueue_sending"):
        decision_reminders.decision_proposed(decision.pk)
    assert ReminderLog.objects.filter(kind="closing_soon").count() == len(FORMATS) + 2

    env = environment(broker_url=real_broker, var_dir=var_dir, outbox=outbox)
    processes = {
        "worker": start("worker", worker_arguments("e2e"), env, logs),
        "beat": start("beat", beat_arguments(var_dir), env, logs),
    }
    try:
        expected = Counter()
        for reminder_format in FORMATS:
            expected[("closing_soon", f"{reminder_format}@example.org")] = 1
        everyone = [*(f"{f}@example.org" for f in FORMATS), "voter@example.org"]
        for address in everyone:
            expected[("new_decision", address)] = 1  # not to the proposer
        for address in [*everyone, "sam@example.org"]:
            expected[("result", address)] = 1

        def all_arrived():
            got = counts(read_outbox(outbox))
            return all(got[key] >= n for key, n in expected.items())

        wait_for(all_arrived, logs=logs, what="the closing-soon and result emails")
        # Let beat run the sending task three more times: nothing more may come.
        ticks = beat_ticks(logs)
        wait_for(lambda: beat_ticks(logs) >= ticks + 3, logs=logs, what="three more beats")
    finally:
        stop(processes)

    messages = read_outbox(outbox)
    got = counts(messages)
    for key, n in expected.items():
        assert got[key] == n, f"{key}: {got[key]} emails"
    # Members who voted get no closing-soon reminder.
    assert got[("closing_soon", "voter@example.org")] == 0
    assert got[("closing_soon", "sam@example.org")] == 0
    # Each in the member's chosen format.
    by_key = {(m["X-Coproduce-Kind"], m["To"]): m for m in messages}
    for kind in ("closing_soon", "result"):
        plain = by_key[(kind, "plain_text@example.org")]
        assert plain.get_content_type() == "text/plain"
        for reminder_format, size in [("standard", 19), ("large_print", 24), ("easy_words", 21)]:
            message = by_key[(kind, f"{reminder_format}@example.org")]
            assert message.get_content_type() == "multipart/alternative"
            document = message.get_body(preferencelist=("html",)).get_content()
            assert f"font-size:{size}px" in document
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        str(by_key[("closing_soon", "easy_words@example.org")]["Subject"])
        .strip()
        .startswith("Please vote")
    )
    assert (
        str(by_key[("closing_soon", "standard@example.org")]["Subject"])
        .strip()
        .startswith("Vote closes")
    )
    # Both processes stopped when asked.
    assert all(process.returncode is not None for process in processes.values())
    seconds = time.monotonic() - started
    print(f"\nEnd-to-end run: {len(messages)} emails in {seconds:.1f} s")  # noqa: T201
    assert re.search(r"ready", (logs / "worker.log").read_text(errors="replace"))
