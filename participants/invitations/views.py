"""Invitations: the facilitators' page (invite, resend, cancel) and the page
the link in an invitation email opens (sign up or sign in, confirm the
address, then join)."""

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, get_script_prefix, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.views import posted, save_if_valid
from participants.invitations import services
from participants.invitations.forms import InvitationForm, InvitationRowsForm
from participants.models import Invitation
from projects.models import Membership
from projects.permissions import project_access_or_404

RECENT_ENDED = 20


def _facilitator_access(request, slug):
    access = project_access_or_404(request.user, slug)
    if not access.can_facilitate:
        raise PermissionDenied("Only facilitators can invite people.")
    return access


@require_http_methods(["GET", "POST"])
def invitations(request, slug):
    """Invite people by email address, one row for each person with the
    label they join as, or many at once with one label; and see, resend or
    cancel the invitations that are waiting for an answer."""
    access = _facilitator_access(request, slug)
    project = access.project
    data = posted(request)
    many = data is not None and "emails" in data  # the "many at once" form was sent
    rows_form = InvitationRowsForm(None if many else data, project=project)
    many_form = InvitationForm(
        data if many else None, project=project, initial={"label": "participant"}
    )
    if many:
        form = many_form
        saved = save_if_valid(
            request,
            form,
            lambda cleaned: services.invitations_create(
                project=project,
                emails=cleaned["emails"],
                label=cleaned["label"],
                is_facilitator=cleaned["is_facilitator"],
                actor=request.user,
            ),
            otherwise="emails",  # every refusal is about the addresses
        )
    elif data is not None and "add_rows" in data:
        form = rows_form = rows_form.with_more_rows()
        saved = None
    else:
        form = rows_form
        saved = save_if_valid(
            request,
            form,
            lambda cleaned: services.invitations_create(
                project=project,
                people=cleaned["people"],
                is_facilitator=cleaned["is_facilitator"],
                actor=request.user,
            ),
        )
    if saved:
        count = len(saved.result)
        messages.success(
            request,
            f"We are sending {count} invitation{'s' if count != 1 else ''}. "
            "Each link works for 14 days.",
        )
        return redirect("participants:invitations", slug=project.slug)
    now = timezone.now()
    listed = Invitation.objects.filter(project=project).select_related("invited_by", "accepted_by")
    pending = list(listed.pending(now).order_by("email"))
    ended = list(
        listed.filter(
            Q(accepted_at__isnull=False)
            | Q(revoked_at__isnull=False)
            | Q(declined_at__isnull=False)
            | Q(expires_at__lte=now)
        ).order_by("-created_at", "-pk")[:RECENT_ENDED]
    )
    return render(
        request,
        "participants/invitations.html",
        {
            "project": project,
            "form": form,  # the one sent: its errors are in the page's error summary
            "rows_form": rows_form,
            "many_form": many_form,
            "pending": pending,
            "ended": ended,
        },
    )


def _invitation_or_404(project, public_id) -> Invitation:
    return get_object_or_404(Invitation, project=project, public_id=public_id)


def _invitation_action(request, slug, public_id, *, service, done: str):
    """Send again or cancel one invitation, then back to the list with what
    happened (or why it could not be done)."""
    access = _facilitator_access(request, slug)
    invitation = _invitation_or_404(access.project, public_id)
    try:
        service(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(email=invitation.email))
    return redirect("participants:invitations", slug=access.project.slug)


@require_POST
def invitation_resend(request, slug, public_id):
    return _invitation_action(
        request,
        slug,
        public_id,
        service=services.invitation_resend,
        done="We are sending the invitation to {email} again.",
    )


@require_POST
def invitation_revoke(request, slug, public_id):
    return _invitation_action(
        request,
        slug,
        public_id,
        service=services.invitation_revoke,
        done="The invitation for {email} is cancelled. Its link no longer works.",
    )


def _is_member(user, invitation) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.current().filter(project=invitation.project, user=user).exists()
    )


PROBLEM_STATUS = {"bad": 404, "wrong_address": 403, "unconfirmed": 403, "member": 200}

