"""Dates, times and days in words, the one way pages and emails write them.

The GOV.UK style: "5pm", "5:30pm", "midday", "midnight"; "Wednesday 3 March
2027" (no commas, no "th", no leading zeros). Templates use these through the
filters in coproduce/templatetags/words.py (``{% load words %}``).

- ``time_of_day(moment)``: "5pm", "5:30pm", "midday", "midnight".
- ``day_and_date(value)``: "Wednesday 3 March 2027"; with ``now=``, the year
  only when it is not this year: "Thursday 11 June".
- ``date_and_time_in(moment, tz)``: "Wednesday 3 March 2027 at 5pm", in a
  time zone (a project's or a member's).
- ``relative_day(moment, now=, tz=)``: "today", "tomorrow" or "on Thursday
  11 June", as seen in a time zone.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta, tzinfo


def _zone(tz: str | tzinfo) -> tzinfo:
    """A time zone from its name ("Europe/London") or as it is."""
    return zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz


def time_of_day(moment: datetime) -> str:
    """The time on the clock, as the moment reads where it is:
    "5pm", "5:30pm", "9am", "midday", "midnight"."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "midnight" if moment.hour == 0 else "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def day_and_date(value: date, *, now: datetime | None = None) -> str:
    """The day of the week and the date: "Wednesday 3 March 2027".

    Given ``now``, the year is left out when it is the same year as now (in
    the value's time zone), as emails write a date: "Thursday 11 June"."""
    text = f"{value:%A} {value.day} {value:%B}"
    if now is None:
        return f"{text} {value.year}"
    now_there = now.astimezone(value.tzinfo) if isinstance(value, datetime) else now
    return text if now_there.year == value.year else f"{text} {value.year}"


def date_and_time_in(moment: datetime | None, tz: str | tzinfo) -> str:
    """A moment as it reads in a time zone (a name such as "Europe/London",
    or a tzinfo): "Wednesday 3 March 2027 at 5pm". Empty for None."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone(tz))
    return f"{day_and_date(local)} at {time_of_day(local)}"


def relative_day(moment: datetime, *, now: datetime, tz: str | tzinfo) -> str:
    """The moment's day as seen from now in a time zone: "today",
    "tomorrow", or "on Thursday 11 June" ("on Friday 11 June 2027" in
    another year)."""
    zone = _zone(tz)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return "today"
    if local.date() == today + timedelta(days=1):
        return "tomorrow"
    return f"on {day_and_date(local, now=now)}"


def when_from_now(moment: datetime, *, now: datetime, tz: str | tzinfo) -> str:
    """A moment soon, as seen from now in a time zone: "today at 5pm",
    "tomorrow at midday", "on Thursday 11 June at 9:30am"."""
    local = moment.astimezone(_zone(tz))
    return f"{relative_day(moment, now=now, tz=tz)} at {time_of_day(local)}"
