"""Decisions: proposals put to every member of a project, their votes,
discussion and outcome.

How a kind of decision is voted on and counted lives in decisions/kinds.py, so
a new kind (ranked choice, score) adds a class there and, if it needs one, a
table of per-option marks beside Vote, without changing what is here.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from projects.models import Membership, Project, Stage


class DecisionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Decision.Status.OPEN)

    def closed(self):
        return self.filter(status=Decision.Status.CLOSED)

    def due_to_close(self, now=None):
        """Open decisions whose closing time has come: found as "at or before
        now", so a worker that was down catches up."""
        return self.open().filter(closes_at__lte=now or timezone.now())


class Decision(models.Model):
    class Kind(models.TextChoices):
        CONSENT = "consent", "A proposal to agree to or not (consent)"
        CHOICE = "choice", "Choose between options"

    class Status(models.TextChoices):
        OPEN = "open", "Open for votes"
        CLOSED = "closed", "Closed"

    class PassRule(models.TextChoices):
        MORE_AGREE_NO_BLOCK = (
            "more_agree_no_block",
            "More agree than disagree, and nobody says no and stops it (block)",
        )
        MORE_AGREE = (
            "more_agree",
            "More agree than disagree. Saying no and stopping it (block) counts as disagree",
        )
        TWO_THIRDS_NO_BLOCK = (
            "two_thirds_no_block",
            "Two thirds agree, and nobody says no and stops it (block)",
        )

    class Result(models.TextChoices):
        PASSED = "passed", "Passed"
        NOT_PASSED = "not_passed", "Not passed"
        BLOCKED = "blocked", "Blocked"
        CHOSEN = "chosen", "Option chosen"
        TIED = "tied", "Tied"
        NO_QUORUM = "no_quorum", "Not enough votes"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decisions")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="decisions")
    proposer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=200)
    description = models.TextField()
    easy_words = models.TextField(
        "easy words summary",
        blank=True,
        help_text="Short sentences, one idea on each line.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    closes_at = models.DateTimeField()
    quorum_percent = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    pass_rule = models.CharField(
        max_length=30, choices=PassRule.choices, default=PassRule.MORE_AGREE_NO_BLOCK
    )
    is_anonymous = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Filled once, when the decision closes.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(blank=True)
    result = models.CharField(max_length=12, choices=Result.choices, blank=True)
    quorum_met = models.BooleanField(null=True, blank=True)
    chosen_option = models.ForeignKey(
        "Option", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tally = models.JSONField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "closes_at"]),
            # The decision log and its CSV export: a project's decisions,
            # newest first, read in order from the index instead of sorted.
            models.Index(fields=["project", "-created_at", "-id"], name="decision_log_order"),
            # The project home: its open decisions, soonest closing first.
            models.Index(fields=["project", "status", "closes_at"], name="decision_project_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__gte=0, quorum_percent__lte=100),
                name="decision_quorum_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="decision_closed_at_matches_status",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "decisions:detail",
            kwargs={"slug": self.project.slug, "public_id": self.public_id},
        )

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def accepts_votes(self):
        """Open and its closing time has not come. A decision past its closing
        time takes no more votes even before the closing task has run."""
        return self.is_open and self.closes_at > timezone.now()


class DecisionRevision(models.Model):
    """The words of a decision before an edit made after the first vote."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    description = models.TextField()
    easy_words = models.TextField(blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-edited_at", "-pk"]

    def __str__(self):
        return f"Earlier words of {self.decision}"


class Option(models.Model):
    """One of the options of a "choose between options" decision."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)

    class Meta:
        # decision_id, not decision: ordering by the decision would join it
        # to sort by the decision's own order.
        ordering = ["decision_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "position"], name="option_position_unique"),
        ]

    def __str__(self):
        return self.text


class Vote(models.Model):
    """One member's vote on one decision: one per member, whatever their label
    or role, enforced by the database."""

    # Whose vote this is. As with ladder answers, the admin dashboard refuses
    # any filter or sort that goes through it, or into votes from another
    # model, so no list shows how someone voted (projects/admin_scoping.py).
    ANSWERED_BY = "member"

    class Choice(models.TextChoices):
        AGREE = "agree", "Agree"
        DISAGREE = "disagree", "Disagree"
        ABSTAIN = "abstain", "I do not want to choose (abstain)"
        BLOCK = "block", "Say no and stop it (block)"
        OPTION = "option", "Option"

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        MEETING = "meeting", "In a meeting"
        PHONE = "phone", "By phone"
        PAPER = "paper", "On paper"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, null=True, blank=True, related_name="votes"
    )
    reason = models.TextField(blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # Set when a facilitator recorded the vote for the member (given in a
    # meeting, by phone or on paper); cleared when the member votes themselves.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The member was helped to vote by a supporter (a carer or an advocate).
    assisted = models.BooleanField(default=False)
    supporter = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["cast_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "member"], name="one_vote_per_member"),
            models.CheckConstraint(
                condition=(Q(choice="option") & Q(option__isnull=False))
                | (~Q(choice="option") & Q(option__isnull=True)),
                name="vote_option_only_with_option_choice",
            ),
            models.CheckConstraint(
                condition=~Q(choice="block") | ~Q(reason=""),
                name="vote_block_needs_reason",
            ),
        ]

    def __str__(self):
        return f"Vote on {self.decision}"


class Comment(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # A page of the discussion is read in this order and stops at its
        # last comment (without it, all of a decision's comments were joined
        # to their authors and sorted: 17 ms at 1,000 comments, now 1.5).
        indexes = [
            models.Index(fields=["decision", "created_at", "id"], name="comment_page_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="comment_hidden_needs_reason",
            ),
        ]

    def __str__(self):
        return f"Comment on {self.decision}"

    @property
    def is_hidden(self):
        return self.hidden_at is not None


class Outcome(models.Model):
    """ "You said, we did": what will happen after a decision, who will do it
    and by when."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="outcome")
    statement = models.TextField("what will happen")
    who = models.CharField("who will do it", max_length=200)
    by_when = models.DateField("by when", null=True, blank=True)
    easy_words = models.TextField("easy words version", blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Outcome of {self.decision}"
