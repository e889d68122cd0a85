"""Dates and times in words on pages and in emails: ``{% load words %}``.

The filters of coproduce/words.py:

- ``{{ moment|time_of_day }}``: "5pm", "5:30pm", "midday", "midnight", in the
  time zone the page is shown in.
- ``{{ value|day_and_date }}``: "Wednesday 3 March 2027".
- ``{{ moment|date_and_time_in:project.timezone }}``: "Wednesday 3 March 2027
  at 5pm", in the given time zone.
- ``{{ moment|when_from_now:project.timezone }}``: "today at 5pm", "tomorrow
  at midday", "on Thursday 11 June at 9:30am", seen from now in that zone.
"""

from django import template
from django.utils import timezone

from coproduce import words

register = template.Library()


@register.filter(expects_localtime=True)
def time_of_day(moment) -> str:
    """5pm, 5:30pm, midday, midnight, in the time zone the page is shown in."""
    return words.time_of_day(moment) if moment else ""


@register.filter(expects_localtime=True)
def day_and_date(value) -> str:
    """A date in words: "Wednesday 3 March 2027"."""
    return words.day_and_date(value) if value else ""


@register.filter
def date_and_time_in(moment, tz) -> str:
    """A moment in words, in the given time zone: "Wednesday 3 March 2027 at 5pm"."""
    return words.date_and_time_in(moment, tz)


@register.filter
def when_from_now(moment, tz) -> str:
    """A moment seen from now, in the given time zone: "today at 5pm"."""
    return words.when_from_now(moment, now=timezone.now(), tz=tz) if moment else ""
