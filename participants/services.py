"""Every write to people's accounts.

Who acts is a required keyword, checked as every app checks it
(projects.permissions.require): ``actor`` where it could be someone else
(only the system makes an account here: ``manage.py createmanager``), and
otherwise the person whose account it is (``user``, or the request of the
visitor whose display settings they are), who is then who acts.
"""

import datetime

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction

from coproduce.text import clean_line, clean_paragraphs
from participants.mail.links import STOP_ALL
from participants.models import User
from participants.profile.display import SESSION_KEY
from participants.reminders.registry import choices_to_turn_off, registered_kinds
from participants.reminders.scheduling import reschedule_for
from projects.permissions import AccountAccess, require


@transaction.atomic
def person_get_or_create(*, email: str, display_name: str, is_staff: bool = False, actor):
    """The account with this email address, made when there is none, with the
    address counted as confirmed: used by whoever runs the server (the first
    project manager), never by a web page. The person signs in with a code
    emailed to the address, so no password is set here. Returns the person
    and whether the account is new."""
    require(AccountAccess(actor, None), "create")
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(
            email=email, display_name=clean_line(display_name), is_staff=is_staff
        )
    elif is_staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=email, defaults={"email": email, "verified": True, "primary": True}
    )
    return user, created


@transaction.atomic
def display_preferences_save(*, request, text_size: str, contrast: str, reduced_motion: bool):
    """Keep display preferences on the member's account, or in the session of
    someone who is not signed in."""
    user = request.user
    if user.is_authenticated:
        user.text_size = text_size
        user.contrast = contrast
        user.reduced_motion = reduced_motion
        user.full_clean(exclude=["password"])
        user.save(update_fields=["text_size", "contrast", "reduced_motion"])
    else:
        request.session[SESSION_KEY] = {
            "text_size": text_size,
            "contrast": contrast,
            "reduced_motion": reduced_motion,
        }


@transaction.atomic
def display_name_change(*, user: User, display_name: str) -> User:
    """Change the name other members see."""
    user.display_name = clean_line(display_name)
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def access_needs_save(*, user: User, access_needs: list[str], access_needs_other: str) -> User:
    """Save what helps a member take part, for the facilitators of their
    projects to plan around (Your profile, "Your access needs")."""
    unknown = set(access_needs) - set(User.AccessNeed.values)
    if unknown:
        raise ValidationError({"access_needs": "Choose access needs from the list"})
    other = access_needs_other.strip()
    needs = [need for need in User.AccessNeed.values if need in access_needs]
    if other and User.AccessNeed.OTHER not in needs:
        needs.append(User.AccessNeed.OTHER)
    if User.AccessNeed.OTHER in needs and not other:
        raise ValidationError({"access_needs_other": "Tell us what else you need"})
    user.access_needs = needs
    user.access_needs_other = other if User.AccessNeed.OTHER in needs else ""
    user.full_clean(exclude=["password"])
    user.save(update_fields=["access_needs", "access_needs_other"])
    return user


def _check_choice(value: str, choices, field: str, message: str) -> None:
    if value not in choices:
        raise ValidationError({field: message})


@transaction.atomic
def about_you_save(
    *,
    user: User,
    pronouns: str,
    about_me: str,
    about_visibility: str,
    languages: str,
    languages_visibility: str,
    contact_preference: str,
    contact_details: str,
    contact_visibility: str,
) -> User:
    """Save who a member is in their own words: pronouns and about me, the
    languages they use, how they like to be contacted and how people in
    their projects can reach them (empty: they share nothing), each part
    with who may see it (Your profile, "About you")."""
    visibilities = User.Visibility.values
    for field, value, what in [
        ("about_visibility", about_visibility, "your pronouns and about me"),
        ("languages_visibility", languages_visibility, "your languages"),
        ("contact_visibility", contact_visibility, "how to contact you"),
    ]:
        _check_choice(value, visibilities, field, f"Choose who can see {what}")
    _check_choice(
        contact_preference,
        ["", *User.ContactPreference.values],
        "contact_preference",
        "Choose how you like to be contacted from the list",
    )
    user.pronouns = clean_line(pronouns)
    user.about_me = clean_paragraphs(about_me)
    user.about_visibility = about_visibility
    user.languages = clean_line(languages)
    user.languages_visibility = languages_visibility
    user.contact_preference = contact_preference
    user.contact_details = clean_paragraphs(contact_details)
    user.contact_visibility = contact_visibility
    user.full_clean(exclude=["password"])
    user.save(update_fields=ABOUT_YOU_FIELDS)
    return user


