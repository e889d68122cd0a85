"""Small filters for writing emails."""

from django import template

from participants import emails

register = template.Library()


@register.filter
def sentence(text) -> str:
    """The text as a sentence: trimmed, ending with a full stop unless it
    already ends with one, a question mark or an exclamation mark."""
    return emails.sentence(text)


@register.filter
def lines(text) -> list[str]:
    """The non-empty lines of a text (for easy words: one sentence a line)."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


@register.filter(expects_localtime=True)
def time_words(moment) -> str:
    """5pm, 5:30pm, midday, midnight: how times are written, on pages as in
    emails (GOV.UK style), in the time zone the page is shown in."""
    return emails.format_time(moment) if moment else ""
