"""How a member's name is shown inside a project."""

from django import template

from projects.models import Membership

register = template.Library()

SHORT_LABELS = {
    Membership.Label.PARTICIPANT: "participant",
    Membership.Label.PROFESSIONAL: "professional",
}


@register.filter
def member_name(membership: Membership) -> str:
    """The name with the member's label, and "facilitator" for facilitators:
    "Sam Okafor (professional, facilitator)". Wherever a name appears in a
    project it comes with these, so someone who copies the facilitator's name
    still shows as who they are ("Sam Okafor (participant)")."""
    if membership is None:
        return ""
    label = SHORT_LABELS.get(membership.label, membership.label)
    role = f"{label}, facilitator" if membership.is_facilitator else label
    return f"{membership.user} ({role})"
