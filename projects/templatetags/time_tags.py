"""How time given and money are written on pages and in CSV files."""

from django import template

from projects.time_given import money

register = template.Library()


def duration_words(minutes: int | None) -> str:
    """90 -> "1 hour 30 minutes"; 0 or None -> "0 minutes"."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours:,} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


@register.filter
def duration(minutes) -> str:
    return duration_words(minutes)


@register.filter(name="money")
def money_filter(amount, currency: str) -> str:
    """{{ claim.amount|money:claim.currency }} -> "£12.50"."""
    return money.money(amount, currency)
