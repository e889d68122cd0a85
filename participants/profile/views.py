"""Your profile: an overview of what a member told us (access needs; about
them; what they offer; email choices), a short page to change each part,
display settings, a facilitator's view of a member's access needs, and what
a member shares with the others of a project (participants.profile.offer)."""

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from coproduce.timezones import place_name
from coproduce.views import save_if_valid
from participants.models import User
from participants.profile.display import display_preferences_for
from participants.profile.forms import (
    WEEKDAYS,
    AboutYouForm,
    AccessNeedsForm,
    DisplayPreferencesForm,
    OfferForm,
    ReminderPreferencesForm,
)
from participants.profile.offer import (
    ABOUT,
    CONTACT,
    LANGUAGES,
    STRENGTHS,
    offer_for,
    seen_by,
    strength_labels,
)
from participants.reminders.registry import choices_to_turn_off
from participants.services import (
    about_you_save,
    access_needs_save,
    display_preferences_save,
    offer_save,
    reminder_preferences_save,
)
from projects.models import Membership
from projects.permissions import project_access_or_404


def access_need_labels(person: User) -> list[str]:
    """A person's access needs in words; "Something else" is left out, to
    be shown with the person's own words instead."""
    return [
        label
        for value, label in User.AccessNeed.choices
        if value in (person.access_needs or []) and value != User.AccessNeed.OTHER
    ]


def emails_in_words(person: User) -> dict:
    """A person's email choices, as the overview of their profile says them."""
    off = set(person.reminders_turned_off or [])
    at = person.digest_time.strftime("%H:%M")
    day = dict(WEEKDAYS).get(person.digest_weekday, "")
    when = {
        User.ReminderTiming.DAILY: f"Once a day, in one email, at {at}",
        User.ReminderTiming.WEEKLY: f"Once a week, in one email, on {day} at {at}",
    }.get(person.reminder_timing, "Straight away")
    choices = choices_to_turn_off()
    return {
        "wanted": [label for name, label in choices if name not in off],
        "all_wanted": not off.intersection(name for name, _label in choices),
        "look": person.get_reminder_format_display(),
        "when": when,
        "timezone": place_name(person.timezone),
    }


@login_required
@require_safe
def profile(request):
    """Your profile: what you told us, part by part, each with a link to
    change it. Seen only by you."""
    user = request.user
    return render(
        request,
        "participants/profile.html",
        {
            "needs": access_need_labels(user),
            "emails": emails_in_words(user),
            "strengths": strength_labels(user),
            "seen_by": {
                "about": seen_by(user, ABOUT),
                "strengths": seen_by(user, STRENGTHS),
                "languages": seen_by(user, LANGUAGES),
                "contact": seen_by(user, CONTACT),
            },
        },
    )


def _profile_part(request, *, form_class, service, template, saved):
    """One part of Your profile, on its own page: its form, with the
    member's answers, saved by ``service`` (only this part's fields), then
    back to the overview saying what was saved."""
    user = request.user

    def save(data):
        try:
            return service(user=user, **data)
        except ValidationError:
            user.refresh_from_db()  # the page shows the account as it is
            raise

    if request.method == "POST":
        form = form_class(request.POST)
    else:
        form = form_class(initial=form_class.initial_for(user))
    if save_if_valid(request, form, save):
        messages.success(request, saved)
        return redirect("participants:profile")
    return render(request, template, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_access_needs(request):
    """What helps you take part: seen by you and the facilitators of your
    projects."""
    return _profile_part(
        request,
        form_class=AccessNeedsForm,
        service=access_needs_save,
        template="participants/profile_access_needs.html",
        saved="Your access needs are saved.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_about_you(request):
    """Your pronouns and about me, your languages, and how you like to be
    contacted, each with who can see it."""
    return _profile_part(
        request,
        form_class=AboutYouForm,
        service=about_you_save,
        template="participants/profile_about_you.html",
        saved="Your answers about you are saved.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_offer(request):
    """What you offer: your strengths and skills, who can see them, whether
    facilitators may find you by them, and whether to be thanked by name."""
    return _profile_part(
        request,
        form_class=OfferForm,
        service=offer_save,
        template="participants/profile_offer.html",
        saved="What you offer is saved.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_emails(request):
    """Which emails you get, how they look and when they come (the same
    choices as the page reached from a link in an email)."""
    return _profile_part(
        request,
        form_class=ReminderPreferencesForm,
        service=reminder_preferences_save,
        template="participants/profile_emails.html",
        saved="Your email choices are saved.",
    )


@require_safe
def member_access_needs(request, slug, pk):
    """A member's access needs and strengths, for the facilitators of the
    project to plan around, and for the member. The profile page tells people
    exactly this. Everyone else, signed out or in (project managers who are not
    facilitators here included): 404, as for a private project."""
    access = project_access_or_404(request.user, slug)
    membership = get_object_or_404(
        Membership.objects.current().select_related("user"), project=access.project, pk=pk
    )
    if not (access.can_see_access_needs or membership.user_id == request.user.pk):
        raise Http404("No such page")
    person = membership.user
    return render(
        request,
        "participants/member_access_needs.html",
        {
            "project": access.project,
            "membership": membership,
            "person": person,
            "needs": access_need_labels(person),
        },
    )


@require_safe
def member_about(request, slug, pk):
    """What a member of the project shares about themselves: every part for
    them and the project's facilitators, the parts they chose to show
    "members of my projects" for its other current members. Everyone else,
    signed out or in (project managers who are not members here included):
    404, as for a private project."""
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise Http404("No such page")
    membership = get_object_or_404(
        Membership.objects.current().select_related("user"), project=access.project, pk=pk
    )
    person = membership.user
    return render(
        request,
        "participants/member_about.html",
        {
            "project": access.project,
            "access": access,
            "membership": membership,
            "person": person,
            "offer": offer_for(access, person),
            "sees_everything": access.can_see_access_needs or person.pk == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
def display_preferences(request):
    if request.method == "POST":
        form = DisplayPreferencesForm(request.POST)
    else:
        form = DisplayPreferencesForm(initial=asdict(display_preferences_for(request)))
    if save_if_valid(request, form, lambda data: display_preferences_save(request=request, **data)):
        messages.success(request, "Your display settings are saved.")
        return redirect("participants:display")
    return render(request, "participants/display_preferences.html", {"form": form})
