"""Every write to time given, recognition policies and claims. Keyword-only,
``actor`` required, checked with ``require(access, ability)``
(projects/time_given/permissions.py), one transaction each, validated before
saving. Money is Decimal throughout (projects/time_given/money.py)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import Membership, Project
from projects.permissions import person, project_access, require
from projects.time_given import money
from projects.time_given.models import (
    MOST_MINUTES,
    Claim,
    ClaimEvent,
    Contribution,
    RecognitionPolicy,
)
from projects.time_given.permissions import PaymentAccess, claim_access, contribution_access

ZERO = Decimal(0)


def _check_time(*, project: Project, date: datetime.date, minutes: int) -> None:
    if project.status == Project.Status.ARCHIVED:
        raise ValidationError("This project is archived, so no more time can be logged in it.")
    errors = {}
    if not 1 <= minutes <= MOST_MINUTES:
        errors["minutes"] = "Enter a time from 1 minute to 24 hours"
    if date > timezone.localdate(timezone=project.tzinfo):
        errors["date"] = "The date cannot be in the future"
    if errors:
        raise ValidationError(errors)


def _clean(text: str) -> str:
    return (text or "").strip()


# --- time given ---------------------------------------------------------------------


@transaction.atomic
def contribution_log(
    *,
    membership: Membership,
    kind: str,
    date: datetime.date,
    minutes: int,
    note: str = "",
    actor,
) -> Contribution:
    """A member logs time they gave: confirmed at once."""
    require(contribution_access(actor, membership), "check", "You can only log your own time.")
    if kind not in Contribution.Kind.values:
        raise ValidationError({"kind": "Choose what you did"})
    _check_time(project=membership.project, date=date, minutes=minutes)
    return Contribution.objects.create(
        membership=membership,
        kind=kind,
        date=date,
        minutes=minutes,
        note=_clean(note),
        logged_by=person(actor),
        status=Contribution.Status.CONFIRMED,
        checked_at=timezone.now(),
    )


@transaction.atomic
def meeting_log(
    *,
    project: Project,
    attendees: list[Membership],
    date: datetime.date,
    minutes: int,
    note: str = "",
    actor,
) -> list[Contribution]:
    """A facilitator logs a meeting for the members who came: one line each,
    waiting for that member to confirm it, change it or say they were not
    there (nothing counts until they do). The facilitator's own line, if they
    came, is confirmed at once."""
    access = project_access(actor, project)
    require(access, "housekeeping")
    if not attendees:
        raise ValidationError({"attendees": "Choose who came to the meeting"})
    _check_time(project=project, date=date, minutes=minutes)
    ids = {attendee.pk for attendee in attendees}
    current = set(
        Membership.objects.current()
        .filter(project=project, pk__in=ids)
        .values_list("pk", flat=True)
    )
    if current != ids:
        raise ValidationError({"attendees": "Choose people who are members of this project now"})
    own = access.membership.pk if access.membership is not None else None
    at = timezone.now()
    return Contribution.objects.bulk_create(
        Contribution(
            membership_id=pk,
            kind=Contribution.Kind.MEETING,
            date=date,
            minutes=minutes,
            note=_clean(note),
            logged_by=person(actor),
            status=Contribution.Status.CONFIRMED if pk == own else Contribution.Status.WAITING,
            checked_at=at if pk == own else None,
            created_at=at,
        )
        for pk in sorted(ids)
    )


@transaction.atomic
def contribution_check(
    *,
    contribution: Contribution,
    was_there: bool,
    minutes: int | None = None,
    note: str | None = None,
    actor,
) -> Contribution:
    """The member checks a line someone logged for them: they were there
    (with the time and note as logged, or as they change them), or not."""
    require(contribution_access(actor, contribution.membership), "check")
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.status != Contribution.Status.WAITING:
        raise ValidationError("You have checked this already.")
    if was_there:
        if minutes is not None:
            _check_time(
                project=contribution.membership.project, date=contribution.date, minutes=minutes
            )
            contribution.minutes = minutes
        if note is not None:
            contribution.note = _clean(note)
        contribution.status = Contribution.Status.CONFIRMED
    else:
        contribution.status = Contribution.Status.NOT_THERE
    contribution.checked_at = timezone.now()
    contribution.save(update_fields=["minutes", "note", "status", "checked_at"])
    return contribution


# --- what the project offers ------------------------------------------------------


@transaction.atomic
def policy_save(
    *,
    project: Project,
    value: str,
    rate: Decimal | None,
    as_payment: bool,
    as_voucher: bool,
    travel_costs: bool,
    details: str = "",
    actor,
) -> RecognitionPolicy:
    """Set what the project offers for time given. Claims already made keep
    the amount worked out when they were made."""
    require(project_access(actor, project), "housekeeping")
    currency = project.organisation.currency
    errors = {}
    if value not in RecognitionPolicy.Value.values:
        errors["value"] = "Choose what the project offers for time given"
    elif value == RecognitionPolicy.Value.NONE:
        rate, as_payment, as_voucher = None, False, False
    else:
        if rate is None or not isinstance(rate, Decimal) or rate <= 0:
            errors["rate"] = "Enter the amount, more than 0"
        elif money.rounded(rate, currency) != rate:
            errors["rate"] = f"Enter the amount to the nearest {money.quantum(currency)} {currency}"
        if not (as_payment or as_voucher):
            errors["ways"] = "Choose how participants can take it: a payment, a voucher or both"
    if errors:
        raise ValidationError(errors)
    policy, _ = RecognitionPolicy.objects.select_for_update().get_or_create(project=project)
    policy.value = value
    policy.rate = rate
    policy.as_payment = as_payment
    policy.as_voucher = as_voucher
    policy.travel_costs = travel_costs
    policy.details = _clean(details)
    policy.updated_at = timezone.now()
    policy.updated_by = person(actor)
    policy.full_clean(exclude=["project"])
    policy.save()
    return policy


# --- claims ---------------------------------------------------------------------------


def ways_to_take(policy: RecognitionPolicy | None) -> list[str]:
    """How a participant may take what the policy offers (Claim.How), "no
    thanks" last; [] when it offers nothing."""
    if policy is None or not policy.offers_anything:
        return []
    ways = []
    if policy.as_payment or policy.travel_costs:
        ways.append(Claim.How.PAYMENT)
    if policy.as_voucher and policy.pays_for_time:
        ways.append(Claim.How.VOUCHER)
    return [*ways, Claim.How.DECLINED]


