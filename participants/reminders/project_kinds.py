"""The kinds of reminder whose words belong to participants: the project
moving on to a new stage (with the ladder check open), and invitations; and
the planners of the events projects announces (a stage started, someone
joined). The decision kinds, and the end of a project, live in
decisions/reminders.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse

from coproduce.words import day_and_date
from participants.invitations.services import LABEL_WORDS
from participants.mail.links import absolute_url, invitation_stop_token, invitation_token
from participants.models import Invitation, ReminderLog
from participants.reminders.registry import (
    Message,
    ReminderKind,
    planner,
    register,
    registered_kinds,
)
from participants.reminders.scheduling import cancel, project_recipients, schedule
from projects.models import Membership, Project, Stage

STAGE_STARTED = "stage_started"
MEMBER_JOINED = "member_joined"


def object_id(row: ReminderLog) -> int:
    """The id in an object key such as "decision:42"."""
    return int(row.object_key.rsplit(":", 1)[1])


def project_key(project_id: int) -> str:
    return f"project:{project_id}"


# What the "Do you need help?" lines say when a project has no facilitator.
NO_HELPER = {"facilitator_name": "", "facilitator_contact": ""}


def facilitators_by_project(project_ids) -> dict[int, dict[str, str]]:
    """Who members can ask for help in each project, for "Do you need help?
    Ask ...": one facilitator, one who shares how to reach them (their
    profile's contact details) if any does. One query."""
    helpers: dict[int, dict[str, str]] = {}
    no_contact = ExpressionWrapper(Q(user__contact_details=""), output_field=BooleanField())
    rows = (
        Membership.objects.current()
        .filter(project_id__in=set(project_ids), is_facilitator=True)
        .order_by("project_id", no_contact, "joined_at", "pk")
        .values_list("project_id", "user__display_name", "user__contact_details")
    )
    for project_id, name, contact in rows:
        helpers.setdefault(
            project_id, {"facilitator_name": name, "facilitator_contact": contact.strip()}
        )
    return helpers


def project_url(project: Project) -> str:
    """The project's home page, as a full address."""
    return absolute_url(project.get_absolute_url())


def stage_url(stage: Stage) -> str:
    """The stage's page (where the ladder check is), as a full address."""
    return absolute_url(stage.get_absolute_url())


@register
class StageReminder(ReminderKind):
    """The project moved on: where it is now, and its ladder check.

    A facilitator may press "next stage" several times in a row (to skip
    stages that are already done, or after a mistake), so the message waits
    ``settle`` after each move, and only the last move of a run is told:
    one email about where the project now is, not one per press about
    stages that have already ended."""

    name = "stage"
    label = "The project moves to a new stage"
    digest_rank = 60
    listed = 40
    settle = timedelta(minutes=10)

    def messages(self, rows, *, now: datetime):
        project_ids = {object_id(row) for row in rows}
        current = {
            stage.project_id: stage
            for stage in Stage.objects.select_related("project").filter(
                project_id__in=project_ids, started_at__isnull=False, ended_at__isnull=True
            )
        }
        helpers = facilitators_by_project(project_ids)
        by_project: dict[int, Message | None] = {}
        for project_id, stage in current.items():
            project = stage.project
            if project.status != Project.Status.ACTIVE:
                continue
            url = stage_url(stage)
            by_project[project_id] = Message(
                template="stage",
                context={
                    "project_name": project.name,
                    "stage_name": stage.name,
                    "stage_aims": stage.aims,
                    "url": url,
                    **helpers.get(project_id, NO_HELPER),
                },
                project_name=project.name,
                url=url,
            )
        result: dict[int, Message | None] = {}
        for row in rows:
            stage = current.get(object_id(row))
            # Planned for an earlier move: the project has moved on since,
            # and the row planned for the latest move says where it is.
            moved_on = stage is None or row.due_at < stage.started_at + self.settle
            result[row.pk] = None if moved_on else by_project.get(object_id(row))
        return result


@planner(STAGE_STARTED)
def stage_started(stage_id: int, actor_id: int | None = None) -> int:
    """Tell every member (except whoever moved it) where the project now is,
    once it has settled there; a message waiting about an earlier move is
    dropped."""
    stage = Stage.objects.select_related("project").filter(pk=stage_id).first()
    if stage is None or not stage.is_current:
        return 0
    key = project_key(stage.project_id)
    cancel(kind=StageReminder.name, object_key=key, reason="The project moved on again")
    recipients = project_recipients(stage.project_id).exclude(pk=actor_id)
    return schedule(
        kind=StageReminder.name,
        object_key=key,
        due_at=stage.started_at + StageReminder.settle,
        recipients=recipients,
        project=stage.project,
    )


@planner(MEMBER_JOINED)
def member_joined(membership_id: int) -> None:
    """Someone joined: each kind of reminder plans what they should still
    hear about (votes about to close)."""
    membership = Membership.objects.filter(pk=membership_id).first()
    if membership is None:
        return
    for kind in registered_kinds().values():
        kind.member_joined(membership)


@register
class InvitationReminder(ReminderKind):
    """An invitation to join a project. It cannot be turned off, like a
    sign-in email, and goes at once: someone just asked for it."""

    name = "invitation"
    label = "An invitation to join a project"
    can_turn_off = False
    urgent = True
    digest_rank = 30

    def messages(self, rows, *, now: datetime):
        invitations = Invitation.objects.select_related("project", "invited_by").in_bulk(
            {object_id(row) for row in rows}
        )
        result: dict[int, Message | None] = {}
        for row in rows:
            invitation = invitations.get(object_id(row))
            superseded = (
                invitation is not None
                and invitation.last_sent_at is not None
                and row.due_at < invitation.last_sent_at
            )
            if invitation is None or not invitation.is_pending or superseded:
                # Gone, answered, or sent again since: the newer email says it.
                result[row.pk] = None
                continue
            project = invitation.project
            inviter = invitation.invited_by.display_name if invitation.invited_by else ""
            inviter = inviter or f"A facilitator of {project.name}"
            expires = invitation.expires_at.astimezone(project.tzinfo)
            accept_url = absolute_url(
                reverse("participants:invitation_accept", args=[invitation_token(invitation)])
            )
            stop_url = absolute_url(
                reverse("participants:email_stop", args=[invitation_stop_token(invitation)])
            )
            result[row.pk] = Message(
                template="invitation",
                context={
                    "project_name": project.name,
                    "project_summary": project.summary,
                    "inviter_name": inviter,
                    "label": invitation.label,
                    "label_words": LABEL_WORDS.get(invitation.label, "a member"),
                    "is_facilitator": invitation.is_facilitator,
                    "url": accept_url,
                    "expires_date": day_and_date(expires, now=now),
                    "stop_url": stop_url,
                },
                project_name=project.name,
                url=accept_url,
            )
        return result