ABOUT_YOU_FIELDS = [
    "pronouns",
    "about_me",
    "about_visibility",
    "languages",
    "languages_visibility",
    "contact_preference",
    "contact_details",
    "contact_visibility",
]


@transaction.atomic
def offer_save(
    *,
    user: User,
    strength_tags: list[str],
    strengths: str,
    strengths_visibility: str,
    findable_by_strength: bool,
    thank_by_name: bool,
) -> User:
    """Save what a member offers their projects: the strengths they ticked
    and their own words, who may see them, whether facilitators may find
    them by them, and whether an outcome email thanks them by name (Your
    profile, "What you offer")."""
    if set(strength_tags) - set(User.StrengthTag.values):
        raise ValidationError({"strength_tags": "Choose strengths from the list"})
    _check_choice(
        strengths_visibility,
        User.Visibility.values,
        "strengths_visibility",
        "Choose who can see your strengths and skills",
    )
    user.strength_tags = [tag for tag in User.StrengthTag.values if tag in strength_tags]
    user.strengths = strengths.strip()
    user.strengths_visibility = strengths_visibility
    user.findable_by_strength = bool(findable_by_strength)
    user.thank_by_name = bool(thank_by_name)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*OFFER_FIELDS])
    return user


OFFER_FIELDS = (
    "strength_tags",
    "strengths",
    "strengths_visibility",
    "findable_by_strength",
    "thank_by_name",
)


@transaction.atomic
def reminder_preferences_save(
    *,
    user: User,
    wanted: list[str],
    reminder_format: str,
    reminder_timing: str,
    digest_time: datetime.time | None,
    digest_weekday: int | None,
    timezone: str,
) -> User:
    """Save which reminder emails a member wants, how they look and when they
    come. Takes effect at once: reminders already waiting follow the new
    choices (see participants.reminders.scheduling.reschedule_for).
    ``wanted`` holds the names of the kinds of reminder they want, of those
    they may turn off (participants.reminders.registry). A ``digest_time``
    or ``digest_weekday`` of None (not given, as it matters only for daily
    or weekly emails) keeps the one the member had."""
    choices = [name for name, _label in choices_to_turn_off()]
    if set(wanted) - set(choices):
        raise ValidationError({"wanted": "Choose emails from the list"})
    user.reminders_turned_off = [name for name in choices if name not in wanted]
    user.reminder_format = reminder_format
    user.reminder_timing = reminder_timing
    if digest_time is not None:
        user.digest_time = digest_time
    if digest_weekday is not None:
        user.digest_weekday = digest_weekday
    user.timezone = timezone
    user.full_clean(exclude=["password"])
    user.save(
        update_fields=[
            "reminders_turned_off",
            "reminder_format",
            "reminder_timing",
            "digest_time",
            "digest_weekday",
            "timezone",
        ]
    )
    reschedule_for(user=user)
    return user


@transaction.atomic
def reminders_stop(*, user: User, kind: str) -> list[str]:
    """Stop one kind of reminder email (or all of them, kind "all"), from the
    one-click link in an email. Takes effect at once; stopping twice is
    harmless. Returns the kinds that are now off."""
    choices = [name for name, _label in choices_to_turn_off()]
    if kind == STOP_ALL:
        stopping = choices
    else:
        opt_out = registered_kinds()[kind].opt_out if kind in registered_kinds() else None
        if opt_out is None:
            raise ValidationError("These emails cannot be stopped.")
        stopping = [opt_out]
    off = set(user.reminders_turned_off or []) | set(stopping)
    user.reminders_turned_off = [name for name in choices if name in off]
    user.save(update_fields=["reminders_turned_off"])
    reschedule_for(user=user)
    return user.reminders_turned_off
