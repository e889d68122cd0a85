"""Everything Coproduce holds about one member, for "Your data": a readable
page (counts, and the latest few of each list) and a download in JSON (all
of it), both built from the same parts.

The download is built from ``account_data`` and then each of ``SECTIONS``
in order. A part of Coproduce that keeps something more about members (a
contribution log, payment claims) adds a ``Section`` to ``SECTIONS``: its key
in the download, its heading on the page, its rows (one query, newest first),
what the download says about a row and what the page shows of it. Nothing
else changes: the page and the download show it, with the same bounded
queries (two for the page, one for the download, per section). If a deleted
account must lose what it keeps, it adds a step to ``ERASERS`` too
(participants.accounts.services.account_delete runs each in its
transaction).

Only the member themselves sees any of this: the views take no user id.
Their votes in anonymous decisions are here, for them alone; other members
only ever see the counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from coproduce.words import date_and_time_in, day_and_date
from decisions.models import Comment, Decision, Vote
from participants.accounts.signins import browser_in_words
from participants.mail.links import absolute_url
from participants.models import Invitation, ReminderLog, SignIn, User
from projects.models import Activity, LadderAnswer, Membership, Organisation, Rung
from projects.templatetags.time_tags import duration_words
from projects.time_given import money
from projects.time_given.models import Claim, Contribution

# The version of the download's layout: raised when a key changes meaning or
# goes, so a program that reads downloads can tell.
FORMAT_VERSION = 1
# How many of each list "Your data" shows: the newest. The download has all.
LATEST = 5
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def iso(value: datetime | date | time | None) -> str | None:
    """A date or time as the ISO standard writes it (UTC for moments), or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
    return value.isoformat()


@dataclass(frozen=True)
class Shown:
    """What "Your data" shows of one row: a heading and a few facts."""

    heading: str
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    key: str  # its key in the download: never changes
    title: str  # its heading on "Your data"
    one: str  # "vote": how the page counts one row
    many: str  # "votes"
    rows: Callable[[User], QuerySet]  # every row, newest first, in one query
    item: Callable[[Any], dict]  # a row as the download has it
    shown: Callable[[Any, str], Shown]  # a row on the page (given the member's time zone)
    note: str = ""  # plain words under the heading

    def count_words(self, count: int) -> str:
        return f"{count} {self.one if count == 1 else self.many}"


# The account itself ----------------------------------------------------------------


def _access_needs(user: User) -> list[str]:
    labels = dict(User.AccessNeed.choices)
    return [labels.get(need, need) for need in user.access_needs or []]


def account_data(user: User) -> dict:
    """The account and profile: three queries (email addresses, two-step
    sign-in, organisations managed)."""
    addresses = list(
        EmailAddress.objects.filter(user=user)
        .order_by("-primary", "email")
        .values("email", "primary", "verified")
    )
    return {
        "name": user.display_name,
        "email": user.email,
        "email_addresses": [
            {"email": a["email"], "main": a["primary"], "confirmed": a["verified"]}
            for a in addresses
        ],
        "joined_coproduce_at": iso(user.date_joined),
        "last_signed_in_at": iso(user.last_login),
        "has_password": user.has_usable_password(),
        "two_step_sign_in": Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists(),
        "staff": user.is_staff,
        "project_manager_of": list(
            Organisation.objects.filter(managers=user)
            .order_by("name")
            .values_list("name", flat=True)
        ),
        "display_settings": {
            "text_size": user.text_size,
            "contrast": user.contrast,
            "reduced_motion": user.reduced_motion,
        },
        "reminders": {
            "format": user.reminder_format,
            "format_words": user.get_reminder_format_display(),
            "timing": user.reminder_timing,
            "timing_words": user.get_reminder_timing_display(),
            "digest_time": iso(user.digest_time),
            "digest_weekday": WEEKDAYS[user.digest_weekday],
            "time_zone": user.timezone,
            "turned_off": list(user.reminders_turned_off or []),
        },
        "access_needs": list(user.access_needs or []),
        "access_needs_words": _access_needs(user),
        "access_needs_other": user.access_needs_other,
        "strengths": user.strengths,
        "contact_details": user.contact_details,
        "pronouns": user.pronouns,
        "about_me": user.about_me,
        "about_me_seen_by": user.get_about_visibility_display(),
        "strengths_offered": list(user.strength_tags or []),
        "strengths_offered_words": [
            label
            for value, label in User.StrengthTag.choices
            if value in (user.strength_tags or [])
        ],
        "strengths_seen_by": user.get_strengths_visibility_display(),
        "languages": user.languages,
        "languages_seen_by": user.get_languages_visibility_display(),
        "contact_preference": user.contact_preference,
        "contact_preference_words": user.get_contact_preference_display(),
        "contact_seen_by": user.get_contact_visibility_display(),
        "facilitators_may_find_you_by_strengths": user.findable_by_strength,
        "thanked_by_name": user.thank_by_name,
    }


