"""The account page: your name, email addresses, password and two-step
sign-in (allauth's own pages do the rest); your data, to see and download;
and deleting your account. None of them takes a user id: each is about the
person signed in, and only them."""

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from coproduce.views import posted, save_if_valid
from participants.accounts import data
from participants.accounts.forms import DeleteAccountForm, DisplayNameForm
from participants.accounts.services import account_delete, projects_needing_a_facilitator
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


@login_required
@require_safe
def your_data(request):
    """Everything Coproduce holds about you: your account in full, and for
    each list a count and the newest few (the download has all of it)."""
    user = request.user
    return render(
        request,
        "participants/your_data.html",
        {
            "account": data.account_data(user),
            "sections": data.page_sections(user),
            "latest": data.LATEST,
            "keep_sign_ins_days": settings.COPRODUCE_KEEP_SIGN_INS_DAYS,
            "keep_reminder_logs_days": settings.COPRODUCE_KEEP_REMINDER_LOGS_DAYS,
        },
    )


@login_required
@require_safe
def your_data_download(request):
    """The same, all of it, as a JSON file to keep: built as it is sent."""
    response = StreamingHttpResponse(
        data.download_chunks(request.user), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{data.download_name()}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def delete(request):
    """Delete your account: what happens, in plain words, and a box to tick.
    Members with a password or two-step sign-in confirm it is them first
    (allauth's reauthentication, then this form is sent on its own). Done,
    they are signed out and told what happened."""
    user = request.user
    form = DeleteAccountForm(posted(request))
    if save_if_valid(request, form, lambda _: account_delete(user=user, actor=user)):
        # allauth's sign-out keeps their display settings with the browser,
        # so this last page still looks the way they chose.
        get_adapter(request).logout(request)
        return render(request, "participants/account_deleted.html")
    return render(
        request,
        "participants/account_delete.html",
        {"form": form, "alone": projects_needing_a_facilitator(user)},
    )
