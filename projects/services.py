"""Every write to organisations, projects, memberships, stages and the ladder
check. Views and admin actions call these; nothing else writes.

Each function is keyword-only, names who acts (``actor``: a person, or
SYSTEM when Coproduce itself acts), checks it with
``require(access, ability)`` (projects/permissions.py), runs in one
transaction, validates before it saves, records an Activity where members
would want to see it (``activity_record``, which decisions uses too), and
sends projects.signals (with ids, not objects) inside the transaction and again
after it commits.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.timezone import now

from projects import signals
from projects.models import (
    Activity,
    LadderAnswer,
    Membership,
    Organisation,
    Project,
    Rung,
    Stage,
    site_time_zone,
)
from projects.permissions import (
    OrganisationAccess,
    member_access,
    person,
    project_access,
    require,
)

PROJECT_FIELDS = (
    "name",
    "summary",
    "audience",
    "starts_on",
    "ends_on",
    "timezone",
    "closing_reminder_hours",
)
STAGE_FIELDS = ("name", "aims", "planned_start", "planned_end", "what_was_done", "outcomes")


def activity_record(
    *, project: Project, actor, summary: str, url: str = "", at: datetime.datetime | None = None
) -> Activity:
    """A line in the project's activity: what happened, who did it (nobody
    when the system did) and where to read more. For the services of every
    app, which have checked the actor's permission already; it runs in their
    transaction."""
    activity = Activity(project=project, actor=person(actor), summary=summary[:300], url=url)
    if at is not None:
        activity.created_at = at
    activity.save()
    return activity


def _require_housekeeping(actor, project: Project) -> None:
    """Facilitators and the managers of the project's organisation do
    housekeeping, on the project's pages or in the admin dashboard; being
    staff is not enough."""
    require(project_access(actor, project), "housekeeping")


def _lock(project: Project) -> Project:
    """Lock the project row until the transaction ends, so two people changing
    the same project at once take turns."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _actor_id(actor) -> int | None:
    """The id of the person who acted, for the higher apps; None when the
    system acted."""
    return getattr(actor, "pk", None)


def _announce_stage_started(stage: Stage, *, actor) -> None:
    """Tell the higher apps (reminders), inside the transaction, so they
    record what must follow together with the change."""
    signals.stage_started.send(sender=Stage, stage_id=stage.pk, actor_id=_actor_id(actor))


def _reread(stage: Stage) -> Stage:
    """The stage as it is now (inside the lock), or a plain refusal if
    someone removed it a moment ago (two presses of "Remove", say)."""
    fresh = Stage.objects.select_related("project").filter(pk=stage.pk).first()
    if fresh is None:
        raise ValidationError("That stage is not in the project any more.")
    return fresh


def _require_active(project: Project, doing: str) -> None:
    if project.status != Project.Status.ACTIVE:
        raise ValidationError(
            f"This project has {project.get_status_display().lower()}, so you cannot {doing}."
        )


def _clean_text(value: str) -> str:
    return (value or "").strip()


def _apply(instance, fields: dict) -> list[str]:
    """Set the fields that differ and return their names."""
    changed = []
    for field, value in fields.items():
        value = _clean_text(value) if isinstance(value, str) else value
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def _only(fields: dict, allowed: tuple[str, ...], service: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{service}() cannot change {', '.join(sorted(unknown))}")


def _save_changes(instance, fields: dict) -> bool:
    """Set, validate and save the fields that differ; False when none did."""
    changed = _apply(instance, fields)
    if changed:
        instance.full_clean()
        instance.save(update_fields=changed)
    return bool(changed)


# Organisations ----------------------------------------------------------


@transaction.atomic
def organisation_manager_add(*, organisation_name: str, user, actor) -> tuple[Organisation, bool]:
    """Make someone a project manager of the organisation of this name,
    starting the organisation when there is none yet: the first step of a new
    install (`manage.py createmanager`, actor SYSTEM), run by whoever runs the
    server. Returns the organisation and whether it is new."""
    name = _clean_text(organisation_name)
    organisation = Organisation.objects.filter(name__iexact=name).first()
    require(OrganisationAccess(actor, organisation.pk if organisation else None), "add_manager")
    created = organisation is None
    if created:
        base = slugify(name)[:70] or "organisation"
        slug, suffix = base, 2
        while Organisation.objects.filter(slug=slug).exists():
            slug, suffix = f"{base}-{suffix}", suffix + 1
        organisation = Organisation(name=name, slug=slug)
        organisation.full_clean()
        organisation.save()
    organisation.managers.add(user)
    return organisation, created


# Projects ---------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    organisation: Organisation,
    name: str,
    summary: str,
    audience: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    timezone: str | None = None,
    closing_reminder_hours: list[int] | None = None,
    joins_as: str | None = None,
    actor,
) -> Project:
    """A new project with the seven default stages, the first one started,
    by a manager of the organisation. With joins_as (a label) they join it as
    a facilitator (starting it on the site); without, they start it without
    joining (the admin dashboard)."""
    require(OrganisationAccess(actor, organisation.pk), "start_project")
    project = Project(
        organisation=organisation,
        name=_clean_text(name),
        summary=_clean_text(summary),
        audience=_clean_text(audience),
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone or site_time_zone(),
    )
    if closing_reminder_hours is not None:
        project.closing_reminder_hours = closing_reminder_hours
    project.full_clean(exclude=["slug"])
    project.save()
    started = now()
    stages = [
        Stage(project=project, position=position, name=name)
        for position, name in enumerate(Stage.DEFAULT_NAMES)
    ]
    stages[0].started_at = started
    stages[0].started_by = person(actor)
    Stage.objects.bulk_create(stages)
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} started the project “{project.name}”",
        url=project.get_absolute_url(),
    )
    if joins_as is not None:
        membership_add(
            project=project, user=actor, label=joins_as, is_facilitator=True, actor=actor
        )
    _announce_stage_started(Stage.objects.get(project=project, position=0), actor=actor)
    return project