# Sections ----------------------------------------------------------------------


def _when(moment: datetime | None, tz: str) -> str:
    return date_and_time_in(moment, tz) if moment else ""


def _project_address(project) -> str:
    return absolute_url(project.get_absolute_url())


def _decision_address(decision: Decision) -> str:
    return absolute_url(decision.get_absolute_url())


def _membership_item(m: Membership) -> dict:
    return {
        "project": m.project.name,
        "project_address": _project_address(m.project),
        "counted_as": m.label,
        "counted_as_words": m.get_label_display(),
        "facilitator": m.is_facilitator,
        "joined_at": iso(m.joined_at),
        "left_at": iso(m.left_at),
    }


def _membership_shown(m: Membership, tz: str) -> Shown:
    facts = [
        ("Counted as", m.get_label_display()),
        ("Facilitator", "Yes" if m.is_facilitator else "No"),
        ("Joined", _when(m.joined_at, tz)),
    ]
    if m.left_at:
        facts.append(("Left", _when(m.left_at, tz)))
    return Shown(m.project.name, facts)


def _vote_item(v: Vote) -> dict:
    return {
        "project": v.decision.project.name,
        "decision": v.decision.title,
        "decision_address": _decision_address(v.decision),
        "anonymous_decision": v.decision.is_anonymous,
        "choice": v.choice,
        "choice_words": v.get_choice_display(),
        "option": v.option.text if v.option_id else None,
        "reason": v.reason,
        "voted_at": iso(v.cast_at),
        "changed_at": iso(v.updated_at),
        "how": v.channel,
        "recorded_for_you_by": v.recorded_by.display_name if v.recorded_by_id else None,
        "helped_by_a_supporter": v.assisted,
        "supporter": v.supporter,
    }


def _vote_shown(v: Vote, tz: str) -> Shown:
    facts = [
        ("Project", v.decision.project.name),
        ("Your vote", v.option.text if v.option_id else v.get_choice_display()),
    ]
    if v.reason:
        facts.append(("Your reason", v.reason))
    facts.append(("Voted", _when(v.updated_at, tz)))
    if v.decision.is_anonymous:
        facts.append(("Anonymous vote", "Yes: other members only see how many voted each way"))
    return Shown(v.decision.title, facts)


def _comment_item(c: Comment) -> dict:
    return {
        "project": c.decision.project.name,
        "decision": c.decision.title,
        "decision_address": _decision_address(c.decision),
        "comment": c.body,
        "written_at": iso(c.created_at),
        "edited_at": iso(c.edited_at),
        "hidden_at": iso(c.hidden_at),
        "hidden_reason": c.hidden_reason,
    }


def _comment_shown(c: Comment, tz: str) -> Shown:
    facts = [
        ("Project", c.decision.project.name),
        ("Your comment", c.body),
        ("Written", _when(c.created_at, tz)),
    ]
    if c.hidden_at:
        facts.append(("Hidden by a facilitator", c.hidden_reason))
    return Shown(f"On “{c.decision.title}”", facts)


def _proposal_item(d: Decision) -> dict:
    return {
        "project": d.project.name,
        "title": d.title,
        "decision_address": _decision_address(d),
        "description": d.description,
        "easy_words": d.easy_words,
        "kind": d.kind,
        "proposed_at": iso(d.created_at),
        "closes_at": iso(d.closes_at),
        "status": d.status,
        "result": d.result,
    }


