"""Sending reminders that are due, exactly once, by as many worker
processes as there are.

The work is cut into batches of up to ``BATCH_SIZE`` rows, each claimed by
one worker process on any host (``send_batch``). Beat's task (and the one
scheduling enqueues on commit) releases stale claims and sends the first
batch; whenever a claim comes back full, more may be due, so before sending
its batch the worker enqueues one more batch task (``enqueue_next_batch``),
which the next free worker process takes. Every worker process stays busy
while rows remain, with at most one batch task waiting per run (no count of
the backlog, no flood of empty tasks), and a run ends by itself at the first
claim that is not full. ``send_due()`` does the same in one process, batch
after batch.

Rows are found as "due at or before now and not yet sent", never by an exact
time window, so a worker or beat that was down catches up. A batch is claimed
in one transaction (SELECT ... FOR UPDATE SKIP LOCKED, then one UPDATE that
takes only rows still pending and stamps them with a fresh token), read in a
fixed number of queries, sent over one mail connection, and marked sent in
groups (``SentMarks``: one UPDATE for every ``MARK_EVERY`` messages the mail
server has accepted, sooner when ``MARK_SECONDS`` have passed, and at the end
of the batch).

How duplicates are bounded: a message goes twice only if its worker dies
after the mail server accepted it and before its group was marked sent. Its
row is then still claimed; after ``CLAIM_TIMEOUT`` it is released and sent
again. That window holds at most ``MARK_EVERY`` messages per worker process
(marked one by one, it held one): the price of one UPDATE per group instead
of one per message. A claim left by a dead worker is the only way a message
can go twice; two workers, a beat that fires twice or a retried task never
hold the same row. Failed sends are tried again with backoff (``BACKOFF``)
and, after ``MAX_ATTEMPTS``, marked failed for project managers to see in
the admin. Digests (participants.reminders.digests) share the claiming, the
checks and the marking here.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic

from celery import current_app
from django.core.mail import mailers
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from participants.mail.builder import ReminderEmailBuilder, formats_for_addresses
from participants.models import ReminderLog
from participants.reminders import bulk
from participants.reminders.registry import Message, is_turned_off, registered_kinds
from participants.reminders.timing import daytime_hours, is_daytime, plan, zone
from projects.models import Membership

logger = logging.getLogger(__name__)

Status = ReminderLog.Status

BATCH_SIZE = 500  # rows claimed, read and sent over one mail connection at a time
MARK_EVERY = 50  # messages marked sent by one UPDATE; the most a dying worker can repeat
MARK_SECONDS = 1.0  # ... or fewer, once the oldest unmarked message is this old
BATCH_TASK = "participants.tasks.send_reminder_batch"  # queued by name: no import of tasks
MAX_ATTEMPTS = 5  # tries before a reminder is marked failed
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this belongs to a dead worker
HEARTBEAT_SECONDS = 30  # a live worker renews its claims this often
RUN_SECONDS = 240  # one task sends for at most this long, then leaves the rest to the next


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    digests: int = 0
    postponed: int = 0  # it was night where the member lives: they wait for daytime
    errors: list[str] = field(default_factory=list)

    def __iadd__(self, other: SendReport) -> SendReport:
        self.sent += other.sent
        self.skipped += other.skipped
        self.retried += other.retried
        self.failed += other.failed
        self.digests += other.digests
        self.postponed += other.postponed
        self.errors += other.errors
        return self


def release_stale_claims(*, now: datetime | None = None) -> int:
    """Claims older than CLAIM_TIMEOUT belong to a worker that died: give the
    rows back (or give up on them after MAX_ATTEMPTS). A live worker renews
    its claims every HEARTBEAT_SECONDS, so it never loses them."""
    now = now or timezone.now()
    stale = ReminderLog.objects.filter(status=Status.CLAIMED, claimed_at__lt=now - CLAIM_TIMEOUT)
    gave_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, claim_token="", last_error="The worker sending it stopped."
    )
    released = stale.update(
        status=Status.PENDING,
        claim_token="",
        send_after=now,
        last_error="The worker sending it stopped; trying again.",
    )
    return gave_up + released


def claim(*, limit: int, in_digest: bool, user_ids=None) -> tuple[str, list[ReminderLog]]:
    """Claim up to ``limit`` due rows for this worker and read them with their
    people and projects: three queries, whatever the batch size.

    PostgreSQL locks the chosen rows and skips rows another worker has locked
    (SKIP LOCKED); on every database the UPDATE only takes rows that are still
    pending, and the rows read back are those carrying this claim's token, so
    two workers never hold the same row."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        due = ReminderLog.objects.filter(
            status=Status.PENDING, in_digest=in_digest, send_after__lte=now
        )
        if user_ids is not None:
            due = due.filter(user_id__in=user_ids)
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return token, []
        ReminderLog.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.CLAIMED, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
        )
    rows = list(
        ReminderLog.objects.filter(claim_token=token, status=Status.CLAIMED)
        .select_related("user", "project")
        .order_by("send_after", "pk")
    )
    return token, rows


