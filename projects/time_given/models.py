"""Time given, and how a project recognises it (docs/domain.md:
reciprocity). Imported by projects/models.py, so these are models of the
projects app.

- Contribution: time one member gave a project (a meeting, preparing,
  reading documents, travel, training, something else). A member's own is
  confirmed at once; a meeting a facilitator logs for several people waits
  for each of them to confirm it, change it or say they were not there.
  Only confirmed time counts anywhere.
- RecognitionPolicy: what the project offers for time given (nothing, an
  hourly rate or a fee for each activity; as a payment and or a voucher;
  travel costs paid back), in its organisation's currency.
- Claim: a participant's choice for one confirmed contribution (payment,
  voucher or no thanks), its amount worked out in Decimal and rounded to the
  currency's minor unit, approved or refused by a facilitator and marked
  paid by the organisation's managers. Every change is a ClaimEvent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from projects.time_given.money import STORED_DIGITS, STORED_PLACES

# The longest stretch one line of time may be: a day. Longer is logged as
# more than one line.
MOST_MINUTES = 24 * 60


def _money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=STORED_DIGITS, decimal_places=STORED_PLACES, **kwargs)


class Contribution(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", "A meeting"
        PREPARATION = "preparation", "Getting ready for a meeting"
        REVIEWING = "reviewing", "Reading or checking documents"
        TRAVEL = "travel", "Travel"
        TRAINING = "training", "Training"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for them to check"
        CONFIRMED = "confirmed", "Confirmed"
        NOT_THERE = "not_there", "They were not there"

    membership = models.ForeignKey(
        "projects.Membership", on_delete=models.CASCADE, related_name="contributions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    date = models.DateField()
    minutes = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=now)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=MOST_MINUTES),
                name="contribution_minutes_in_a_day",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "confirmed", "not_there"]),
                name="contribution_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["membership", "status", "-date"], name="contribution_member"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.date}: {self.minutes} minutes"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class RecognitionPolicy(models.Model):
    """What a project offers for the time its participants give. Without a
    row, nothing."""

    class Value(models.TextChoices):
        NONE = "none", "Nothing for time given"
        HOURLY = "hourly", "An hourly rate"
        PER_ACTIVITY = "per_activity", "A fee for each activity"

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="recognition_policy"
    )
    value = models.CharField(max_length=12, choices=Value.choices, default=Value.NONE)
    # The hourly rate or the fee, in the organisation's currency.
    rate = _money_field(null=True, blank=True)
    as_payment = models.BooleanField("paid as money", default=False)
    as_voucher = models.BooleanField("given as a voucher", default=False)
    travel_costs = models.BooleanField("travel costs paid back", default=False)
    details = models.TextField(
        blank=True, help_text="For example, which shop the vouchers are for, or who to ask."
    )
    updated_at = models.DateTimeField(default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "recognition policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(value="none") | Q(rate__gt=0), name="recognition_rate_when_paid"
            ),
        ]

    def __str__(self):
        return f"Recognition in {self.project}"

    @property
    def pays_for_time(self) -> bool:
        return self.value != self.Value.NONE and (self.as_payment or self.as_voucher)

    @property
    def offers_anything(self) -> bool:
        return self.pays_for_time or self.travel_costs


class Claim(models.Model):
    """A participant's choice for one confirmed contribution."""

    class How(models.TextChoices):
        PAYMENT = "payment", "A payment"
        VOUCHER = "voucher", "A voucher"
        DECLINED = "declined", "No thanks"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a facilitator to approve"
        APPROVED = "approved", "Approved, waiting to be paid"
        REFUSED = "refused", "Not approved"
        PAID = "paid", "Paid"
        DECLINED = "declined", "No thanks"

    contribution = models.OneToOneField(
        Contribution, on_delete=models.CASCADE, related_name="claim"
    )
    how = models.CharField(max_length=10, choices=How.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    currency = models.CharField(max_length=3)
    # For the time (the rate or the fee), the travel costs they typed, and
    # the two together: rounded to the currency's minor unit.
    for_time = _money_field(default=0)
    travel_costs = _money_field(default=0)
    amount = _money_field(default=0)
    reason = models.TextField(blank=True, help_text="Why it was not approved.")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(for_time__gte=0) & Q(travel_costs__gte=0),
                name="claim_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(how="declined", status="declined")
                | (~Q(how="declined") & ~Q(status="declined")),
                name="claim_declined_is_declined",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="claim_status")]

    def __str__(self):
        return f"Claim {self.pk}: {self.get_how_display()}, {self.get_status_display()}"


class ClaimEvent(models.Model):
    """One change to a claim: who, when, what, from and to. Never changed."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=now)
    what = models.CharField(max_length=40)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.what}: {self.before} → {self.after}"
