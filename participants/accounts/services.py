"""Deleting an account: the member's own right to be forgotten.

What makes them who they are goes: their name, email addresses, access
needs, strengths, contact details, pronouns, about me, languages, how they
like to be contacted, settings, two-step sign-in, sign-in
records and password; the account is switched off, so nobody can sign in to
it, and every session it had stops working (a new, unusable password changes
what Django checks each session against). What they did in their projects
stays in the record, as "A former member": their votes, comments, proposals
and ladder answers are part of decisions others took with them, so no count,
tally or result changes. They leave each project the way leaving does
(projects.services.membership_leave), so a project is never left without a
facilitator: the only facilitator of a project is asked to name another
first. Their address is free for a new account straight away, and it gets
one last email saying what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat, Replace, Substr
from django.utils import timezone

from participants.accounts.data import ERASERS
from participants.mail.account import send_account_deleted
from participants.models import Invitation, ReminderLog, SignIn, User
from projects.models import Activity, Membership, Project, site_time_zone
from projects.permissions import AccountAccess, require
from projects.services import membership_leave

FORMER_MEMBER = "A former member"
# Addresses under .invalid can never receive email (RFC 2606).
PLACEHOLDER_DOMAIN = "deleted.invalid"
FIELDS_TO_DEFAULT = (
    # What they told about themselves (participants.profile.offer).
    "pronouns",
    "about_me",
    "about_visibility",
    "strength_tags",
    "strengths_visibility",
    "languages",
    "languages_visibility",
    "contact_preference",
    "contact_visibility",
    "findable_by_strength",
    "thank_by_name",
    "text_size",
    "contrast",
    "reduced_motion",
    "reminder_format",
    "reminder_timing",
    "digest_time",
    "digest_weekday",
)


def placeholder_email(user: User) -> str:
    """An address that is unique to the account and can never receive email."""
    return f"former-member-{user.pk}@{PLACEHOLDER_DOMAIN}"


def projects_needing_a_facilitator(user: User) -> list[Project]:
    """The projects where this member is the only facilitator still in the
    project: they must name another before they go. One query."""
    others = (
        Membership.objects.current()
        .filter(project=OuterRef("project"), is_facilitator=True)
        .exclude(user=user)
    )
    alone = (
        Membership.objects.current()
        .filter(user=user, is_facilitator=True)
        .exclude(Exists(others))
        .select_related("project")
        .order_by("project__name", "project_id")
    )
    return [membership.project for membership in alone]


def only_facilitator_message(names: list[str]) -> str:
    if len(names) == 1:
        where = f"You are the only facilitator of {names[0]}"
        what = "that project"
    else:
        where = f"You are the only facilitator of {', '.join(names[:-1])} and {names[-1]}"
        what = "each of those projects"
    return (
        f"{where}. Before you delete your account, make someone else a facilitator of "
        f"{what} on its members page, or ask a project manager to."
    )


@dataclass(frozen=True)
class Deleted:
    """What deleting an account did."""

    projects_left: int
    reminders_cancelled: int


def _forget_name_in_activity(user: User, name: str, project_ids: list[int]) -> None:
    """Lines of the member's projects' activity that say their name say "A
    former member" instead: those they wrote ("Sam proposed ..."), and those
    that name them ("Jo removed Sam from the project")."""
    if not name or name == FORMER_MEMBER:
        return
    Activity.objects.filter(actor=user, summary__startswith=name).update(
        summary=Concat(Value(FORMER_MEMBER), Substr("summary", len(name) + 1))
    )
    lines = Activity.objects.filter(project_id__in=project_ids)
    for pattern in (
        " removed {} from the project",
        " made {} a facilitator",
    ):
        said, instead = pattern.format(name), pattern.format(FORMER_MEMBER)
        lines.filter(summary__endswith=said).update(
            summary=Replace("summary", Value(said), Value(instead))
        )
    for pattern in ("{} is no longer a facilitator", "{} joined the project"):
        lines.filter(summary=pattern.format(name)).update(summary=pattern.format(FORMER_MEMBER))


@transaction.atomic
def account_delete(*, user: User, actor) -> Deleted:
    """Delete the member's account (only they can): erase who they are, end
    their memberships as leaving does, cancel their reminders, and, once
    this commits, email the address they had. Refused, changing nothing,
    while they are the only facilitator of a project."""
    require(
        AccountAccess(actor, user), "change", "Only the person themselves can delete an account."
    )
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError("This account has already been deleted.")
    alone = projects_needing_a_facilitator(user)
    if alone:
        raise ValidationError(only_facilitator_message([project.name for project in alone]))

    address, reminder_format, name = user.email, user.reminder_format, user.display_name
    addresses = {address.lower()} | {
        email.lower()
        for email in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    placeholder = placeholder_email(user)

    # Who they are.
    user.display_name = FORMER_MEMBER
    user.email = placeholder
    user.access_needs = []
    user.access_needs_other = ""
    user.strengths = ""
    user.contact_details = ""
    for field_name in FIELDS_TO_DEFAULT:
        setattr(user, field_name, User._meta.get_field(field_name).get_default())
    user.timezone = site_time_zone()
    user.reminders_turned_off = []
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user.managed_organisations.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    SignIn.objects.filter(user=user).delete()

    # Their projects: they leave, and lines about them no longer name them.
    memberships = list(Membership.objects.current().filter(user=user).select_related("project"))
    project_ids = list(Membership.objects.filter(user=user).values_list("project_id", flat=True))
    for membership in memberships:
        membership_leave(membership=membership)
    _forget_name_in_activity(user, name, project_ids)

    # Emails waiting for them, and invitations to their addresses.
    cancelled = ReminderLog.objects.filter(user=user, status=ReminderLog.Status.PENDING).update(
        status=ReminderLog.Status.SKIPPED, last_error="The account was deleted"
    )
    sent_to_them = Q()
    for email in addresses:
        sent_to_them |= Q(email__iexact=email)
    to_addresses = ReminderLog.objects.filter(sent_to_them, user__isnull=True)
    cancelled += to_addresses.filter(status=ReminderLog.Status.PENDING).update(
        status=ReminderLog.Status.SKIPPED, last_error="The account was deleted"
    )
    to_addresses.update(email=placeholder)
    invitations = Invitation.objects.filter(sent_to_them | Q(accepted_by=user))
    invitations.open().update(declined_at=timezone.now())
    invitations.update(email=placeholder)

    for erase in ERASERS:
        erase(user)

    transaction.on_commit(lambda: send_account_deleted(to=address, reminder_format=reminder_format))
    return Deleted(projects_left=len(memberships), reminders_cancelled=cancelled)
