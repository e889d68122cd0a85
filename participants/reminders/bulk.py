"""The two shortcuts the reminder log takes for speed, each written out once
and tested against the plain ORM way (tests/participants/test_bulk.py):

- ``insert_ignoring_conflicts``: one INSERT ... SELECT for any number of
  rows, where ``bulk_create(ignore_conflicts=True)`` would split 5,000 rows
  into several queries;
- ``mark_sent``: one UPDATE that records a group of messages as sent (every
  few dozen messages while a batch is sent, see
  participants.reminders.sending.SentMarks) instead of one UPDATE per
  message, written out rather than compiled by the ORM each time (on
  PostgreSQL the ids travel as one array: ``id = ANY(%s)``).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection
from django.utils import timezone

from participants.models import ReminderLog

Status = ReminderLog.Status

COLUMNS = [
    "user_id",
    "email",
    "kind",
    "object_key",
    "due_at",
    "send_after",
    "project_id",
    "in_digest",
    "status",
    "attempts",
    "last_error",
    "claim_token",
    "created_at",
]


def insert_ignoring_conflicts(
    *,
    kind: str,
    object_key: str,
    project_id: int | None,
    rows: list[tuple[int | None, str, datetime, datetime, bool]],
    now: datetime,
) -> int:
    """Insert pending reminder rows, given as (user_id, email, due_at,
    send_after, in_digest), in one query: the rows travel as one JSON
    parameter. Rows whose key exists already are skipped (ON CONFLICT DO
    NOTHING). Returns how many were added."""
    table = ReminderLog._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in COLUMNS)
    if connection.vendor == "postgresql":

        def moment(value):
            return value.isoformat()

        source = """
            SELECT r.u, r.e, %s, %s, r.d, r.s, %s, r.g, %s, 0, '', '', %s
            FROM jsonb_to_recordset(%s::jsonb)
                AS r(u bigint, e text, d timestamptz, s timestamptz, g boolean)
        """
    else:

        def moment(value):
            return connection.ops.adapt_datetimefield_value(value)

        source = """
            SELECT json_extract(value, '$.u'), json_extract(value, '$.e'), %s, %s,
                   json_extract(value, '$.d'), json_extract(value, '$.s'), %s,
                   json_extract(value, '$.g'), %s, 0, '', '', %s
            FROM json_each(%s) WHERE true
        """
    payload = json.dumps(
        [
            {"u": user_id, "e": email, "d": moment(due), "s": moment(at), "g": in_digest}
            for user_id, email, due, at, in_digest in rows
        ]
    )
    # Names are ours, values are parameters.
    sql = f"INSERT INTO {quote(table)} ({columns}) {source} ON CONFLICT DO NOTHING"
    created = now if connection.vendor == "postgresql" else moment(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, object_key, project_id, Status.PENDING, created, payload])
        return max(cursor.rowcount, 0)


def mark_sent(pks: list[int], token: str) -> int:
    """Record a group of messages as sent, each only if this worker still
    holds its claim (a claim released as stale and taken by another worker
    is not touched). One UPDATE whatever the number of rows; returns how
    many were marked."""
    if not pks:
        return 0
    quote = connection.ops.quote_name
    table, key = quote(ReminderLog._meta.db_table), quote(ReminderLog._meta.pk.column)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    if connection.vendor == "postgresql":
        which, ids = f"{key} = ANY(%s)", [list(pks)]
    else:
        which, ids = f"{key} IN ({', '.join(['%s'] * len(pks))})", list(pks)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claim_token = '', sent_at = %s, "  # noqa: S608
            f"last_error = '' WHERE {which} AND claim_token = %s",
            [Status.SENT, sent_at, *ids, token],
        )
        return cursor.rowcount