# Set when someone signs up from an invitation link: which invitation, and the
# address allauth sent its confirmation email to, so the invitation page can
# say where to look while it waits. It only changes what the page says: joining
# needs the address confirmed (participants.invitations.services.address_problem).
AWAITING_CONFIRMATION = "participants.invitation_awaiting_confirmation"


def _problem(request, problem: services.InvitationError):
    invitation = problem.invitation
    return render(
        request,
        "participants/invitation_problem.html",
        {
            "reason": problem.reason,
            "invitation": invitation,
            "project": invitation.project if invitation else None,
            "inviter": invitation.invited_by if invitation else None,
        },
        status=PROBLEM_STATUS.get(problem.reason, 410),
    )


def _invitation_token_in(url: str) -> str | None:
    """The token of the invitation page that ``url`` points to, if it does."""
    path = urlsplit(url or "").path
    prefix = get_script_prefix()
    if not path.startswith(prefix):
        return None
    try:
        match = resolve("/" + path[len(prefix) :])
    except Resolver404:
        return None
    if match.view_name != "participants:invitation_accept":
        return None
    return match.kwargs["token"]


def awaiting_confirmation_redirect(request, address: str):
    """After someone signs up from an invitation link (allauth's ``next``):
    back to the invitation page, which says that the confirmation email went
    to ``address`` and that opening it lets them join. None when the sign-up
    did not start from a usable invitation link (allauth's own page then)."""
    token = _invitation_token_in(request.POST.get("next") or request.GET.get("next"))
    if token is None:
        return None
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationError:
        return None
    request.session[AWAITING_CONFIRMATION] = {
        "invitation": str(invitation.public_id),
        "email": address,
    }
    # Built again from the token, never the typed ``next``: no redirect elsewhere.
    return redirect("participants:invitation_accept", token=token)


def _awaiting_confirmation(request, invitation) -> str:
    """The address this browser signed up with from this invitation, whose
    confirmation email it waits for ("" when it did not). The page says the
    same whether or not that address already had an account, as allauth's
    sign-up does, so strangers learn nothing from it."""
    waiting = request.session.get(AWAITING_CONFIRMATION) or {}
    if waiting.get("invitation") != str(invitation.public_id):
        return ""
    return str(waiting.get("email") or "")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The page the invitation link opens. Signed out: create an account or
    sign in (the link comes back here afterwards); after creating one, "we have
    sent a link to ADDRESS: open it to join", until the address is confirmed.
    Signed in with the invited address confirmed: one button to join. Anything
    wrong with the link or the address: a page saying what happened and who
    to ask."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationError as problem:
        if problem.reason == "used" and _is_member(request.user, problem.invitation):
            # They joined with it (a second press of the button, or the link
            # opened again later): say they are in, not that it was used.
            problem = services.InvitationError("member", problem.invitation)
        return _problem(request, problem)
    here = reverse("participants:invitation_accept", args=[token])
    context = {
        "invitation": invitation,
        "project": invitation.project,
        "label_words": services.LABEL_WORDS.get(invitation.label, "a member"),
    }
    login_url = f"{reverse('account_login')}?{urlencode({'next': here})}"
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect(login_url)
        # The link alone proves nothing about the address (it may have been
        # forwarded): a new account confirms it with allauth's own email first.
        signup_query = {"email": invitation.email, "next": here}
        context["join_signup_url"] = f"{reverse('account_signup')}?{urlencode(signup_query)}"
        context["join_login_url"] = login_url
        context["awaiting_confirmation"] = _awaiting_confirmation(request, invitation)
        return render(request, "participants/invitation_accept.html", context)
    request.session.pop(AWAITING_CONFIRMATION, None)
    problem = services.address_problem(invitation, request.user)
    if problem is not None:
        return _problem(request, services.InvitationError(problem, invitation))
    if request.method == "GET" and _is_member(request.user, invitation):
        return _problem(request, services.InvitationError("member", invitation))
    if request.method == "POST":
        try:
            accepted = services.invitation_accept(invitation=invitation, user=request.user)
        except services.InvitationError as problem:
            return _problem(request, problem)
        messages.success(request, f"Welcome to {accepted.project.name}. You are now a member.")
        return redirect(accepted.project.get_absolute_url())
    return render(request, "participants/invitation_accept.html", context)