@transaction.atomic
def project_update(*, project: Project, actor, **fields) -> Project:
    """Change the name, summary, who it is for, dates or timezone."""
    _only(fields, PROJECT_FIELDS, "project_update")
    _require_housekeeping(actor, project)
    project = _lock(project)
    if not _save_changes(project, fields):
        return project
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} changed the project details",
        url=project.get_absolute_url(),
    )
    return project


@transaction.atomic
def project_archive(*, project: Project, actor) -> Project:
    """Archive a project: it stays readable for its members, and nothing more
    happens in it."""
    _require_housekeeping(actor, project)
    project = _lock(project)
    if project.status == Project.Status.ARCHIVED:
        return project
    project.status = Project.Status.ARCHIVED
    project.save(update_fields=["status"])
    activity_record(project=project, actor=actor, summary=f"{actor} archived the project")
    return project


# Memberships ------------------------------------------------------------


def _other_facilitators(membership: Membership) -> bool:
    return (
        Membership.objects.current()
        .filter(project_id=membership.project_id, is_facilitator=True)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_add(
    *, project: Project, user, label: str, is_facilitator: bool = False, actor
) -> Membership:
    """Make someone a member. A person who left before gets their old row back,
    so their earlier votes and comments stay joined to them.

    Who acts: the person joining (the caller has checked what lets them in,
    such as their invitation, which also says their role), or someone who
    does housekeeping in the project."""
    if actor.pk is None or actor.pk != user.pk:
        _require_housekeeping(actor, project)
    if label not in Membership.Label.values:
        raise ValidationError({"label": "Choose participant or professional"})
    _lock(project)
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is not None and membership.is_current:
        raise ValidationError(f"{user} is already a member of this project.")
    if membership is None:
        membership = Membership(project=project, user=user)
    membership.label = label
    membership.is_facilitator = is_facilitator
    membership.joined_at = now()
    membership.left_at = None
    membership.removed_by = None
    membership.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise ValidationError(f"{user} is already a member of this project.") from None
    activity_record(
        project=project,
        actor=actor,
        summary=f"{user} joined the project",
        url=project.get_absolute_url(),
    )
    signals.member_joined.send(sender=Membership, membership_id=membership.pk)
    return membership


@transaction.atomic
def membership_change_label(*, membership: Membership, label: str, actor) -> Membership:
    """Members choose their own label (participant or professional). It is
    used for reporting balance only. A manager of the project's organisation
    may correct it for them."""
    if actor.pk is None or actor.pk != membership.user_id:
        require(
            project_access(actor, membership.project),
            "manage",
            "Only the member can change how they are counted.",
        )
    if not membership.is_current:
        raise ValidationError("This person is no longer a member of the project.")
    if label not in Membership.Label.values:
        raise ValidationError({"label": "Choose participant or professional"})
    if membership.label == label:
        return membership
    membership.label = label
    membership.save(update_fields=["label"])
    return membership


@transaction.atomic
def membership_set_facilitator(
    *, membership: Membership, is_facilitator: bool, actor
) -> Membership:
    """Name a member as a facilitator, or take the role away. A project always
    keeps at least one facilitator."""
    project = _lock(membership.project)
    _require_housekeeping(actor, project)
    membership.refresh_from_db()
    if not membership.is_current:
        raise ValidationError("This person is no longer a member of the project.")
    if membership.is_facilitator == is_facilitator:
        return membership
    if not is_facilitator and not _other_facilitators(membership):
        raise ValidationError(
            f"{membership.user} is the only facilitator. Make someone else a facilitator first."
        )
    membership.is_facilitator = is_facilitator
    membership.save(update_fields=["is_facilitator"])
    if is_facilitator:
        summary = f"{actor} made {membership.user} a facilitator"
    else:
        summary = f"{membership.user} is no longer a facilitator"
    activity_record(project=project, actor=actor, summary=summary)
    return membership


def _end_membership(membership: Membership, *, removed_by, is_self: bool) -> Membership:
    membership.refresh_from_db()
    if not membership.is_current:
        raise ValidationError("This person is no longer a member of the project.")
    if membership.is_facilitator and not _other_facilitators(membership):
        if is_self:
            raise ValidationError(
                "You are the only facilitator. Make someone else a facilitator before you leave."
            )
        raise ValidationError(
            f"{membership.user} is the only facilitator. "
            "Make someone else a facilitator before you remove them."
        )
    membership.left_at = now()
    membership.removed_by = removed_by
    membership.save(update_fields=["left_at", "removed_by"])
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    """A member leaves (the member is who acts). What they said and did stays
    in the record."""
    project = _lock(membership.project)
    membership = _end_membership(membership, removed_by=None, is_self=True)
    activity_record(
        project=project, actor=membership.user, summary=f"{membership.user} left the project"
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> Membership:
    """A facilitator removes a member. What they said and did stays in the
    record."""
    project = _lock(membership.project)
    _require_housekeeping(actor, project)
    if actor.pk == membership.user_id:
        return membership_leave(membership=membership)
    membership = _end_membership(membership, removed_by=person(actor), is_self=False)
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} removed {membership.user} from the project",
    )
    return membership