def _proposal_shown(d: Decision, tz: str) -> Shown:
    return Shown(
        d.title,
        [
            ("Project", d.project.name),
            ("Proposed", _when(d.created_at, tz)),
            ("Voting", "Open" if d.is_open else "Closed"),
        ],
    )


def _ladder_item(a: LadderAnswer) -> dict:
    return {
        "project": a.stage.project.name,
        "stage": a.stage.name,
        "step": a.rung,
        "step_words": Rung(a.rung).label,
        "counted_as": a.label,
        "comment": a.comment,
        "answered_at": iso(a.answered_at),
    }


def _ladder_shown(a: LadderAnswer, tz: str) -> Shown:
    facts = [
        ("Project", a.stage.project.name),
        ("Your answer", f"Step {a.rung}: {Rung(a.rung).label}"),
    ]
    if a.comment:
        facts.append(("Your comment", a.comment))
    facts.append(("Answered", _when(a.answered_at, tz)))
    return Shown(f"Stage: {a.stage.name}", facts)


def _invitations_for(user: User) -> QuerySet:
    addresses = EmailAddress.objects.filter(user=user).annotate(lower=Lower("email"))
    return (
        Invitation.objects.annotate(lower=Lower("email"))
        .filter(
            Q(lower=user.email.lower())
            | Q(lower__in=addresses.values("lower"))
            | Q(accepted_by=user)
        )
        .select_related("project", "invited_by")
        .order_by("-created_at", "-pk")
    )


def _invitation_item(i: Invitation) -> dict:
    return {
        "project": i.project.name,
        "sent_to": i.email,
        "invited_by": i.invited_by.display_name if i.invited_by_id else None,
        "counted_as": i.label,
        "facilitator": i.is_facilitator,
        "sent_at": iso(i.created_at),
        "last_sent_at": iso(i.last_sent_at),
        "ends_at": iso(i.expires_at),
        "status_words": i.status,
        "accepted_at": iso(i.accepted_at),
        "said_no_at": iso(i.declined_at),
        "cancelled_at": iso(i.revoked_at),
    }


def _invitation_shown(i: Invitation, tz: str) -> Shown:
    facts = [("Sent to", i.email), ("Sent", _when(i.created_at, tz)), ("What happened", i.status)]
    if i.invited_by_id:
        facts.insert(0, ("Invited by", i.invited_by.display_name))
    return Shown(f"To join {i.project.name}", facts)


def _reminder_item(r: ReminderLog) -> dict:
    return {
        "kind": r.kind,
        "what": r.kind_label,
        "project": r.project.name if r.project_id else None,
        "about": r.object_key,
        "due_at": iso(r.due_at),
        "send_after": iso(r.send_after),
        "in_a_digest": r.in_digest,
        "status": r.status,
        "status_words": r.get_status_display(),
        "sent_at": iso(r.sent_at),
        "created_at": iso(r.created_at),
    }


def _reminder_shown(r: ReminderLog, tz: str) -> Shown:
    facts = []
    if r.project_id:
        facts.append(("Project", r.project.name))
    facts.append(("What happened", r.get_status_display()))
    facts.append(("Sent" if r.sent_at else "Planned for", _when(r.sent_at or r.send_after, tz)))
    return Shown(r.kind_label, facts)


def _sign_in_item(s: SignIn) -> dict:
    return {
        "signed_in_at": iso(s.signed_in_at),
        "browser_words": browser_in_words(s.user_agent),
        "browser": s.user_agent,
        "internet_address": s.ip_address,
    }


def _sign_in_shown(s: SignIn, tz: str) -> Shown:
    return Shown(
        _when(s.signed_in_at, tz),
        [
            ("Browser", browser_in_words(s.user_agent)),
            ("Internet address", s.ip_address or "Not known"),
        ],
    )


def _activity_item(a: Activity) -> dict:
    return {"project": a.project.name, "what": a.summary, "at": iso(a.created_at)}


