"""Decision fragments that pages of lower apps show (the project home lists
open decisions) without importing decisions, and the date words decision
pages use."""

from django import template

from decisions.formatting import date_words, when_words
from decisions.models import Decision

register = template.Library()


@register.inclusion_tag("decisions/partials/open_decisions.html", takes_context=True)
def open_decisions(context, project):
    """The project's open decisions with their closing dates, soonest first,
    in one query."""
    decisions = list(Decision.objects.open().filter(project=project).order_by("closes_at", "pk"))
    return {"project": project, "decisions": decisions, "request": context.get("request")}


@register.filter
def when(value, tz):
    """A moment in words, in the given timezone: "Tuesday 3 March 2027 at 5pm"."""
    return when_words(value, tz)


@register.filter
def day(value):
    """A date in words: "Tuesday 3 March 2027"."""
    return date_words(value) if value else ""
