"""The account page: your name, email addresses, password and two-step
sign-in (allauth's own pages do the rest)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from coproduce.views import save_if_valid
from participants.accounts.forms import DisplayNameForm
from participants.services import display_name_change


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """Your account: your name (with a form to change it), email addresses,
    password, two-step sign-in, display settings and signing out."""
    user = request.user
    if request.method == "POST":
        form = DisplayNameForm(request.POST)
    else:
        form = DisplayNameForm(initial={"display_name": user.display_name})
    if save_if_valid(
        request,
        form,
        lambda data: display_name_change(user=user, display_name=data["display_name"]),
    ):
        messages.success(request, "Your name is saved.")
        return redirect("participants:account")
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
