"""Organisations, projects, who is in them, and the stages they move through.

Every member of a project is an equal: the label (participant or professional)
is for reporting balance only, and the facilitator flag allows housekeeping
only (inviting, removing, editing stages). See docs/domain.md.
"""

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.timezone import now

from coproduce.timezones import timezone_choices


def _timezone_choices():
    return timezone_choices()


def site_time_zone() -> str:
    """New projects and people start in the site's time zone (TIME_ZONE)."""
    return settings.TIME_ZONE


def site_currency() -> str:
    """New organisations pay in the site's currency (COPRODUCE_CURRENCY)."""
    return settings.COPRODUCE_CURRENCY


def _currency_choices():
    from projects.time_given.money import CURRENCY_CHOICES

    return CURRENCY_CHOICES


class OrganisationQuerySet(models.QuerySet):
    def managed_by(self, user):
        """The organisations whose projects this person manages: those they
        are a project manager of, or every one for a superuser (who runs the
        site). This is the one rule of the admin dashboard and the managers'
        dashboard: being a manager of an organisation is what gives access."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(managers=user)


class Organisation(models.Model):
    """A charity, council team or NHS trust that owns projects."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_organisations",
        help_text=(
            "Project managers see and manage every project of this organisation "
            "without being members. They vote only if they join a project as members."
        ),
    )
    currency = models.CharField(
        max_length=3,
        choices=_currency_choices,
        default=site_currency,
        help_text="Involvement payments and vouchers are in this currency.",
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Projects a person may see: those they are a current member of, and
        all projects of organisations they manage."""
        if not user.is_authenticated:
            return self.none()
        # Two IN (subquery) tests, not joins: no row is repeated, so nothing
        # needs DISTINCT or a GROUP BY over the joined rows (6.8 ms to 1 ms
        # for a member of a 5,000-member project).
        return self.filter(
            Q(pk__in=Membership.objects.current().filter(user=user).values("project"))
            | Q(organisation__in=Organisation.objects.filter(managers=user).values("pk"))
        )

    def with_progress(self):
        """Annotate how many stages there are and how many have started, so a
        list of projects can say "Stage 3 of 7" without a query per project."""
        return self.annotate(
            stage_count=models.Count("stages", distinct=True),
            started_count=models.Count(
                "stages", filter=Q(stages__started_at__isnull=False), distinct=True
            ),
        )


def default_closing_reminder_hours():
    return [48, 24]


def _new_slug_suffix():
    return secrets.token_hex(3)


class Project(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FINISHED = "finished", "Finished"
        ARCHIVED = "archived", "Archived"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(max_length=200)
    # The slug carries a random suffix, so a project's address cannot be guessed
    # from its name or from a sequence.
    slug = models.SlugField(max_length=100, unique=True, editable=False)
    summary = models.TextField(
        help_text="What the project is about, in plain language.",
    )
    audience = models.CharField(
        "who it is for",
        max_length=300,
        blank=True,
        help_text="For example: people who use the Riverside day service, and their carers.",
    )
    starts_on = models.DateField("start date", null=True, blank=True)
    ends_on = models.DateField("planned end date", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    timezone = models.CharField(max_length=64, choices=_timezone_choices, default=site_time_zone)
    closing_reminder_hours = models.JSONField(
        default=default_closing_reminder_hours,
        blank=True,
        help_text="Hours before a vote closes to remind members who have not voted, e.g. [48, 24].",
    )
    created_at = models.DateTimeField(default=now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="project_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            base = slugify(self.name)[:80] or "project"
            self.slug = f"{base}-{_new_slug_suffix()}"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start date"})

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)


class Membership(models.Model):
    """A person in a project. Rows are kept when someone leaves, so their past
    votes, comments and proposals stay attributed to them."""

    class Label(models.TextChoices):
        PARTICIPANT = "participant", "Participant (lived experience or carer)"
        PROFESSIONAL = "professional", "Professional"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    label = models.CharField(max_length=12, choices=Label.choices)
    is_facilitator = models.BooleanField(
        "facilitator",
        default=False,
        help_text="Facilitators do housekeeping: invite and remove members, edit stages. "
        "Their vote counts once, like anyone's.",
    )
    joined_at = models.DateTimeField(default=now)
    left_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__display_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_person"),
        ]

    def __str__(self):
        return f"{self.user} in {self.project}"

    @property
    def is_current(self):
        return self.left_at is None


class StageQuerySet(models.QuerySet):
    def current(self):
        return self.filter(started_at__isnull=False, ended_at__isnull=True)


class Stage(models.Model):
    """One step of a project, from start to end. Exactly one stage is current
    while a project is active: started and not yet ended."""

    DEFAULT_NAMES = [
        "Getting started",
        "Understanding what matters",
        "Ideas",
        "Designing together",
        "Trying it out",
        "Making it happen",
        "Looking back and celebrating",
    ]

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    aims = models.TextField(blank=True, help_text="What this stage is for.")
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    what_was_done = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(started_at__isnull=False, ended_at__isnull=True),
                name="one_current_stage_per_project",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(started_at__isnull=False),
                name="stage_ends_only_after_starting",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="stage_planned_end_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:stage_detail", kwargs={"slug": self.project.slug, "pk": self.pk})

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError(
                {"planned_end": "The planned end date must be on or after the planned start date"}
            )

    @property
    def is_current(self):
        return self.started_at is not None and self.ended_at is None

    @property
    def is_past(self):
        return self.ended_at is not None

    @property
    def is_future(self):
        return self.started_at is None


class Rung(models.IntegerChoices):
    """The co-production ladder, from least to most shared power. Members
    read each step in plain words, as the people on the step would say it,
    with the ladder's own term after it; pages and emails call them steps
    (never "rungs"), and their numbers go from 1 (no say) to 7 (an equal
    say)."""

    COERCION = 1, "We come along, but have no say (coercion)"
    EDUCATING = 2, "We are taught about the service (educating)"
    INFORMING = 3, "We are told what will happen (informing)"
    CONSULTING = 4, "We are asked, but others decide (consulting)"
    ENGAGING = 5, "We have some say, but not an equal say (engaging)"
    CO_DESIGN = 6, "We help design it, but others still decide some things (co-design)"
    CO_PRODUCTION = 7, "We are equal partners, from start to end (co-production)"


class LadderAnswer(models.Model):
    """One member's view of which rung of the ladder a stage is on. Anonymous
    to other members: pages show only counts."""

    # The field that says whose answer this is. The admin dashboard refuses
    # any filter or sort that goes through it, or into this model from
    # another, so no list narrows answers down to one member
    # (projects/admin_scoping.py).
    ANSWERED_BY = "membership"

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="ladder_answers")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="ladder_answers"
    )
    rung = models.PositiveSmallIntegerField(
        choices=Rung.choices, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    # How the member was counted when they answered. Kept with the answer, so
    # a member who later changes their label does not move their old answers
    # from one group to the other (which would show everyone their rung).
    label = models.CharField(max_length=12, choices=Membership.Label.choices)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "membership"], name="one_ladder_answer_per_member"
            ),
            models.CheckConstraint(
                condition=Q(rung__gte=1, rung__lte=7), name="ladder_rung_1_to_7"
            ),
            models.CheckConstraint(
                condition=Q(label__in=Membership.Label.values), name="ladder_answer_label_known"
            ),
        ]

    def __str__(self):
        return f"Rung {self.rung} for {self.stage}"

    def save(self, *args, **kwargs):
        if not self.label:
            self.label = self.membership.label
        super().save(*args, **kwargs)


class Activity(models.Model):
    """What happened in a project, newest first on the project home page."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "activities"
        # The project home's recent activity: a project's newest lines.
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="activity_project_recent")
        ]

    def __str__(self):
        return self.summary


# Time given and how it is recognised (projects/time_given/models.py).
from projects.time_given.models import (  # noqa: E402
    Claim,
    ClaimEvent,
    Contribution,
    RecognitionPolicy,
)

__all__ = [
    "Activity",
    "Claim",
    "ClaimEvent",
    "Contribution",
    "LadderAnswer",
    "Membership",
    "Organisation",
    "Project",
    "RecognitionPolicy",
    "Rung",
    "Stage",
]
