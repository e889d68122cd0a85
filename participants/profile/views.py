"""The profile page (a member's own access needs, strengths and reminder
choices), display settings, and a facilitator's view of a member's access
needs."""

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from coproduce.views import save_if_valid
from participants.profile.display import display_preferences_for
from participants.profile.forms import DisplayPreferencesForm, ProfileForm
from participants.services import (
    display_preferences_save,
    profile_save,
    reminder_preferences_save,
)
from projects.models import Membership
from projects.permissions import project_access_or_404


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Your access needs, strengths and skills, and which reminder emails you
    get: seen only by you (and, for access needs and strengths, by the
    facilitators of your projects)."""
    user = request.user

    def save(data):
        try:
            with transaction.atomic():
                profile_save(
                    user=user,
                    access_needs=data["access_needs"],
                    access_needs_other=data["access_needs_other"],
                    strengths=data["strengths"],
                )
                reminder_preferences_save(
                    user=user,
                    wanted=data["wanted"],
                    reminder_format=data["reminder_format"],
                    reminder_timing=data["reminder_timing"],
                    digest_time=data["digest_time"],
                    digest_weekday=data["digest_weekday"],
                    timezone=data["timezone"],
                )
        except ValidationError:
            user.refresh_from_db()  # the page shows the account as it is
            raise

    if request.method == "POST":
        form = ProfileForm(request.POST)
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
    if save_if_valid(request, form, save):
        messages.success(request, "Your profile is saved.")
        return redirect("participants:profile")
    return render(request, "participants/profile.html", {"form": form})


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
    # "Something else" is shown with the person's own words instead.
    needs = [
        label
        for value, label in person.AccessNeed.choices
        if value in (person.access_needs or []) and value != person.AccessNeed.OTHER
    ]
    return render(
        request,
        "participants/member_access_needs.html",
        {
            "project": access.project,
            "membership": membership,
            "person": person,
            "needs": needs,
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
