"""Dates and times in the words the pages use, in a project's timezone."""

import zoneinfo
from datetime import date, datetime


def time_words(value: datetime) -> str:
    """5pm, 5:30pm, midday, midnight (the GOV.UK style)."""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.minute:
        return f"{hour}:{value.minute:02d}{suffix}"
    return f"{hour}{suffix}"


def date_words(value: date) -> str:
    """Tuesday 3 March 2027."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def when_words(value: datetime | None, tz: str) -> str:
    """A moment in a project's timezone: "Tuesday 3 March 2027 at 5pm"."""
    if value is None:
        return ""
    local = value.astimezone(zoneinfo.ZoneInfo(tz))
    return f"{date_words(local)} at {time_words(local)}"
