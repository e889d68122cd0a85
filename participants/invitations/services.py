"""Invitations: facilitators invite people by email address; the email
carries a signed, single-use link that works for 14 days.

Every write is here: views and the admin call these services. The email
itself goes through the reminder machinery (kind "invitation", which cannot
be turned off), sent by a Celery task enqueued on commit.

Accepting: the person must be signed in, and the address the invitation was
sent to must be a confirmed address of their account. The link alone proves
nothing (it can be forwarded, or read over a shoulder): someone new proves
the address with allauth's own confirmation email before they can join, and
someone with an account proved it when they confirmed it. A link forwarded to
someone else does not let them in: the page says so, and who to ask. This
keeps private projects private; people with two addresses can add the invited
one to their account, or ask for an invitation to the other. Joining sends a
notice to the account's main address, so a join nobody expected is seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from participants.mail.links import INVITATION_MAX_AGE, INVITATION_SALT, TokenError, read_token
from participants.models import Invitation, User
from participants.reminders.scheduling import cancel, schedule
from projects.models import Membership, Project
from projects.permissions import person, project_access, require
from projects.services import membership_add

MAX_ADDRESSES = 50

# How an invitation names the label someone joins with.
LABEL_WORDS = {
    Membership.Label.PARTICIPANT: "a participant (someone with lived experience, or a carer)",
    Membership.Label.PROFESSIONAL: "a professional",
}


def parse_addresses(text: str) -> list[str]:
    """Addresses typed one a line, or separated by commas or semicolons;
    repeats are dropped, the first spelling kept."""
    found = [part.strip() for part in re.split(r"[,;\s]+", text or "") if part.strip()]
    unique: dict[str, str] = {}
    for address in found:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def address_problems(*, project: Project, addresses: list[str]) -> list[str]:
    """Everything wrong with a list of addresses, in words for the form: an
    address that is not valid, one in the list twice, someone already a
    member, someone already invited, more than MAX_ADDRESSES. Two queries."""
    problems = []
    if not addresses:
        return ["Enter at least one email address"]
    if len(addresses) > MAX_ADDRESSES:
        # Only this: a list of problems with hundreds of addresses helps nobody.
        return [
            f"You can invite up to {MAX_ADDRESSES} people at once. "
            f"You entered {len(addresses)} addresses."
        ]
    valid = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            problems.append(f"“{address}” is not a valid email address")
        else:
            valid.append(address.lower())
    repeated = {address for address in valid if valid.count(address) > 1}
    problems += [f"{address} is in the list more than once" for address in sorted(repeated)]
    taken = addresses_taken(project=project, addresses=valid)
    problems += [taken[address] for address in dict.fromkeys(valid) if address in taken]
    return problems


def addresses_taken(*, project: Project, addresses: list[str]) -> dict[str, str]:
    """The valid ``addresses`` that cannot be invited, each (in lower case)
    with why in words for the form: the person is already a member, or
    already invited. Two queries (none for an empty list)."""
    valid = [address.lower() for address in addresses]
    if not valid:
        return {}
    members = set(
        Membership.objects.current()
        .filter(project=project)
        .annotate(address=Lower("user__email"))
        .filter(address__in=valid)
        .values_list("address", flat=True)
    )
    members |= set(
        EmailAddress.objects.filter(
            user__memberships__project=project,
            user__memberships__left_at__isnull=True,
        )
        .annotate(address=Lower("email"))
        .filter(address__in=valid)
        .values_list("address", flat=True)
    )
    invited = set(
        Invitation.objects.pending()
        .filter(project=project)
        .annotate(address=Lower("email"))
        .filter(address__in=valid)
        .values_list("address", flat=True)
    )
    taken = {}
    for address in valid:
        if address in members:
            taken[address] = f"{address} is already a member of this project"
        elif address in invited:
            taken[address] = (
                f"{address} has already been invited. "
                "You can send the invitation again from the list below."
            )
    return taken


def _require_facilitator(actor, project: Project) -> None:
    """Facilitators and the managers of the project's organisation invite (and
    cancel invitations, on the project's pages or in the admin dashboard)."""
    require(project_access(actor, project), "housekeeping", "Only facilitators can invite people.")


