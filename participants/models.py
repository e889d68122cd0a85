import datetime
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from participants.reminders.registry import (
    kind_label,
    validate_event,
    validate_kind,
    validate_turned_off,
)
from projects.models import Membership, site_time_zone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who uses Coproduce. Signs in by email address; has no username."""

    class TextSize(models.TextChoices):
        STANDARD = "standard", "Standard"
        LARGE = "large", "Large"
        LARGEST = "largest", "Largest"

    class Contrast(models.TextChoices):
        STANDARD = "standard", "Standard"
        HIGH = "high", "High contrast: black text on a white background"
        DARK = "dark", "High contrast: white text on a black background"

    class ReminderFormat(models.TextChoices):
        STANDARD = "standard", "Standard email"
        PLAIN_TEXT = "plain_text", "Plain text only"
        LARGE_PRINT = "large_print", "Large print"
        EASY_WORDS = "easy_words", "Easy words: short sentences, one idea on each line"

    class ReminderTiming(models.TextChoices):
        IMMEDIATE = "immediate", "Straight away"
        DAILY = "daily", "Once a day, in one email"
        WEEKLY = "weekly", "Once a week, in one email"

    class AccessNeed(models.TextChoices):
        LARGE_PRINT = "large_print", "Large print"
        EASY_READ = "easy_read", "Easy read documents"
        BSL = "bsl", "British Sign Language (BSL) interpreter"
        STEP_FREE = "step_free", "Step-free access"
        HEARING_LOOP = "hearing_loop", "Hearing loop"
        QUIET_SPACE = "quiet_space", "A quiet space"
        EXTRA_TIME = "extra_time", "Extra time"
        SUPPORT_WORKER = "support_worker", "A support worker coming with me"
        OTHER = "other", "Something else"

    class StrengthTag(models.TextChoices):
        """Common strengths a member can offer, ticked on "What you offer"."""

        LIVED_EXPERIENCE = "lived_experience", "Lived experience of the service"
        CARING = "caring", "Caring for someone"
        ORGANISING = "organising", "Organising things and people"
        WRITING = "writing", "Writing"
        SPEAKING = "speaking", "Speaking to groups"
        LISTENING = "listening", "Listening and supporting others"
        ART = "art", "Art, drawing or design"
        LANGUAGES = "languages", "Languages and translating"
        DIGITAL = "digital", "Digital skills: computers, phones, the internet"
        NUMBERS = "numbers", "Numbers and budgets"
        RESEARCH = "research", "Finding things out and research"
        CONNECTIONS = "connections", "Knowing people in the community"

    class ContactPreference(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone call"
        TEXT_MESSAGE = "text_message", "Text message"
        IN_PERSON = "in_person", "In person"
        SUPPORTER = "supporter", "Through my supporter or a facilitator"

    class Visibility(models.TextChoices):
        """Who may see a part of what a member tells about themselves:
        private (facilitators only) unless they choose otherwise."""

        FACILITATORS = "facilitators", "Only the facilitators of my projects"
        MEMBERS = "members", "Members of my projects"

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        "name",
        max_length=100,
        help_text="How other members see you. It can be a first name or a nickname.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "staff",
        default=False,
        help_text="Can use the admin dashboard.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    # Display preferences, applied by the server to every page.
    text_size = models.CharField(max_length=10, choices=TextSize.choices, default=TextSize.STANDARD)
    contrast = models.CharField(max_length=10, choices=Contrast.choices, default=Contrast.STANDARD)
    reduced_motion = models.BooleanField(default=False)

    # About the person: for facilitators of their projects to plan around.
    access_needs = models.JSONField(default=list, blank=True)
    access_needs_other = models.CharField(max_length=300, blank=True)
    strengths = models.TextField(
        "strengths and skills",
        blank=True,
        help_text="What you are good at or would like to bring to a project.",
    )
    # How members of their projects can reach them (a phone number, the days
    # they are in the office); empty when they share nothing.
    contact_details = models.TextField("how people in your projects can reach you", blank=True)
    # What a member tells others about themselves, each part optional and
    # each with who may see it (Visibility; facilitators only unless they
    # choose otherwise): participants.profile.offer says who sees what.
    pronouns = models.CharField(max_length=40, blank=True)
    about_me = models.CharField("about me", max_length=500, blank=True)
    about_visibility = models.CharField(
        "who can see your pronouns and about me",
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.FACILITATORS,
    )
    strength_tags = models.JSONField("strengths offered", default=list, blank=True)
    strengths_visibility = models.CharField(
        "who can see your strengths and skills",
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.FACILITATORS,
    )
    languages = models.CharField("languages you use", max_length=200, blank=True)
    languages_visibility = models.CharField(
        "who can see your languages",
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.FACILITATORS,
    )
    contact_preference = models.CharField(
        "how you like to be contacted", max_length=12, choices=ContactPreference.choices, blank=True
    )
    contact_visibility = models.CharField(
        "who can see how to contact you",
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.FACILITATORS,
    )
    findable_by_strength = models.BooleanField(
        "facilitators may find me by my strengths when planning work", default=False
    )
    # Named in the "You said, we did" part of an outcome email
    # (decisions.reminders.thanks); otherwise counted among "others".
    thank_by_name = models.BooleanField(
        "thank me by name when something I took part in is decided", default=True
    )
    timezone = models.CharField(max_length=64, default=site_time_zone)

    # How and when they want to be reminded.
    reminder_format = models.CharField(
        max_length=12, choices=ReminderFormat.choices, default=ReminderFormat.STANDARD
    )
    reminder_timing = models.CharField(
        max_length=10, choices=ReminderTiming.choices, default=ReminderTiming.IMMEDIATE
    )
    digest_time = models.TimeField(default=datetime.time(9, 0))
    digest_weekday = models.PositiveSmallIntegerField(
        default=0, help_text="For a weekly digest: 0 is Monday, 6 is Sunday."
    )
    # The kinds of reminder the person turned off (names from the registry,
    # participants.reminders.registry): none, unless they chose otherwise.
    reminders_turned_off = models.JSONField(
        "reminder emails turned off",
        default=list,
        blank=True,
        validators=[validate_turned_off],
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["display_name", "pk"]
        # Members in name order (the members page, the first names on a
        # project home): read from the index, stopping after a page,
        # instead of sorting every member of the project.
        indexes = [models.Index(fields=["display_name", "id"], name="user_name_order")]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            models.CheckConstraint(
                condition=Q(digest_weekday__gte=0, digest_weekday__lte=6),
                name="user_digest_weekday_0_to_6",
            ),
        ]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Not yet accepted, revoked or declined (it may have expired)."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, declined_at__isnull=True
        )

    def pending(self, now=None):
        """Open and still within its 14 days."""
        return self.open().filter(expires_at__gt=now or timezone.now())


def _invitation_expiry():
    return timezone.now() + datetime.timedelta(days=14)


class Invitation(models.Model):
    """An invitation to join a project, sent by email as a signed, single-use
    link that expires after 14 days."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("email address")
    label = models.CharField(max_length=12, choices=Membership.Label.choices)
    is_facilitator = models.BooleanField("facilitator", default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The person said no, from the link at the end of the invitation email.
    declined_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "project",
                Lower("email"),
                condition=Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, declined_at__isnull=True
                ),
                name="one_open_invitation_per_address",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_both_accepted_and_revoked",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.project}"

    @property
    def status(self) -> str:
        """What happened to it, in words for facilitators."""
        if self.accepted_at:
            return "Accepted"
        if self.revoked_at:
            return "Cancelled"
        if self.declined_at:
            return "Said no"
        if self.expires_at <= timezone.now():
            return "Ended: not used within 14 days"
        return "Waiting for an answer"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.declined_at is None
            and self.expires_at > timezone.now()
        )


