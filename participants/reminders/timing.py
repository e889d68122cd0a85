"""When a reminder may go: in the member's daytime, at their digest time,
and always before the deadline it is about (docs/email-rules.md)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from functools import lru_cache

from django.conf import settings

from participants.models import User
from participants.reminders.registry import ReminderKind

# A reminder about a deadline must arrive at least this long before it.
DEADLINE_MARGIN = timedelta(hours=1)


def daytime_hours() -> tuple[time, time] | None:
    """Daytime (docs/email-rules.md rule 24), when reminders that are not
    urgent may go, in each member's own time zone; None: at any hour. From
    COPRODUCE_DAYTIME (settings)."""
    return settings.COPRODUCE_DAYTIME


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """A member's time zone; the site's if theirs is not known here."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def is_daytime(moment: datetime, tz: zoneinfo.ZoneInfo) -> bool:
    return daytime_from(moment, tz) == moment


def daytime_from(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """``moment`` if it is daytime where the member lives, else the start of
    the next daytime."""
    hours = daytime_hours()
    if hours is None:
        return moment
    starts, ends = hours
    local = moment.astimezone(tz)
    if starts <= local.time() < ends:
        return moment
    day = local.date() if local.time() < starts else local.date() + timedelta(days=1)
    return datetime.combine(day, starts, tzinfo=tz)


def daytime_before(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """The last daytime moment at or before ``moment``."""
    hours = daytime_hours()
    if hours is None:
        return moment
    starts, ends = hours
    local = moment.astimezone(tz)
    if starts <= local.time() < ends:
        return moment
    day = local.date() if local.time() >= ends else local.date() - timedelta(days=1)
    return datetime.combine(day, ends, tzinfo=tz) - timedelta(minutes=30)


def next_digest_at(user: User, after: datetime) -> datetime:
    """The member's next daily or weekly digest time at or after ``after``."""
    tz = zone(user.timezone)
    local = after.astimezone(tz)
    day = local.date()
    if user.reminder_timing == User.ReminderTiming.WEEKLY:
        day += timedelta(days=(user.digest_weekday - day.weekday()) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    candidate = datetime.combine(day, user.digest_time, tzinfo=tz)
    if candidate < after:
        candidate = datetime.combine(day + step, user.digest_time, tzinfo=tz)
    return candidate


def plan(
    *,
    user: User | None,
    kind: ReminderKind,
    due: datetime,
    deadline: datetime | None,
    now: datetime,
) -> tuple[bool, datetime]:
    """(in_digest, send_after) for one reminder to one person.

    - Urgent kinds and reminders to an address go when due.
    - Members who chose a daily or weekly digest get it in their next digest,
      unless that would be after the deadline it is about.
    - Everything else waits for daytime in the member's timezone. A reminder
      about a deadline that falls in the night goes in the evening before
      (or, if that has passed, when due: it is urgent by then).
    """
    if user is None or kind.urgent:
        return False, due
    latest = deadline - DEADLINE_MARGIN if deadline else None
    if user.reminder_timing != User.ReminderTiming.IMMEDIATE:
        at = next_digest_at(user, due)
        if latest is None or at <= latest:
            return True, at
    tz = zone(user.timezone)
    at = daytime_from(due, tz)
    if latest is not None and at > latest:
        earlier = daytime_before(due, tz)
        at = earlier if earlier >= now else due
    return False, at