def _send(invitation: Invitation, *, now) -> None:
    schedule(
        kind="invitation",
        object_key=f"invitation:{invitation.pk}",
        due_at=now,
        addresses=[invitation.email],
        project=invitation.project,
        now=now,
    )


@transaction.atomic
def invitations_create(
    *,
    project: Project,
    emails: Sequence[str] = (),
    label: str | None = None,
    people: Sequence[tuple[str, str]] = (),
    is_facilitator: bool,
    actor,
) -> list[Invitation]:
    """Invite people to a project by email address: ``emails``, who all join
    as ``label``, and ``people``, pairs of (email address, label) who each
    join as their own label; ``is_facilitator`` is for everyone invited. Each
    gets an email with a link to join (sent after commit)."""
    if emails and label is None:
        raise TypeError("invitations_create: the emails need a label")
    invitees = [*((email, label) for email in emails), *people]
    _require_facilitator(actor, project)
    problems = address_problems(project=project, addresses=[email for email, _ in invitees])
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    addresses = [email.lower() for email, _ in invitees]
    # An invitation that ran out of time without an answer is closed, so the
    # address can be invited again.
    Invitation.objects.open().filter(project=project, expires_at__lte=now).annotate(
        address=Lower("email")
    ).filter(address__in=addresses).update(revoked_at=now, revoked_by=person(actor))
    created = []
    for address, (_, invitee_label) in zip(addresses, invitees, strict=True):
        invitation = Invitation(
            project=project,
            email=address,
            label=invitee_label,
            is_facilitator=is_facilitator,
            invited_by=person(actor),
            created_at=now,
            expires_at=now + INVITATION_MAX_AGE,
            last_sent_at=now,
            send_count=1,
        )
        invitation.full_clean(validate_constraints=False)
        invitation.save()
        _send(invitation, now=now)
        created.append(invitation)
    return created


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """Send the invitation again, with a new link that works for another 14
    days."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_facilitator(actor, invitation.project)
    if invitation.accepted_at or invitation.revoked_at or invitation.declined_at:
        raise ValidationError(f"The invitation for {invitation.email} cannot be sent again.")
    now = timezone.now()
    invitation.expires_at = now + INVITATION_MAX_AGE
    invitation.last_sent_at = now
    invitation.send_count += 1
    invitation.save(update_fields=["expires_at", "last_sent_at", "send_count"])
    _send(invitation, now=now)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Cancel an invitation: its link stops working, and an email not sent yet
    is not sent."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_facilitator(actor, invitation.project)
    if invitation.accepted_at:
        raise ValidationError(f"{invitation.email} has already joined.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = person(actor)
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    cancel(
        kind="invitation",
        object_key=f"invitation:{invitation.pk}",
        reason="The invitation was cancelled",
    )
    return invitation


@transaction.atomic
def invitation_decline(*, invitation: Invitation) -> Invitation:
    """The person said no, from the link at the end of the email. Saying no
    twice is harmless. Who acts is whoever holds the signed link
    (invitation_from_token), signed in or not: the link is their permission,
    as for the one-click stop link in a reminder."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.declined_at is None and invitation.accepted_at is None:
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at"])
    return invitation