# Stages -----------------------------------------------------------------


def _renumber(project: Project) -> None:
    """Keep positions 0, 1, 2, ... in the current order."""
    for position, stage in enumerate(Stage.objects.filter(project=project).order_by("position")):
        if stage.position != position:
            Stage.objects.filter(pk=stage.pk).update(position=position)


@transaction.atomic
def stage_add(
    *,
    project: Project,
    name: str,
    aims: str = "",
    planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None,
    actor,
) -> Stage:
    """Add a stage at the end of the list."""
    _require_housekeeping(actor, project)
    project = _lock(project)
    _require_active(project, "add a stage")
    last = Stage.objects.filter(project=project).order_by("-position").first()
    stage = Stage(
        project=project,
        position=last.position + 1 if last else 0,
        name=_clean_text(name),
        aims=_clean_text(aims),
        planned_start=planned_start,
        planned_end=planned_end,
    )
    stage.full_clean()
    stage.save()
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} added the stage “{stage.name}”",
        url=stage.get_absolute_url(),
    )
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, actor, **fields) -> Stage:
    """Change a stage's name, aims, planned dates, what was done or outcomes."""
    _only(fields, STAGE_FIELDS, "stage_update")
    _require_housekeeping(actor, stage.project)
    project = _lock(stage.project)
    stage = _reread(stage)
    if not _save_changes(stage, fields):
        return stage
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} updated the stage “{stage.name}”",
        url=stage.get_absolute_url(),
    )
    return stage


@transaction.atomic
def stage_move(*, stage: Stage, direction: str, actor) -> Stage:
    """Move a stage that has not started one place up or down. Stages that
    have started stay in the order they happened."""
    if direction not in {"up", "down"}:
        raise ValidationError("Choose to move the stage up or down.")
    _require_housekeeping(actor, stage.project)
    project = _lock(stage.project)
    _require_active(project, "change the order of the stages")
    _renumber(project)
    stage = _reread(stage)
    if not stage.is_future:
        raise ValidationError(
            f"“{stage.name}” has started, so it stays where it is. "
            "Only stages that have not started can move."
        )
    stages = Stage.objects.filter(project=project)
    if direction == "up":
        neighbour = stages.filter(position__lt=stage.position).order_by("-position").first()
    else:
        neighbour = stages.filter(position__gt=stage.position).order_by("position").first()
    if neighbour is None:
        where = "first" if direction == "up" else "last"
        raise ValidationError(f"“{stage.name}” is already the {where} stage.")
    if not neighbour.is_future:
        raise ValidationError(
            f"“{stage.name}” cannot move before “{neighbour.name}”, "
            "because that stage has already started."
        )
    Stage.objects.filter(pk=stage.pk).update(position=neighbour.position)
    Stage.objects.filter(pk=neighbour.pk).update(position=stage.position)
    stage.position, neighbour.position = neighbour.position, stage.position
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} moved the stage “{stage.name}” {direction}",
        url=stage.get_absolute_url(),
    )
    return stage