def _activity_shown(a: Activity, tz: str) -> Shown:
    return Shown(a.summary, [("Project", a.project.name), ("When", _when(a.created_at, tz))])


def _contribution_item(c: Contribution) -> dict:
    return {
        "project": c.membership.project.name,
        "what": c.kind,
        "what_words": c.get_kind_display(),
        "date": iso(c.date),
        "minutes": c.minutes,
        "note": c.note,
        "status": c.status,
        "status_words": c.get_status_display(),
        "logged_at": iso(c.created_at),
    }


def _contribution_shown(c: Contribution, tz: str) -> Shown:
    return Shown(
        f"{c.get_kind_display()}, {duration_words(c.minutes)}",
        [
            ("Project", c.membership.project.name),
            ("Date", day_and_date(c.date)),
            ("Checked", c.get_status_display()),
        ]
        + ([("Note", c.note)] if c.note else []),
    )


def _claim_item(c: Claim) -> dict:
    # Amounts as text ("12.50"), never as numbers a program might read as floats.
    return {
        "project": c.contribution.membership.project.name,
        "for_time_given_on": iso(c.contribution.date),
        "how": c.how,
        "how_words": c.get_how_display(),
        "status": c.status,
        "status_words": c.get_status_display(),
        "currency": c.currency,
        "for_time": money.plain(c.for_time, c.currency),
        "travel_costs": money.plain(c.travel_costs, c.currency),
        "amount": money.plain(c.amount, c.currency),
        "reason_not_approved": c.reason,
        "made_at": iso(c.created_at),
        "changed_at": iso(c.updated_at),
    }


def _claim_shown(c: Claim, tz: str) -> Shown:
    return Shown(
        f"{c.get_how_display()}: {money.money(c.amount, c.currency)}",
        [
            ("Project", c.contribution.membership.project.name),
            ("For time given on", day_and_date(c.contribution.date)),
            ("Where it is", c.get_status_display()),
        ],
    )


SECTIONS: list[Section] = [
    Section(
        key="memberships",
        title="Your projects",
        one="project",
        many="projects",
        rows=lambda user: (
            Membership.objects.filter(user=user)
            .select_related("project")
            .order_by("-joined_at", "-pk")
        ),
        item=_membership_item,
        shown=_membership_shown,
        note="The projects you are in, or were in, and how you are counted in each.",
    ),
    Section(
        key="proposals",
        title="Decisions you proposed",
        one="decision",
        many="decisions",
        rows=lambda user: (
            Decision.objects.filter(proposer__user=user)
            .select_related("project")
            .order_by("-created_at", "-pk")
        ),
        item=_proposal_item,
        shown=_proposal_shown,
    ),
    Section(
        key="votes",
        title="Your votes",
        one="vote",
        many="votes",
        rows=lambda user: (
            Vote.objects.filter(member__user=user)
            .select_related("decision__project", "option", "recorded_by")
            .order_by("-cast_at", "-pk")
        ),
        item=_vote_item,
        shown=_vote_shown,
        note=(
            "This includes your votes in anonymous decisions. Only you can see them here: "
            "other members only see how many people voted each way."
        ),
    ),
    Section(
        key="comments",
        title="Your comments",
        one="comment",
        many="comments",
        rows=lambda user: (
            Comment.objects.filter(author__user=user)
            .select_related("decision__project")
            .order_by("-created_at", "-pk")
        ),
        item=_comment_item,
        shown=_comment_shown,
    ),
    Section(
        key="ladder_answers",
        title="Your answers to “Do you have a real say?”",
        one="answer",
        many="answers",
        rows=lambda user: (
            LadderAnswer.objects.filter(membership__user=user)
            .select_related("stage__project")
            .order_by("-answered_at", "-pk")
        ),
        item=_ladder_item,
        shown=_ladder_shown,
        note=(
            "Coproduce keeps each answer with your name, also after the stage ends, so that "
            "you can change it while the stage is on. Only you can see your answers here: "
            "other members only see how many people chose each step."
        ),
    ),
    Section(
        key="time_given",
        title="Time you gave",
        one="line",
        many="lines",
        rows=lambda user: (
            Contribution.objects.filter(membership__user=user)
            .select_related("membership__project")
            .order_by("-date", "-pk")
        ),
        item=_contribution_item,
        shown=_contribution_shown,
    ),
    Section(
        key="claims",
        title="Your involvement payments",
        one="claim",
        many="claims",
        rows=lambda user: (
            Claim.objects.filter(contribution__membership__user=user)
            .select_related("contribution__membership__project")
            .order_by("-created_at", "-pk")
        ),
        item=_claim_item,
        shown=_claim_shown,
        note="What you chose for time you gave: a payment, a voucher or no thanks.",
    ),
    Section(
        key="invitations",
        title="Invitations to your email addresses",
        one="invitation",
        many="invitations",
        rows=_invitations_for,
        item=_invitation_item,
        shown=_invitation_shown,
    ),
    Section(
        key="reminders",
        title="Reminder emails",
        one="reminder",
        many="reminders",
        rows=lambda user: (
            ReminderLog.objects.filter(user=user)
            .select_related("project")
            .order_by("-created_at", "-pk")
        ),
        item=_reminder_item,
        shown=_reminder_shown,
        note="The reminder emails we sent you, or plan to send you.",
    ),
    Section(
        key="sign_ins",
        title="When you signed in",
        one="sign-in",
        many="sign-ins",
        rows=lambda user: SignIn.objects.filter(user=user).order_by("-signed_in_at", "-pk"),
        item=_sign_in_item,
        shown=_sign_in_shown,
        note=(
            "If you see a sign-in that was not you, reset your password "
            "and tell the people who run Coproduce."
        ),
    ),
    Section(
        key="activity",
        title="What you did in your projects",
        one="line",
        many="lines",
        rows=lambda user: (
            Activity.objects.filter(actor=user)
            .select_related("project")
            .order_by("-created_at", "-pk")
        ),
        item=_activity_item,
        shown=_activity_shown,
        note="The lines about you in your projects' recent activity.",
    ),
]