def for_time(policy: RecognitionPolicy, contribution: Contribution, currency: str) -> Decimal:
    """What the time of one confirmed line is worth under the policy,
    rounded to the currency's minor unit (0 when it pays nothing for time)."""
    if not policy.pays_for_time:
        return ZERO
    if policy.value == RecognitionPolicy.Value.HOURLY:
        return money.for_time(
            minutes=contribution.minutes, hourly_rate=policy.rate, currency=currency
        )
    return money.rounded(policy.rate, currency)


def _event(claim: Claim, actor, what: str, before: str, after: str, at) -> ClaimEvent:
    return ClaimEvent(
        claim=claim, actor=person(actor), at=at, what=what, before=before[:300], after=after[:300]
    )


def _how_words(how: str) -> str:
    return Claim.How(how).label if how else ""


def _status_words(status: str) -> str:
    return Claim.Status(status).label if status else ""


def _changes(claim: Claim, before: dict, actor, at) -> list[ClaimEvent]:
    """One event for each field of the claim that changed."""
    events = []
    words = {
        "how": ("Choice", _how_words),
        "status": ("Status", _status_words),
        "amount": ("Amount", lambda amount: money.money(amount, claim.currency)),
        "travel_costs": ("Travel costs", lambda amount: money.money(amount, claim.currency)),
        "reason": ("Reason", str),
    }
    for field, (what, say) in words.items():
        old = say(before[field]) if before.get(field) else ""
        new = say(getattr(claim, field)) if getattr(claim, field) else ""
        if old != new:
            events.append(_event(claim, actor, what, old, new, at))
    return events


def _snapshot(claim: Claim | None) -> dict:
    if claim is None:
        return {}
    return {
        field: getattr(claim, field)
        for field in ("how", "status", "amount", "travel_costs", "reason")
    }


