"""Dates, times and days in words (coproduce/words.py and its filters):
the GOV.UK style on pages and in emails, in the right time zone, across
the clocks changing."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from coproduce.words import (
    date_and_time_in,
    day_and_date,
    relative_day,
    time_of_day,
    when_from_now,
)

LONDON = ZoneInfo("Europe/London")


def at(hour, minute=0, *, day=date(2027, 3, 3), tz=UTC):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [
        (0, 0, "midnight"),
        (0, 30, "12:30am"),
        (9, 0, "9am"),
        (11, 59, "11:59am"),
        (12, 0, "midday"),
        (12, 5, "12:05pm"),
        (17, 0, "5pm"),
        (17, 30, "5:30pm"),
        (23, 45, "11:45pm"),
    ],
)
def test_time_of_day(hour, minute, words):
    assert time_of_day(at(hour, minute)) == words


def test_time_of_day_ignores_seconds():
    assert time_of_day(datetime(2027, 3, 3, 12, 0, 59, tzinfo=UTC)) == "midday"


def test_day_and_date_has_the_year():
    assert day_and_date(date(2027, 3, 3)) == "Wednesday 3 March 2027"
    assert day_and_date(at(17, day=date(2026, 6, 11))) == "Thursday 11 June 2026"


def test_day_and_date_leaves_out_this_year():
    now = at(9, day=date(2026, 1, 5))
    assert day_and_date(at(17, day=date(2026, 6, 11)), now=now) == "Thursday 11 June"
    assert day_and_date(at(17, day=date(2027, 1, 2)), now=now) == "Saturday 2 January 2027"


def test_this_year_is_the_year_where_the_moment_is():
    # 11pm on New Year's Eve in London is already next year in Auckland.
    now = datetime(2026, 12, 31, 23, 0, tzinfo=LONDON)
    auckland = datetime(2027, 1, 2, 9, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert day_and_date(auckland, now=now) == "Saturday 2 January"


def test_date_and_time_in_a_time_zone():
    moment = datetime(2026, 6, 11, 16, 0, tzinfo=UTC)
    assert date_and_time_in(moment, "Europe/London") == "Thursday 11 June 2026 at 5pm"
    assert date_and_time_in(moment, LONDON) == "Thursday 11 June 2026 at 5pm"
    assert date_and_time_in(moment, "UTC") == "Thursday 11 June 2026 at 4pm"
    assert date_and_time_in(moment, "Asia/Kolkata") == "Thursday 11 June 2026 at 9:30pm"
    assert date_and_time_in(None, "Europe/London") == ""


def test_date_and_time_in_a_time_zone_can_be_another_day():
    moment = datetime(2026, 6, 11, 23, 0, tzinfo=UTC)
    assert date_and_time_in(moment, "Europe/London") == "Friday 12 June 2026 at midnight"
    assert date_and_time_in(moment, "America/New_York") == "Thursday 11 June 2026 at 7pm"


def test_date_and_time_in_across_the_clocks_changing():
    # UK clocks go forward at 1am GMT on Sunday 28 March 2027, and back at
    # 1am GMT on Sunday 31 October 2027.
    assert date_and_time_in(at(0, 30, day=date(2027, 3, 28)), LONDON) == (
        "Sunday 28 March 2027 at 12:30am"
    )
    assert date_and_time_in(at(1, 30, day=date(2027, 3, 28)), LONDON) == (
        "Sunday 28 March 2027 at 2:30am"
    )
    assert date_and_time_in(at(11, day=date(2027, 3, 28)), LONDON) == (
        "Sunday 28 March 2027 at midday"
    )
    assert date_and_time_in(at(0, 30, day=date(2027, 10, 31)), LONDON) == (
        "Sunday 31 October 2027 at 1:30am"
    )
    assert date_and_time_in(at(1, 30, day=date(2027, 10, 31)), LONDON) == (
        "Sunday 31 October 2027 at 1:30am"
    )
    assert date_and_time_in(at(12, day=date(2027, 10, 31)), LONDON) == (
        "Sunday 31 October 2027 at midday"
    )


def test_relative_day_today_tomorrow_and_later():
    now = datetime(2026, 6, 11, 9, 0, tzinfo=LONDON)
    later_today = datetime(2026, 6, 11, 23, 59, tzinfo=LONDON)
    assert relative_day(later_today, now=now, tz=LONDON) == "today"
    tomorrow = datetime(2026, 6, 12, 0, 0, tzinfo=LONDON)
    assert relative_day(tomorrow, now=now, tz=LONDON) == "tomorrow"
    after = datetime(2026, 6, 13, 17, 0, tzinfo=LONDON)
    assert relative_day(after, now=now, tz=LONDON) == "on Saturday 13 June"
    next_year = datetime(2027, 6, 11, 17, 0, tzinfo=LONDON)
    assert relative_day(next_year, now=now, tz="Europe/London") == "on Friday 11 June 2027"


def test_relative_day_is_as_seen_in_the_time_zone():
    # 11:30pm UTC on Thursday: still Thursday in New York, Friday in London.
    now = datetime(2026, 6, 11, 12, 0, tzinfo=UTC)
    moment = datetime(2026, 6, 11, 23, 30, tzinfo=UTC)
    assert relative_day(moment, now=now, tz="America/New_York") == "today"
    assert relative_day(moment, now=now, tz=LONDON) == "tomorrow"
    # "Now" is read in the zone too: at 11:30pm UTC on Thursday it is
    # already Friday in London, so 10pm UTC on Friday is "today" there.
    friday = datetime(2026, 6, 12, 22, 0, tzinfo=UTC)
    assert relative_day(friday, now=moment, tz=LONDON) == "today"
    assert relative_day(friday, now=moment, tz="America/New_York") == "tomorrow"


def test_relative_day_across_the_clocks_changing():
    # 11:30pm UTC on Saturday 27 March 2027 is 11:30pm GMT; a day later it is
    # 12:30am BST on Monday 29 March: two days on in London.
    now = at(23, 30, day=date(2027, 3, 27))
    assert relative_day(at(22, 30, day=date(2027, 3, 28)), now=now, tz=LONDON) == "tomorrow"
    assert relative_day(at(23, 30, day=date(2027, 3, 28)), now=now, tz=LONDON) == (
        "on Monday 29 March"
    )
    # 11:30pm UTC on Saturday 30 October is 12:30am BST on Sunday 31 October;
    # a day later it is 11:30pm GMT on the same Sunday.
    now = at(23, 30, day=date(2027, 10, 30))
    assert relative_day(at(23, 30, day=date(2027, 10, 31)), now=now, tz=LONDON) == "today"


def render(source, **context):
    return Template("{% load words %}" + source).render(Context(context))


def test_filters_write_dates_and_times_in_words():
    moment = datetime(2026, 6, 11, 16, 30, tzinfo=UTC)
    assert render("{{ m|date_and_time_in:tz }}", m=moment, tz="Europe/London") == (
        "Thursday 11 June 2026 at 5:30pm"
    )
    assert render("{{ d|day_and_date }}", d=date(2027, 3, 3)) == "Wednesday 3 March 2027"
    with timezone.override(LONDON):
        assert render("{{ m|time_of_day }}", m=moment) == "5:30pm"
        assert render("{{ m|day_and_date }}", m=datetime(2026, 6, 11, 23, tzinfo=UTC)) == (
            "Friday 12 June 2026"
        )
    with timezone.override(ZoneInfo("America/New_York")):
        assert render("{{ m|time_of_day }}", m=moment) == "12:30pm"


def test_when_from_now_says_the_day_then_the_time():
    now = datetime(2026, 6, 11, 9, 0, tzinfo=LONDON)
    assert when_from_now(at(16, 30, day=date(2026, 6, 11)), now=now, tz=LONDON) == (
        "today at 5:30pm"
    )
    assert when_from_now(at(11, day=date(2026, 6, 12)), now=now, tz=LONDON) == (
        "tomorrow at midday"
    )
    assert when_from_now(at(8, 30, day=date(2026, 6, 15)), now=now, tz="Europe/London") == (
        "on Monday 15 June at 9:30am"
    )


def test_the_when_from_now_filter_reads_the_clock():
    moment = datetime(2026, 6, 11, 16, 30, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 6, 11, 8, tzinfo=UTC), tick=False):
        assert render("{{ m|when_from_now:tz }}", m=moment, tz="Europe/London") == (
            "today at 5:30pm"
        )
    with time_machine.travel(datetime(2026, 6, 10, 8, tzinfo=UTC), tick=False):
        assert render("{{ m|when_from_now:tz }}", m=moment, tz="Europe/London") == (
            "tomorrow at 5:30pm"
        )
    assert render("{{ m|when_from_now:'Europe/London' }}", m=None) == ""


def test_filters_write_nothing_for_no_value():
    assert render("{{ m|date_and_time_in:'Europe/London' }}", m=None) == ""
    assert render("{{ m|day_and_date }}|{{ m|time_of_day }}", m=None) == "|"
