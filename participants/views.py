from dataclasses import asdict

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from participants.display import display_preferences_for
from participants.forms import DisplayNameForm, DisplayPreferencesForm
from participants.services import display_name_change, display_preferences_save


@require_http_methods(["GET", "POST"])
def display_preferences(request):
    if request.method == "POST":
        form = DisplayPreferencesForm(request.POST)
        if form.is_valid():
            display_preferences_save(request=request, **form.cleaned_data)
            messages.success(request, "Your display settings are saved.")
            return redirect("participants:display")
    else:
        form = DisplayPreferencesForm(initial=asdict(display_preferences_for(request)))
    return render(request, "participants/display_preferences.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """Your account: your name (with a form to change it), email addresses,
    password, two-step sign-in, display settings and signing out."""
    user = request.user
    if request.method == "POST":
        form = DisplayNameForm(request.POST)
        if form.is_valid():
            display_name_change(user=user, display_name=form.cleaned_data["display_name"])
            messages.success(request, "Your name is saved.")
            return redirect("participants:account")
    else:
        form = DisplayNameForm(initial={"display_name": user.display_name})
    email_addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    return render(
        request,
        "participants/account.html",
        {
            "form": form,
            "email_addresses": email_addresses,
            "second_factor_on": is_mfa_enabled(user, [Authenticator.Type.TOTP]),
        },
    )