@transaction.atomic
def claim_make(
    *,
    contribution: Contribution,
    how: str,
    travel_costs: Decimal = ZERO,
    actor,
) -> Claim:
    """The participant chooses a payment, a voucher or no thanks for one of
    their confirmed lines of time. They may change their choice until a
    facilitator has approved or refused it."""
    membership = contribution.membership
    require(claim_access(actor, membership), "claim")
    contribution = (
        Contribution.objects.select_for_update()
        .select_related("membership__project__organisation")
        .get(pk=contribution.pk)
    )
    project = contribution.membership.project
    if not contribution.is_confirmed:
        raise ValidationError("Only time you have confirmed can be claimed for.")
    policy = RecognitionPolicy.objects.filter(project=project).first()
    ways = ways_to_take(policy)
    if not ways:
        raise ValidationError("This project does not offer anything for time given.")
    if how not in ways:
        raise ValidationError({"how": "Choose one of the ways the project offers"})
    if not isinstance(travel_costs, Decimal):
        raise TypeError("Travel costs must be a Decimal")
    claim = Claim.objects.select_for_update().filter(contribution=contribution).first()
    if claim is not None and claim.status not in (Claim.Status.WAITING, Claim.Status.DECLINED):
        raise ValidationError(
            f"This claim is {claim.get_status_display().lower()}, so it cannot be changed."
        )
    before = _snapshot(claim)
    currency = claim.currency if claim is not None else project.organisation.currency
    at = timezone.now()
    if claim is None:
        claim = Claim(contribution=contribution, currency=currency, created_at=at)
    claim.how = how
    if how == Claim.How.DECLINED:
        claim.status = Claim.Status.DECLINED
        claim.for_time = claim.travel_costs = claim.amount = ZERO
    else:
        travel = money.rounded(travel_costs, currency) if policy.travel_costs else ZERO
        if travel != travel_costs and policy.travel_costs:
            raise ValidationError(
                {"travel_costs": f"Enter the travel costs to the nearest {money.quantum(currency)}"}
            )
        claim.for_time = for_time(policy, contribution, currency)
        claim.travel_costs = travel
        claim.amount = claim.for_time + travel
        if claim.amount <= 0:
            raise ValidationError(
                {
                    "travel_costs": (
                        "There is nothing to pay. Enter your travel costs, or choose no thanks"
                    )
                }
            )
        claim.status = Claim.Status.WAITING
    claim.updated_at = at
    claim.save()
    if not before:
        events = [_event(claim, actor, "Claim made", "", _how_words(how), at)]
        events += [
            event
            for event in _changes(claim, {"how": how}, actor, at)
            if event.what in ("Status", "Amount", "Travel costs")
        ]
    else:
        events = _changes(claim, before, actor, at)
    ClaimEvent.objects.bulk_create(events)
    return claim


@transaction.atomic
def claim_decide(*, claim: Claim, approve: bool, reason: str = "", actor) -> Claim:
    """A facilitator approves a waiting claim, or refuses it with a reason."""
    membership = claim.contribution.membership
    require(claim_access(actor, membership), "decide")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != Claim.Status.WAITING:
        raise ValidationError(
            f"This claim is {claim.get_status_display().lower()} already, so it was not changed."
        )
    reason = _clean(reason)
    if not approve and not reason:
        raise ValidationError({"reason": "Say why the claim is not approved"})
    before = _snapshot(claim)
    claim.status = Claim.Status.APPROVED if approve else Claim.Status.REFUSED
    claim.reason = "" if approve else reason
    claim.updated_at = timezone.now()
    claim.save(update_fields=["status", "reason", "updated_at"])
    ClaimEvent.objects.bulk_create(_changes(claim, before, actor, claim.updated_at))
    return claim


@transaction.atomic
def claims_mark_paid(*, claims: list[Claim], actor) -> list[Claim]:
    """The organisation's managers mark approved claims paid (after their
    finance team has paid them). Claims already paid are left as they are."""
    ids = [claim.pk for claim in claims]
    locked = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("contribution__membership__project")
        .order_by("pk")
    )
    organisations = frozenset(
        claim.contribution.membership.project.organisation_id for claim in locked
    )
    require(PaymentAccess(actor, organisations), "pay")
    waiting = [claim for claim in locked if claim.status == Claim.Status.APPROVED]
    others = [
        claim for claim in locked if claim.status not in (Claim.Status.APPROVED, Claim.Status.PAID)
    ]
    if others:
        raise ValidationError("Only approved claims can be marked paid.")
    at = timezone.now()
    events = []
    for claim in waiting:
        before = _snapshot(claim)
        claim.status = Claim.Status.PAID
        claim.updated_at = at
        events += _changes(claim, before, actor, at)
    Claim.objects.bulk_update(waiting, ["status", "updated_at"])
    ClaimEvent.objects.bulk_create(events)
    return waiting