def _not_wanted(rows: list[ReminderLog]) -> set[int]:
    """Rows whose person no longer wants them: inactive account, the kind
    turned off (an opt-out takes effect at once), or no longer a member of
    the project. One query."""
    kinds = registered_kinds()
    unwanted = set()
    memberships = set()
    member_rows = [row for row in rows if row.user_id and row.project_id]
    if member_rows:
        memberships = set(
            Membership.objects.current()
            .filter(
                project_id__in={row.project_id for row in member_rows},
                user_id__in={row.user_id for row in member_rows},
            )
            .values_list("project_id", "user_id")
        )
    for row in rows:
        if row.user_id is None:
            continue
        kind = kinds.get(row.kind)
        turned_off = kind is not None and is_turned_off(row.user, kind)
        left = bool(row.project_id) and (row.project_id, row.user_id) not in memberships
        if not row.user.is_active or turned_off or left:
            unwanted.add(row.pk)
    return unwanted


def _messages_for(rows: list[ReminderLog], *, now: datetime) -> dict[int, Message | None]:
    kinds = registered_kinds()
    by_kind: dict[str, list[ReminderLog]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    messages: dict[int, Message | None] = {}
    for kind_name, kind_rows in by_kind.items():
        spec = kinds.get(kind_name)
        if spec is None:
            messages.update(dict.fromkeys((row.pk for row in kind_rows), None))
            continue
        messages.update(spec.messages(kind_rows, now=now))
    return messages


def skip(pks: Iterable[int], token: str, reason: str) -> int:
    pks = list(pks)
    if not pks:
        return 0
    return ReminderLog.objects.filter(pk__in=pks, claim_token=token).update(
        status=Status.SKIPPED, claim_token="", last_error=reason
    )


def _try_later(rows: list[ReminderLog], token: str, error: str) -> tuple[int, int]:
    """Give claimed rows back with backoff, or give up on those that have had
    MAX_ATTEMPTS. Returns (retried, failed)."""
    now = timezone.now()
    retried = failed = 0
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_attempts[row.attempts].append(row.pk)
    for attempts, pks in by_attempts.items():
        mine = ReminderLog.objects.filter(pk__in=pks, claim_token=token)
        if attempts >= MAX_ATTEMPTS:
            failed += mine.update(status=Status.FAILED, claim_token="", last_error=error[:2000])
        else:
            wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
            retried += mine.update(
                status=Status.PENDING,
                claim_token="",
                send_after=now + wait,
                last_error=error[:2000],
            )
    return retried, failed


def _renew(token: str) -> None:
    ReminderLog.objects.filter(claim_token=token, status=Status.CLAIMED).update(
        claimed_at=timezone.now()
    )


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def send_due(*, batch_size: int = BATCH_SIZE, run_seconds: float = RUN_SECONDS) -> SendReport:
    """Send every reminder (not held for a digest) that is due at or before
    now and not yet sent, batch by batch in this one process, until none is
    left or ``run_seconds`` have passed. (Workers share the batches instead:
    send_batch.)"""
    report = SendReport()
    started = monotonic()
    release_stale_claims()
    while monotonic() - started < run_seconds:
        token, rows = claim(limit=batch_size, in_digest=False)
        if not rows:
            break
        report += _send_batch(token, rows)
    return report


def send_batch(
    *, batch_size: int = BATCH_SIZE, more: Callable[[], None] | None = None
) -> SendReport:
    """Claim one batch of due reminders and send it. When the claim comes
    back full, more may be due: ``more()`` is called once the claim is
    committed and before sending, so that another worker process claims the
    next batch while this one sends."""
    token, rows = claim(limit=batch_size, in_digest=False)
    if not rows:
        return SendReport()
    if more is not None and len(rows) >= batch_size:
        more()
    return _send_batch(token, rows)


def enqueue_next_batch(*, batch_size: int = BATCH_SIZE) -> None:
    """Queue one batch task for the next free worker process. If the broker
    cannot be reached, the rows simply wait for beat's next run."""
    try:
        current_app.signature(BATCH_TASK, kwargs={"batch_size": batch_size}).apply_async(
            retry=False
        )
    except Exception:  # noqa: BLE001  (the broker is down: beat sends them on its next run)
        logger.warning("Could not queue the next batch of reminders; beat will send them")


class SentMarks:
    """Rows whose messages the mail server has accepted, marked sent
    together: one UPDATE (bulk.mark_sent) for every MARK_EVERY of them, or
    for fewer once the oldest has waited MARK_SECONDS, and the rest by
    ``flush()`` at the end of the batch. A worker that dies in between leaves
    at most MARK_EVERY rows claimed but not marked: those, and only those,
    are sent again once their claim is released (see the module's
    docstring)."""

    def __init__(self, token: str):
        self.token = token
        self.pks: list[int] = []
        self.oldest = 0.0

    def add(self, pks: Iterable[int]) -> int:
        """Note rows as sent; returns how many were marked now (0 while the
        group fills)."""
        if not self.pks:
            self.oldest = monotonic()
        self.pks.extend(pks)
        if len(self.pks) >= MARK_EVERY or monotonic() - self.oldest >= MARK_SECONDS:
            return self.flush()
        return 0

    def flush(self) -> int:
        """Mark every row noted so far; returns how many this worker still
        held the claim of."""
        pks, self.pks = self.pks, []
        return bulk.mark_sent(pks, self.token)


def still_wanted(
    token: str, rows: list[ReminderLog], report: SendReport, *, now: datetime
) -> tuple[list[ReminderLog], dict[int, Message]]:
    """The claimed rows still to send, with their messages; the others are
    marked skipped (the member turned the kind off or left, voted, the vote
    closed, ...)."""
    unwanted = _not_wanted(rows)
    report.skipped += skip(unwanted, token, "Not wanted any more")
    rows = [row for row in rows if row.pk not in unwanted]
    superseded = _superseded(rows)
    report.skipped += skip(superseded, token, "A later reminder about the same thing was sent")
    rows = [row for row in rows if row.pk not in superseded]
    messages = _messages_for(rows, now=now)
    report.skipped += skip(
        (row.pk for row in rows if messages.get(row.pk) is None), token, "Not needed any more"
    )
    rows = [row for row in rows if messages.get(row.pk) is not None]
    return rows, {row.pk: messages[row.pk] for row in rows}


def _superseded(rows: list[ReminderLog]) -> set[int]:
    """Of two rows of one kind about one object for one person (after
    downtime, the 48-hour and the 24-hour closing-soon reminders are both
    due), only the later is sent: the same email twice at once helps nobody."""
    latest: dict[tuple, ReminderLog] = {}
    superseded = set()
    for row in rows:
        key = (row.user_id, row.email, row.kind, row.object_key)
        kept = latest.get(key)
        if kept is None:
            latest[key] = row
            continue
        earlier, later = sorted([kept, row], key=lambda r: (r.due_at, r.pk))
        superseded.add(earlier.pk)
        latest[key] = later
    return superseded


def _wait_for_daytime(
    token: str, rows: list[ReminderLog], messages: dict[int, Message], *, now: datetime
) -> set[int]:
    """Rows planned for daytime can come up at night: a worker or beat that
    was down catches up at 2am. Those that are not urgent go back to wait for
    the member's daytime (or their digest), unless that would be too late for
    the deadline they are about (docs/email-rules.md rule 24). Returns the
    rows put back; one UPDATE for each new sending time, none in daytime."""
    if daytime_hours() is None:
        return set()
    kinds = registered_kinds()
    later: dict[tuple[bool, datetime], list[int]] = defaultdict(list)
    for row in rows:
        spec = kinds.get(row.kind)
        if row.user is None or spec is None or spec.urgent:
            continue
        if is_daytime(now, zone(row.user.timezone)):
            continue
        in_digest, at = plan(
            user=row.user, kind=spec, due=now, deadline=messages[row.pk].deadline, now=now
        )
        if at > now:
            later[(in_digest, at)].append(row.pk)
    for (in_digest, at), pks in later.items():
        # Not a failed try: the attempt the claim counted is given back.
        ReminderLog.objects.filter(pk__in=pks, claim_token=token).update(
            status=Status.PENDING,
            claim_token="",
            in_digest=in_digest,
            send_after=at,
            attempts=F("attempts") - 1,
        )
    return {pk for pks in later.values() for pk in pks}


def give_back(rows: list[ReminderLog], token: str, report: SendReport, error: Exception) -> None:
    """Rows that could not be sent wait to be tried again, with backoff (or
    are given up on after MAX_ATTEMPTS); the report says so."""
    description = describe(error)
    retried, failed = _try_later(rows, token, description)
    report.retried += retried
    report.failed += failed
    report.errors.append(description)


def open_mail_connection(rows: list[ReminderLog], token: str, report: SendReport):
    """One mail connection for a whole batch; None (and every row given
    back) when the mail server cannot be reached."""
    mailer = mailers.default
    try:
        mailer.open()
    except Exception as error:  # noqa: BLE001  (any failure to connect: try later)
        logger.warning("Could not connect to the mail server: %s", error)
        give_back(rows, token, report, error)
        return None
    return mailer


def reconnect(mailer) -> Exception | None:
    """After a failed send, a fresh connection for the rest of the batch."""
    try:
        mailer.close()
        mailer.open()
    except Exception as error:  # noqa: BLE001  (returned for the caller to give rows back)
        return error
    return None


def close(mailer) -> None:
    try:
        mailer.close()
    except Exception:
        logger.exception("Could not close the mail connection cleanly")


def _send_batch(token: str, rows: list[ReminderLog]) -> SendReport:
    report = SendReport()
    now = timezone.now()
    rows, messages = still_wanted(token, rows, report, now=now)
    night = _wait_for_daytime(token, rows, messages, now=now)
    report.postponed += len(night)
    rows = [row for row in rows if row.pk not in night]
    if not rows:
        return report
    formats = formats_for_addresses(row.email for row in rows if row.user_id is None)
    builder = ReminderEmailBuilder(now=now)
    mailer = open_mail_connection(rows, token, report)
    if mailer is None:
        return report
    last_renewal = monotonic()
    marks = SentMarks(token)
    try:
        for index, row in enumerate(rows):
            if monotonic() - last_renewal > HEARTBEAT_SECONDS:
                _renew(token)
                last_renewal = monotonic()
            try:
                message = builder.build(row, messages[row.pk], address_format=formats)
            except Exception as error:
                # A fault in our words or templates: trying again will not help.
                logger.exception("Could not build reminder %s", row.pk)
                report.failed += ReminderLog.objects.filter(pk=row.pk, claim_token=token).update(
                    status=Status.FAILED, claim_token="", last_error=describe(error)
                )
                continue
            try:
                mailer.send_messages([message])
            except Exception as error:  # noqa: BLE001  (SMTP refused, connection lost, ...)
                logger.warning("Could not send reminder %s: %s", row.pk, error)
                give_back([row], token, report, error)
                reconnect_error = reconnect(mailer)
                if reconnect_error is not None:
                    give_back(rows[index + 1 :], token, report, reconnect_error)
                    return report
                continue
            # Marked in groups after the mail server took them: a worker
            # killed here can repeat the messages of this group and no other.
            report.sent += marks.add([row.pk])
    finally:
        try:
            report.sent += marks.flush()
        finally:
            close(mailer)
    return report