class ReminderLog(models.Model):
    """Every reminder Coproduce sends, keyed by (person, kind, object, due
    time). The unique key is what makes sending exactly-once: a row is claimed
    before the message goes to the mail server and marked sent after.

    ``due_at`` is the moment the reminder is about (for example 24 hours before
    a vote closes) and is part of the key; ``send_after`` is when it may go,
    moved into the member's daytime or to their digest. Invitations go to an
    address rather than an account, so their rows have ``email`` and no user.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        CLAIMED = "claimed", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not needed any more"
        FAILED = "failed", "Failed: gave up"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    email = models.EmailField(
        "email address", blank=True, help_text="For invitations, which go to an address."
    )
    kind = models.CharField(
        max_length=30,
        validators=[validate_kind],
        help_text="A kind of reminder from the registry (participants.reminders.registry).",
    )
    object_key = models.CharField(max_length=80, help_text='For example "decision:42".')
    due_at = models.DateTimeField()
    send_after = models.DateTimeField(
        default=timezone.now,
        help_text="When it may be sent: in the member's daytime, or at their digest time.",
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    in_digest = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-pk"]
        verbose_name = "reminder"
        indexes = [
            models.Index(fields=["status", "in_digest", "send_after"], name="reminder_due_idx"),
            models.Index(fields=["claim_token"], name="reminder_claim_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_key", "due_at"], name="one_reminder_per_key"
            ),
            models.UniqueConstraint(
                fields=["email", "kind", "object_key", "due_at"],
                condition=Q(user__isnull=True),
                name="one_reminder_per_address_key",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="reminder_has_a_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} for {self.user or self.email} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class PlanningRequest(models.Model):
    """Reminders still to be planned about something that happened (a decision
    proposed or closed, an outcome written, a vote recorded for a member, a
    stage started, someone joining). It is written in the same transaction as
    the change itself, and deleted in the transaction that plans the
    reminders, straight after the change commits. So a request still here
    after ``try_after`` belongs to a process that died between the two (or
    whose planning failed): beat's sweep plans it then
    (participants.reminders.planning.plan_missed). Planning twice adds nothing (the
    reminder log's unique key), so the sweep never needs to know whether
    anyone else planned it meanwhile.
    """

    event = models.CharField(
        max_length=30,
        validators=[validate_event],
        help_text="An event with a planner (participants.reminders.planning).",
    )
    args = models.JSONField(
        default=list, help_text="What the event's planner is given: ids, such as [42]."
    )
    created_at = models.DateTimeField(default=timezone.now)
    try_after = models.DateTimeField(
        help_text="When beat's sweep may plan it, if nothing has by then."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["try_after", "pk"]
        indexes = [models.Index(fields=["try_after"], name="planning_request_due_idx")]

    def __str__(self):
        return f"{self.event} {self.args}"


class SignIn(models.Model):
    """One time someone signed in: when, and from which browser and internet
    address, so they can see in "Your data" whether every sign-in was them.
    Recorded on Django's user_logged_in signal (participants.accounts.signins)
    and deleted after COPRODUCE_KEEP_SIGN_INS_DAYS by beat
    (participants.accounts.retention), or with the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_ins"
    )
    signed_in_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("internet address", null=True, blank=True)
    user_agent = models.CharField("browser", max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_in_at", "-pk"]
        verbose_name = "sign-in"
        indexes = [
            # A member's newest sign-ins, and the oldest ones for retention.
            models.Index(fields=["user", "-signed_in_at"], name="sign_in_user_recent"),
            models.Index(fields=["signed_in_at"], name="sign_in_age"),
        ]

    def __str__(self):
        return f"Sign-in at {self.signed_in_at:%Y-%m-%d %H:%M}"
