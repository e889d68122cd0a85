"""The profile page (a member's own access needs, strengths and reminder
choices) and a facilitator's view of a member's access needs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from participants.profile_forms import ProfileForm
from participants.services import profile_save, reminder_preferences_save
from projects.models import Membership
from projects.permissions import project_access_or_404


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Your access needs, strengths and skills, and which reminder emails you
    get: seen only by you (and, for access needs and strengths, by the
    facilitators of your projects)."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
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
            except ValidationError as error:
                user.refresh_from_db()
                _add_errors(form, error)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("participants:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
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