# Steps that erase what other parts of Coproduce keep about a member whose
# account is deleted, each given the user inside account_delete's
# transaction (see the module's docstring).
ERASERS: list[Callable[[User], None]] = []


# The page ----------------------------------------------------------------------


@dataclass(frozen=True)
class PageSection:
    section: Section
    count: int
    latest: list[Shown]

    @property
    def more(self) -> int:
        return self.count - len(self.latest)

    @property
    def count_words(self) -> str:
        return self.section.count_words(self.count)


def page_sections(user: User) -> list[PageSection]:
    """Each section's count and its newest LATEST rows: two queries each."""
    tz = user.timezone
    result = []
    for section in SECTIONS:
        rows = section.rows(user)
        count = rows.count()
        latest = [section.shown(row, tz) for row in rows[:LATEST]] if count else []
        result.append(PageSection(section, count, latest))
    return result


# The download ------------------------------------------------------------------------


def download_name(now: datetime | None = None) -> str:
    moment = (now or timezone.now()).astimezone(UTC)
    return f"coproduce-your-data-{moment:%Y-%m-%d}.json"


def download_chunks(user: User, *, now: datetime | None = None) -> Iterator[str]:
    """The download, as pieces of one JSON object, section by section and row
    by row (each section's rows read in one query, in chunks), so even a
    member with years of votes never fills the memory."""
    about = {
        "what": "Everything Coproduce holds about you",
        "format_version": FORMAT_VERSION,
        "made_at": iso(now or timezone.now()),
        "dates": "Dates and times are in UTC, written as the ISO 8601 standard has them.",
    }
    yield "{\n"
    yield f'"about": {json.dumps(about, ensure_ascii=False)},\n'
    yield f'"account": {json.dumps(account_data(user), ensure_ascii=False)}'
    for section in SECTIONS:
        yield f",\n{json.dumps(section.key)}: ["
        for index, row in enumerate(section.rows(user).iterator(chunk_size=500)):
            yield ("," if index else "") + "\n" + json.dumps(section.item(row), ensure_ascii=False)
        yield "\n]"
    yield "\n}\n"
