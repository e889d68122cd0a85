"""What a member shares about themselves, on a project's pages
(participants.profile.offer)."""

from django import template

from participants.profile.offer import short_line

register = template.Library()


@register.simple_tag
def member_short_line(access, person) -> str:
    """The line under a member's name: their pronouns and the strengths they
    offer, as far as the viewer (``access``) may see them; "" otherwise."""
    return short_line(access, person)
