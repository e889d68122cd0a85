"""Daily and weekly digests: one email per member listing everything
waiting for them, built only for members who have something waiting (found
from the reminder log, not by a job per member). Claimed, checked and marked
sent (in groups) as reminders are, in participants.reminders.sending."""

from __future__ import annotations

import logging
from collections import defaultdict
from time import monotonic

from django.utils import timezone

from participants.mail.builder import ReminderEmailBuilder
from participants.models import ReminderLog
from participants.reminders.registry import Message, ReminderKind, registered_kinds
from participants.reminders.sending import (
    RUN_SECONDS,
    SendReport,
    SentMarks,
    claim,
    close,
    give_back,
    open_mail_connection,
    reconnect,
    release_stale_claims,
    still_wanted,
)

logger = logging.getLogger(__name__)

Status = ReminderLog.Status

DIGEST_BATCH_USERS = 200  # people whose digests are built in one batch


def send_due_digests(
    *, batch_users: int = DIGEST_BATCH_USERS, run_seconds: float = RUN_SECONDS
) -> SendReport:
    """Send daily and weekly digests that are due: one email per member, all
    of them over one mail connection per batch."""
    report = SendReport()
    started = monotonic()
    release_stale_claims()
    while monotonic() - started < run_seconds:
        user_ids = list(
            ReminderLog.objects.filter(
                status=Status.PENDING, in_digest=True, send_after__lte=timezone.now()
            )
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:batch_users]
        )
        if not user_ids:
            break
        token, rows = claim(limit=batch_users * 50, in_digest=True, user_ids=user_ids)
        if not rows:
            continue
        report += _send_digest_batch(token, rows)
    return report


def digest_items(rows: list[ReminderLog], messages: dict[int, Message]) -> list[Message]:
    """What one member's digest lists, the most pressing first (a vote about
    to close before a new stage), each object once: a new decision whose vote
    is also closing soon appears once, as closing soon."""
    kinds = registered_kinds()
    ordered = sorted(
        rows,
        key=lambda row: (
            getattr(kinds.get(row.kind), "digest_rank", ReminderKind.digest_rank),
            row.due_at,
            row.pk,
        ),
    )
    seen: set[str] = set()
    items = []
    for row in ordered:
        if row.object_key not in seen:
            seen.add(row.object_key)
            items.append(messages[row.pk])
    return items


def _send_digest_batch(token: str, rows: list[ReminderLog]) -> SendReport:
    report = SendReport()
    now = timezone.now()
    rows, messages = still_wanted(token, rows, report, now=now)
    by_user: dict[int, list[ReminderLog]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    if not by_user:
        return report
    builder = ReminderEmailBuilder(now=now)
    mailer = open_mail_connection(rows, token, report)
    if mailer is None:
        return report
    marks = SentMarks(token)
    try:
        for user_rows in by_user.values():
            try:
                message = builder.build_digest(user_rows, digest_items(user_rows, messages))
                mailer.send_messages([message])
            except Exception as error:  # noqa: BLE001  (given back to try again with backoff)
                logger.warning("Could not send a digest: %s", error)
                give_back(user_rows, token, report, error)
                if reconnect(mailer) is not None:
                    logger.warning("Could not reconnect to the mail server")
                continue
            # Marked in groups, as reminders are (SentMarks): a worker killed
            # before its group is marked can repeat those digests, no others.
            report.sent += marks.add(row.pk for row in user_rows)
            report.digests += 1
    finally:
        try:
            report.sent += marks.flush()
        finally:
            close(mailer)
    return report
