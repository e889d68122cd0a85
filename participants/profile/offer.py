"""What a member tells others about themselves (pronouns and about me,
strengths and skills, languages, how they like to be contacted), and who
may see each part.

Each part has its own choice (User.Visibility): "members of my projects" or
"only the facilitators of my projects", private by default. In a project:
- the person themselves and the project's facilitators see every part;
- its other current members see the parts set to "members of my projects";
- nobody else sees any (project managers who are not members included, as
  for access needs).
Nothing here reads the database: the person's fields are already loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from participants.models import User

ABOUT = "about"
STRENGTHS = "strengths"
LANGUAGES = "languages"
CONTACT = "contact"

# Each part, with the field that says who may see it.
VISIBILITY_FIELDS = {
    ABOUT: "about_visibility",
    STRENGTHS: "strengths_visibility",
    LANGUAGES: "languages_visibility",
    CONTACT: "contact_visibility",
}

# The fields the members page needs to say a member's short line
# (projects.selectors.MEMBER_LIST_FIELDS adds these, as user__<name>).
LIST_FIELDS = ("pronouns", "strength_tags", *VISIBILITY_FIELDS.values())

# Who sees a part, in words, as the profile and the member's page say it.
SEEN_BY = {
    User.Visibility.MEMBERS: "The members of your projects can see this.",
    User.Visibility.FACILITATORS: "Only the facilitators of your projects can see this.",
}


def strength_labels(person: User) -> list[str]:
    """The strengths a member ticked, in words, in the order of the list."""
    tags = set(person.strength_tags or [])
    return [label for value, label in User.StrengthTag.choices if value in tags]


def seen_by(person: User, part: str) -> str:
    """Who sees ``part`` of what ``person`` told us, in words for them."""
    return SEEN_BY.get(
        getattr(person, VISIBILITY_FIELDS[part]), SEEN_BY[User.Visibility.FACILITATORS]
    )


def parts_shown(access, person: User) -> set[str]:
    """The parts of ``person``'s profile that the viewer with ``access``
    (projects.permissions.ProjectAccess, in a project they share) may see."""
    membership = access.membership
    if membership is None:
        return set()
    if membership.user_id == person.pk or access.can_see_access_needs:
        return set(VISIBILITY_FIELDS)
    return {
        part
        for part, field in VISIBILITY_FIELDS.items()
        if getattr(person, field, "") == User.Visibility.MEMBERS
    }


@dataclass(frozen=True)
class Offer:
    """What the viewer may see of a member, in words (empty parts left out)."""

    pronouns: str = ""
    about_me: str = ""
    strengths: list[str] | None = None
    strengths_words: str = ""
    languages: str = ""
    contact_preference: str = ""
    contact_details: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.pronouns,
                self.about_me,
                self.strengths,
                self.strengths_words,
                self.languages,
                self.contact_preference,
                self.contact_details,
            )
        )


def offer_for(access, person: User) -> Offer:
    """Everything of ``person``'s profile the viewer may see."""
    shown = parts_shown(access, person)
    return Offer(
        pronouns=person.pronouns if ABOUT in shown else "",
        about_me=person.about_me if ABOUT in shown else "",
        strengths=strength_labels(person) if STRENGTHS in shown else [],
        strengths_words=person.strengths if STRENGTHS in shown else "",
        languages=person.languages if LANGUAGES in shown else "",
        contact_preference=(
            person.get_contact_preference_display()
            if CONTACT in shown and person.contact_preference
            else ""
        ),
        contact_details=person.contact_details if CONTACT in shown else "",
    )


def short_line(access, person: User) -> str:
    """The line under a member's name on the members page: their pronouns
    and the strengths they offer, as far as the viewer may see them. Reads
    only LIST_FIELDS."""
    shown = parts_shown(access, person)
    bits = []
    if ABOUT in shown and person.pronouns:
        bits.append(person.pronouns)
    if STRENGTHS in shown:
        labels = strength_labels(person)
        if labels:
            bits.append("Offers: " + ", ".join(labels))
    return ". ".join(bits)