class InvitationError(Exception):
    """Why an invitation link cannot be used, for the page that says so."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        # bad, expired, used, revoked, declined, wrong_address, unconfirmed, member
        self.reason = reason
        self.invitation = invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link is for, or InvitationError saying why it
    cannot be used (the link is forged, ran out of time, was used, ...)."""
    try:
        payload = read_token(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except TokenError as error:
        invitation = _by_public_id((error.payload or {}).get("i"))
        if error.reason == "expired" and invitation is not None:
            raise _closed(invitation) or InvitationError("expired", invitation) from None
        raise InvitationError("bad") from None
    invitation = _by_public_id(payload.get("i"))
    if invitation is None:
        raise InvitationError("bad")
    problem = _closed(invitation)
    if problem is not None:
        raise problem
    if invitation.expires_at <= timezone.now():
        raise InvitationError("expired", invitation)
    return invitation


def invitation_waiting_for(email: str) -> Invitation | None:
    """The newest invitation to this address that is still waiting for an
    answer, if any."""
    return (
        Invitation.objects.pending()
        .filter(email__iexact=email)
        .select_related("project")
        .order_by("-created_at", "-pk")
        .first()
    )


def _by_public_id(public_id) -> Invitation | None:
    if not public_id:
        return None
    try:
        return (
            Invitation.objects.select_related("project", "invited_by")
            .filter(public_id=public_id)
            .first()
        )
    except ValidationError:
        return None


def _closed(invitation: Invitation) -> InvitationError | None:
    if invitation.accepted_at:
        return InvitationError("used", invitation)
    if invitation.revoked_at:
        return InvitationError("revoked", invitation)
    if invitation.declined_at:
        return InvitationError("declined", invitation)
    return None


def address_problem(invitation: Invitation, user: User) -> str | None:
    """None when the address the invitation went to is a confirmed address of
    the account; "unconfirmed" when it is on the account but not confirmed
    yet; "wrong_address" when it is not on the account. Only a confirmed
    address counts (not ``user.email`` alone): an account can be created with
    any address, and only allauth's confirmation email, a sign-in code or a
    password reset proves the person reads that mailbox. One query."""
    verified = list(
        EmailAddress.objects.filter(user=user, email__iexact=invitation.email).values_list(
            "verified", flat=True
        )
    )
    if True in verified:
        return None
    return "unconfirmed" if verified else "wrong_address"


@dataclass
class Accepted:
    membership: Membership
    project: Project


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Accepted:
    """Join the project the invitation is for, as the label (and role) the
    facilitator chose. The person joining is who acts; the invitation, sent
    to a confirmed address of theirs, is their permission. Single use: a
    second press finds it used."""
    invitation = (
        Invitation.objects.select_for_update().select_related("project").get(pk=invitation.pk)
    )
    problem = _closed(invitation)
    if problem is not None:
        raise problem
    if invitation.expires_at <= timezone.now():
        raise InvitationError("expired", invitation)
    problem = address_problem(invitation, user)
    if problem is not None:
        raise InvitationError(problem, invitation)
    if Membership.objects.current().filter(project=invitation.project, user=user).exists():
        raise InvitationError("member", invitation)
    membership = membership_add(
        project=invitation.project,
        user=user,
        label=invitation.label,
        is_facilitator=invitation.is_facilitator,
        actor=user,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # robust: the person has joined even if the mail server is down; the
    # failure is logged, and the page still says they are in.
    transaction.on_commit(partial(joined_notice_send, invitation_id=invitation.pk), robust=True)
    return Accepted(membership=membership, project=invitation.project)


def joined_notice_send(*, invitation_id: int) -> None:
    """Tell the account's main address that it joined a project, as allauth's
    notices tell it a password was set (templates/account/email/project_joined_*;
    participants.accounts.adapters.AccountAdapter.send_notification_mail). Sent once,
    after the join is committed."""
    invitation = (
        Invitation.objects.select_related("project", "accepted_by")
        .filter(pk=invitation_id, accepted_by__isnull=False)
        .first()
    )
    if invitation is None:
        return
    get_adapter().send_notification_mail(
        "account/email/project_joined",
        invitation.accepted_by,
        {
            "project_name": invitation.project.name,
            "label": invitation.label,
            "is_facilitator": invitation.is_facilitator,
            "invited_email": invitation.email,
        },
    )