@transaction.atomic
def stage_remove(*, stage: Stage, actor) -> None:
    """Remove a stage that has not started. Activity that linked to it
    keeps its words and loses the link."""
    _require_housekeeping(actor, stage.project)
    project = _lock(stage.project)
    stage = _reread(stage)
    if not stage.is_future:
        raise ValidationError(
            f"“{stage.name}” has started, so it cannot be removed. "
            "It stays in the record of the project."
        )
    name, address = stage.name, stage.get_absolute_url()
    try:
        with transaction.atomic():
            stage.delete()
    except ProtectedError:
        raise ValidationError(f"“{name}” has decisions in it, so it cannot be removed.") from None
    # Earlier activity about the stage stays, without a link to a missing page.
    Activity.objects.filter(project=project, url=address).update(url="")
    _renumber(project)
    activity_record(project=project, actor=actor, summary=f"{actor} removed the stage “{name}”")


@transaction.atomic
def stage_advance(*, project: Project, actor, from_stage: Stage | None = None) -> Stage | None:
    """End the current stage and start the next one, recording when and by
    whom. After the last stage the project has finished. Returns the stage
    that is now current, or None when the project has finished.

    from_stage is the stage the person saw as current when they pressed the
    button: if someone else moved the project on in the meantime, nothing
    changes and they are told."""
    _require_housekeeping(actor, project)
    project = _lock(project)
    _require_active(project, "move to the next stage")
    stages = list(Stage.objects.filter(project=project).order_by("position", "pk"))
    current = next((stage for stage in stages if stage.is_current), None)
    if from_stage is not None and (current is None or current.pk != from_stage.pk):
        now_on = f"“{current.name}”" if current else "a new stage"
        raise ValidationError(f"Someone has already moved the project on. It is now at {now_on}.")
    upcoming = [stage for stage in stages if stage.is_future]
    if current is not None:
        upcoming = [stage for stage in upcoming if stage.position > current.position]
    if current is None and not upcoming:
        raise ValidationError("This project has no stages to move to. Add a stage first.")
    moment = now()
    if current is not None:
        current.ended_at = moment
        current.ended_by = person(actor)
        current.save(update_fields=["ended_at", "ended_by"])
    if not upcoming:
        project.status = Project.Status.FINISHED
        project.save(update_fields=["status"])
        activity_record(
            project=project,
            actor=actor,
            summary=f"{actor} ended the last stage. The project has finished",
            url=project.get_absolute_url(),
        )
        signals.project_finished.send(
            sender=Project, project_id=project.pk, actor_id=_actor_id(actor)
        )
        return None
    following = upcoming[0]
    following.started_at = moment
    following.started_by = person(actor)
    following.save(update_fields=["started_at", "started_by"])
    activity_record(
        project=project,
        actor=actor,
        summary=f"{actor} moved the project to the stage “{following.name}”",
        url=following.get_absolute_url(),
    )
    _announce_stage_started(following, actor=actor)
    return following


# The ladder check -------------------------------------------------------


@transaction.atomic
def ladder_answer_save(
    *, stage: Stage, membership: Membership, rung: int, comment: str = ""
) -> LadderAnswer:
    """A member's view of which rung of the co-production ladder the project
    is on in this stage. They can change it while the stage is current.
    The answer keeps the label the member has now, so changing their label
    later does not move it between groups. Answers are anonymous, so no
    activity is recorded."""
    stage = _reread(stage)
    require(
        member_access(membership, stage.project),
        "participate",
        "Only members of this project can answer.",
    )
    if not stage.is_current or stage.project.status != Project.Status.ACTIVE:
        raise ValidationError(
            "You can only answer for the stage the project is in now. This stage is not current."
        )
    try:
        rung = int(rung)
    except (TypeError, ValueError):
        rung = 0
    if rung not in Rung.values:
        raise ValidationError({"rung": "Choose a step from 1 to 7"})
    fields = {"rung": rung, "label": membership.label, "comment": _clean_text(comment)}
    answer, _created = LadderAnswer.objects.select_for_update().get_or_create(
        stage=stage, membership=membership, defaults=fields
    )
    _apply(answer, fields)
    answer.answered_at = now()
    answer.full_clean()
    answer.save()
    return answer
