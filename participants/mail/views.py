"""Pages reached from links in emails, which work without signing in:
changing email preferences, and the one-click stop (RFC 8058).

Opening a link (GET) never changes anything: mail software fetches links on
its own. Changes need a POST: the preferences form, or the one-click stop,
which mail software sends with no cookies (so it is exempt from CSRF; the
signed token in the address is what authorises it). Unknown, forged or
expired tokens get a plain page with status 404, never an error.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from coproduce.views import save_if_valid
from participants.invitations.services import invitation_decline
from participants.mail import links
from participants.models import Invitation, User
from participants.profile.forms import ReminderPreferencesForm
from participants.reminders.registry import kind_label, registered_kinds
from participants.services import reminder_preferences_save, reminders_stop


def _link_problem(request, reason: str):
    return render(
        request,
        "participants/email_link_problem.html",
        {"reason": reason},
        status=404,
    )


def _user_from(token: str, *, salt: str) -> tuple[User | None, dict | None, str]:
    try:
        payload = links.read_token(token, salt=salt, max_age=links.EMAIL_LINK_MAX_AGE)
    except links.TokenError as error:
        return None, None, error.reason
    user = (
        User.objects.filter(pk=payload.get("u"), is_active=True).first() if "u" in payload else None
    )
    return user, payload, "" if user is not None else "bad"


@require_http_methods(["GET", "POST"])
def email_preferences(request, token):
    """Change or stop reminder emails, from the link at the end of every
    email. Shows only the email choices (never access needs)."""
    user, _payload, problem = _user_from(token, salt=links.PREFERENCES_SALT)
    if user is None:
        return _link_problem(request, problem)
    if request.method == "POST":
        form = ReminderPreferencesForm(request.POST)
    else:
        form = ReminderPreferencesForm(initial=ReminderPreferencesForm.initial_for(user))
    if save_if_valid(request, form, lambda data: reminder_preferences_save(user=user, **data)):
        messages.success(request, "Your email choices are saved.")
        return redirect("participants:email_preferences", token=token)
    return render(
        request,
        "participants/email_preferences.html",
        {
            "form": form,
            "person": user,
            "stop_all_url": links.stop_url(user, links.STOP_ALL),
        },
    )


def _stop_words(kind: str) -> str:
    """What a stop link stops, in words; "" for a kind that cannot stop."""
    if kind == links.STOP_ALL:
        return "all reminder emails"
    spec = registered_kinds().get(kind)
    if spec is None or spec.opt_out is None:
        return ""
    return f"emails about this: “{kind_label(spec.opt_out)}”"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_stop(request, token):
    """One-click stop. GET shows what will stop and a button; POST stops it
    at once, answers 200 (also when repeated) and never redirects."""
    try:
        payload = links.read_token(token, salt=links.STOP_SALT, max_age=links.EMAIL_LINK_MAX_AGE)
    except links.TokenError as error:
        return _link_problem(request, error.reason)
    if "i" in payload:
        return _invitation_stop(request, payload["i"])
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    kind = payload.get("k", "")
    what = _stop_words(kind)
    if user is None or not what:
        return _link_problem(request, "bad")
    done = False
    if request.method == "POST":
        reminders_stop(user=user, kind=kind)
        done = True
    return render(
        request,
        "participants/email_stop.html",
        {
            "what": what,
            "done": done,
            "preferences_url": links.preferences_url(user),
        },
    )


def _invitation_stop(request, public_id):
    try:
        invitation = (
            Invitation.objects.select_related("project", "invited_by")
            .filter(public_id=public_id)
            .first()
        )
    except Exception:  # noqa: BLE001  (a damaged id in a genuine token: treat as unknown)
        invitation = None
    if invitation is None:
        return _link_problem(request, "bad")
    if request.method == "POST":
        invitation = invitation_decline(invitation=invitation)
    return render(
        request,
        "participants/invitation_stop.html",
        {"invitation": invitation, "done": request.method == "POST"},
    )
