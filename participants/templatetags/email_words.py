"""Small filters for writing emails."""

from django import template

from participants.mail import rendering

register = template.Library()


@register.filter
def sentence(text) -> str:
    """The text as a sentence: trimmed, ending with a full stop unless it
    already ends with one, a question mark or an exclamation mark."""
    return rendering.sentence(text)


@register.filter
def one_line(text) -> str:
    """The text on one line, its runs of spaces and line breaks made single
    spaces (a statement quoted in a digest)."""
    return rendering.one_line(str(text or ""))


@register.filter
def lines(text) -> list[str]:
    """The non-empty lines of a text (for easy words: one sentence a line)."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]
