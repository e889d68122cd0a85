"""The kinds of reminder whose words belong to participants: the project
moving to a new stage (with the ladder check open), and invitations.
The decision kinds live in decisions/reminders.py."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from participants.emails import (
    absolute_url,
    format_date,
    invitation_stop_token,
    invitation_token,
    reverse_or,
)
from participants.invitations import LABEL_WORDS
from participants.models import Invitation, PlanningRequest, ReminderLog
from participants.reminders import (
    Message,
    ReminderKind,
    planner,
    project_recipients,
    register,
    schedule,
)
from projects.models import Membership, Project, Stage

Kind = ReminderLog.Kind


def object_id(row: ReminderLog) -> int:
    """The id in an object key such as "decision:42"."""
    return int(row.object_key.rsplit(":", 1)[1])


def facilitators_by_project(project_ids) -> dict[int, str]:
    """The name of one facilitator of each project, for "Need help? Ask ...".
    One query."""
    names: dict[int, str] = {}
    rows = (
        Membership.objects.current()
        .filter(project_id__in=set(project_ids), is_facilitator=True)
        .order_by("project_id", "joined_at", "pk")
        .values_list("project_id", "user__display_name")
    )
    for project_id, name in rows:
        names.setdefault(project_id, name)
    return names


def project_url(project: Project) -> str:
    """The project's home page, as a full address."""
    path = reverse_or([("projects:detail", {"slug": project.slug})], reverse("home"))
    return absolute_url(path)


def stage_url(stage: Stage) -> str:
    """The stage's page (where the ladder check is), as a full address."""
    slug = stage.project.slug
    path = reverse_or(
        [
            ("projects:stage", {"slug": slug, "position": stage.position}),
            ("projects:stage", {"slug": slug, "pk": stage.pk}),
            ("projects:stage_detail", {"slug": slug, "pk": stage.pk}),
            ("projects:ladder", {"slug": slug, "pk": stage.pk}),
            ("projects:timeline", {"slug": slug}),
            ("projects:detail", {"slug": slug}),
        ],
        reverse("home"),
    )
    return absolute_url(path)


@register
class StageReminder(ReminderKind):
    """The project moved to a new stage, and its ladder check is open."""

    name = Kind.STAGE
    preference = "notify_stage"
    digest_rank = 60

    def messages(self, rows, *, now: datetime):
        stages = Stage.objects.select_related("project").in_bulk({object_id(row) for row in rows})
        helpers = facilitators_by_project(stage.project_id for stage in stages.values())
        by_stage: dict[int, Message | None] = {}
        for stage_id, stage in stages.items():
            project = stage.project
            if not stage.is_current or project.status != Project.Status.ACTIVE:
                by_stage[stage_id] = None
                continue
            url = stage_url(stage)
            by_stage[stage_id] = Message(
                template="stage",
                context={
                    "project_name": project.name,
                    "stage_name": stage.name,
                    "stage_aims": stage.aims,
                    "url": url,
                    "facilitator_name": helpers.get(project.pk, ""),
                },
                project_name=project.name,
                digest_line=f"{project.name} moved to a new stage: {stage.name}.",
                easy_digest_line=f"{project.name} has a new stage.\nIt is called {stage.name}.",
                link_text=f"Answer the ladder check for {stage.name}",
                easy_link_text=f"Tell us what you think about {stage.name}",
                url=url,
            )
        return {row.pk: by_stage.get(object_id(row)) for row in rows}


@planner(PlanningRequest.Event.STAGE_STARTED)
def stage_started(stage_id: int, actor_id: int | None = None) -> int:
    """Tell every member (except whoever moved it) that the project moved to
    a new stage and the ladder check is open."""
    stage = Stage.objects.select_related("project").filter(pk=stage_id).first()
    if stage is None or not stage.is_current:
        return 0
    recipients = project_recipients(stage.project_id).exclude(pk=actor_id)
    return schedule(
        kind=Kind.STAGE,
        object_key=f"stage:{stage.pk}",
        due_at=stage.started_at,
        recipients=recipients,
        project=stage.project,
    )


@register
class InvitationReminder(ReminderKind):
    """An invitation to join a project. It cannot be turned off, like a
    sign-in email, and goes at once: someone just asked for it."""

    name = Kind.INVITATION
    preference = None
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
                    "expires_date": format_date(expires, now=now),
                    "stop_url": stop_url,
                },
                project_name=project.name,
                digest_line=f"{inviter} invited you to join {project.name}.",
                easy_digest_line=f"{inviter} wants you to join {project.name}.",
                link_text=f"Accept the invitation to join {project.name}",
                easy_link_text=f"Join {project.name}",
                url=accept_url,
            )
        return result
