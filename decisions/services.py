"""Every write to decisions, votes, comments and outcomes.

Each function is keyword-only, runs in one transaction, validates before it
writes (a ValidationError with a message a member understands, and nothing
changed), and hands over to reminders (decisions/reminders.py) with ids: a
request written in the same transaction, planned as soon as it commits
(participants.reminders.planning.plan_after_commit), so a process that dies straight
after the commit loses nothing.

Who acts is a required keyword: ``member`` (a Membership) for what a member
does as themselves (propose, vote, comment), otherwise ``actor`` (a person,
or projects.permissions.SYSTEM when the beat closes a decision whose time has
come). Permissions are checked the one way every app checks them,
``require(decision_access(actor, decision), "edit")``; whether a member is
still a member is a ValidationError the form shows, as it can change while
they are on the page.

Votes and closing both lock the decision's row (SELECT ... FOR NO KEY UPDATE),
so on PostgreSQL a vote either lands before the decision closes and is
counted, or is refused because it has closed; two closings at once close it
once. One vote per member is also a database constraint, which a vote's
write (INSERT ... ON CONFLICT DO UPDATE) relies on.

A proposal, a vote and a comment change whose voices are heard and how many
have voted, which projects/cached.py keeps per project: each tells it
(``cached.changed``).
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from coproduce.text import clean_paragraphs
from coproduce.words import date_and_time_in
from decisions import reminders
from decisions.kinds import ANONYMOUS_MIN_VOTES, KINDS, kind_for
from decisions.models import Comment, Decision, DecisionRevision, Option, Outcome, Vote
from decisions.permissions import COMMENT_EDIT_WINDOW, decision_access, member_decision_access
from participants.reminders.planning import plan_after_commit
from projects import cached
from projects.models import Membership, Stage
from projects.permissions import person, require
from projects.services import activity_record

MIN_NOTICE = timedelta(hours=1)
# A vote runs at most this long: far-off dates are typing mistakes (and the
# furthest ones cannot be turned into a moment in every time zone).
MAX_NOTICE = timedelta(days=2 * 365)
MIN_OPTIONS = 2
MAX_OPTIONS = 10
OPTION_MAX_LENGTH = Option._meta.get_field("text").max_length
COMMENT_MAX_LENGTH = 5000
ON_BEHALF_CHANNELS = (Vote.Channel.MEETING, Vote.Channel.PHONE, Vote.Channel.PAPER)
# What a vote that changes a member's earlier one writes over it: all but
# when it was first cast.
VOTE_CHANGES = [
    "choice",
    "option",
    "reason",
    "channel",
    "recorded_by",
    "assisted",
    "supporter",
    "updated_at",
]
# A second identical proposal or comment from the same member this soon after
# the first is a double click or a resent form: the first one is kept.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=2)


# --- proposing and editing ---------------------------------------------------


@transaction.atomic
def decision_propose(
    *,
    member: Membership,
    title: str,
    description: str,
    kind: str,
    closes_at: datetime,
    easy_words: str = "",
    options: Sequence[str] = (),
    quorum_percent: int = 50,
    pass_rule: str = Decision.PassRule.MORE_AGREE_NO_BLOCK,
    is_anonymous: bool = False,
) -> Decision:
    """Put a decision to every member, in the project's current stage. The
    same proposal sent twice in a row (a double click) is proposed once."""
    project = member.project
    _require_current_member(
        member, project.pk, "Only members of this project can propose", lock=True
    )
    stage = Stage.objects.current().filter(project=project).first()
    if stage is None:
        raise ValidationError(
            "This project has no current stage, so nobody can propose a decision now",
            code="no_stage",
        )
    now = timezone.now()
    decision = Decision(
        project=project,
        stage=stage,
        proposer=member,
        title=title.strip(),
        description=description.strip(),
        easy_words=easy_words.strip(),
        kind=kind,
        closes_at=closes_at,
        quorum_percent=quorum_percent,
        pass_rule=pass_rule or Decision.PassRule.MORE_AGREE_NO_BLOCK,
        is_anonymous=is_anonymous,
        created_at=now,
        updated_at=now,
    )
    errors = _model_errors(decision)
    if closes_at is not None:
        try:
            # (A day's grace each side of the form's rule, which is by date
            # in the project's place, anywhere from UTC-12 to UTC+14.)
            too_far = closes_at > now + MAX_NOTICE + timedelta(days=2)
            too_soon = closes_at < now + MIN_NOTICE
        except OverflowError:  # the year 9999 west of UTC is past the year 9999 in UTC
            too_soon, too_far = False, True
        if too_soon:
            errors.setdefault("closes_at", []).append(
                "The closing time must be at least one hour from now"
            )
        elif too_far:
            errors.setdefault("closes_at", []).append(
                f"The closing date must be within {MAX_NOTICE.days // 365} years from today"
            )
    texts = []
    if kind in KINDS:
        try:
            texts = _clean_options(kind, options)
        except ValidationError as exc:
            errors.setdefault("options", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    just_proposed = _just_proposed(decision, texts, since=now - DOUBLE_SUBMIT_WINDOW)
    if just_proposed is not None:
        return just_proposed
    decision.save()
    Option.objects.bulk_create(
        Option(decision=decision, position=position, text=text)
        for position, text in enumerate(texts)
    )
    activity_record(
        project=project,
        actor=member.user,
        summary=f"{member.user} proposed “{decision.title}”",
        url=decision.get_absolute_url(),
        at=now,
    )
    plan_after_commit(reminders.DECISION_PROPOSED, decision.pk)
    cached.changed([project.pk])
    return decision


@transaction.atomic
def decision_edit(
    *,
    decision: Decision,
    actor,
    title: str,
    description: str,
    easy_words: str = "",
    options: Sequence[str] | None = None,
    is_anonymous: bool | None = None,
) -> Decision:
    """Change the words of an open decision (the proposer or a facilitator).

    Once someone has voted, the earlier words are kept as a DecisionRevision
    that the decision page shows, and the options and anonymity are fixed."""
    locked = _lock(decision)
    if not locked.is_open:
        raise ValidationError("This decision has closed, so it cannot be changed")
    require(decision_access(actor, locked), "edit")
    has_votes = locked.votes.exists()
    current_options = list(locked.options.all())
    errors = {}
    new_texts = None
    if options is not None and locked.kind == Decision.Kind.CHOICE:
        try:
            new_texts = _clean_options(locked.kind, options)
        except ValidationError as exc:
            errors["options"] = exc.messages
        if new_texts == [option.text for option in current_options]:
            new_texts = None
        elif new_texts is not None and has_votes:
            errors["options"] = ["Someone has voted, so the options cannot change"]
    if is_anonymous is not None and is_anonymous != locked.is_anonymous and has_votes:
        errors["is_anonymous"] = [
            "Someone has voted, so you cannot change whether votes show names"
        ]

    old = (locked.title, locked.description, locked.easy_words)
    locked.title = title.strip()
    locked.description = description.strip()
    locked.easy_words = easy_words.strip()
    if is_anonymous is not None and not has_votes:
        locked.is_anonymous = is_anonymous
    for field, messages in _model_errors(locked).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    if has_votes and old != (locked.title, locked.description, locked.easy_words):
        DecisionRevision.objects.create(
            decision=locked,
            title=old[0],
            description=old[1],
            easy_words=old[2],
            edited_by=person(actor),
            edited_at=now,
        )
    locked.updated_at = now
    locked.save()
    if new_texts is not None:
        locked.options.all().delete()
        Option.objects.bulk_create(
            Option(decision=locked, position=position, text=text)
            for position, text in enumerate(new_texts)
        )
    return locked


# --- voting -------------------------------------------------------------------


@transaction.atomic
def vote_cast(
    *,
    member: Membership,
    decision: Decision,
    choice: str,
    option: Option | None = None,
    reason: str = "",
    assisted: bool = False,
    supporter: str = "",
) -> Vote:
    """A member votes, or changes their vote, until the decision closes. A vote
    the member casts themselves clears any "recorded on your behalf" mark."""
    return _vote_save(
        member=member,
        decision=decision,
        answer=(choice, option, reason, assisted, supporter),
        channel=Vote.Channel.ONLINE,
        recorded_by=None,
    )


@transaction.atomic
def vote_record_on_behalf(
    *,
    actor,
    member: Membership,
    decision: Decision,
    choice: str,
    channel: str,
    option: Option | None = None,
    reason: str = "",
    assisted: bool = False,
    supporter: str = "",
) -> Vote:
    """A facilitator records the vote a member gave in a meeting, by phone or
    on paper. The vote is marked with who recorded it and when; the member sees
    that on the decision page, is sent an email (decisions.reminders.vote_recorded), and
    can change it themselves. A vote the member cast themselves is theirs:
    only they can change it."""
    require(decision_access(actor, decision), "record_vote")
    errors = {}
    if channel not in ON_BEHALF_CHANNELS:
        errors["channel"] = ["Choose how the member gave their vote"]
    if member.user_id == actor.pk:
        errors["member"] = ["Use the vote form for your own vote"]
    if errors:
        raise ValidationError(errors)
    vote = _vote_save(
        member=member,
        decision=decision,
        answer=(choice, option, reason, assisted, supporter),
        channel=channel,
        recorded_by=person(actor),
    )
    plan_after_commit(reminders.VOTE_RECORDED, vote.pk)
    return vote


def _vote_save(*, member, decision, answer, channel, recorded_by) -> Vote:
    choice, option, reason, assisted, supporter = answer
    locked = _lock_for_vote(decision, member)
    if not locked.accepts_votes:
        raise ValidationError(
            f"Voting closed on {date_and_time_in(locked.closes_at, locked.project.timezone)}, "
            "so votes can no longer be cast or changed",
            code="closed",
        )
    if member is None or not locked.voter_is_member:
        raise ValidationError("Only members of this project can vote", code="not_member")
    if (
        recorded_by is not None
        and Vote.objects.filter(decision=locked, member=member, recorded_by=None).exists()
    ):
        raise ValidationError(
            {
                "member": [
                    f"{member.user} has voted online, so only they can change their vote. "
                    "They can change it on this page until voting closes"
                ]
            },
            code="own_vote",
        )
    reason = reason.strip()
    supporter = supporter.strip() if assisted else ""
    errors = {}
    if assisted and not supporter:
        errors["supporter"] = ["Enter the name of the person who helped"]
    try:
        kind_for(locked).clean_vote(locked, choice, option, reason)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    vote = Vote(
        decision=locked,
        member_id=member.pk,
        choice=choice,
        option=option,
        reason=reason,
        channel=channel,
        recorded_by=recorded_by,
        assisted=assisted,
        supporter=supporter,
        cast_at=now,
        updated_at=now,
    )
    # The member's first vote, or a change to it, in one statement (INSERT
    # ... ON CONFLICT DO UPDATE): a second row for the member is impossible
    # even where the row lock above is not available, and a change keeps the
    # time of the first vote.
    Vote.objects.bulk_create(
        [vote],
        update_conflicts=True,
        unique_fields=["decision", "member"],
        update_fields=VOTE_CHANGES,
    )
    cached.changed([locked.project_id])
    # Which of the two it was is not known here, so the vote does not claim
    # a time it was first cast: read from the database if it is asked for.
    del vote.cast_at
    return vote


# --- discussion ---------------------------------------------------------------


@transaction.atomic
def comment_post(*, member: Membership, decision: Decision, body: str) -> Comment:
    """A member adds to the discussion while the decision is open. The same
    words sent twice in a row (a double click) are posted once."""
    _require_current_member(
        member, decision.project_id, "Only members of this project can comment", lock=True
    )
    if not decision.is_open:
        raise ValidationError("The discussion closed when the decision closed")
    body = _clean_body(body)
    now = timezone.now()
    just_posted = Comment.objects.filter(
        decision=decision,
        author=member,
        body=body,
        hidden_at=None,
        created_at__gte=now - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if just_posted is not None:
        return just_posted
    comment = Comment(decision=decision, author=member, body=body, created_at=now)
    comment.save()
    cached.changed([decision.project_id])
    return comment


@transaction.atomic
def comment_edit(*, member: Membership, comment: Comment, body: str) -> Comment:
    """The author corrects their comment, within 15 minutes of posting it."""
    comment = (
        Comment.objects.select_for_update(of=("self", "decision"))
        .select_related("decision__project")
        .get(pk=comment.pk)
    )
    require(member_decision_access(member, comment.decision, comment), "edit_comment")
    _require_current_member(member, comment.decision.project_id, "Only members can comment")
    if comment.is_hidden:
        raise ValidationError("A facilitator has hidden this comment, so it cannot be changed")
    if not comment.decision.is_open:
        raise ValidationError("The discussion closed when the decision closed")
    now = timezone.now()
    if now - comment.created_at > COMMENT_EDIT_WINDOW:
        raise ValidationError("You can change a comment for 15 minutes after posting it")
    comment.body = _clean_body(body)
    comment.edited_at = now
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def comment_hide(*, actor, comment: Comment, reason: str) -> Comment:
    """A facilitator, or a manager of the project's organisation (on the
    decision page or in the admin dashboard), hides a comment. It is kept,
    and the thread says it was hidden and why."""
    comment = (
        Comment.objects.select_for_update(of=("self", "decision"))
        .select_related("decision__project")
        .get(pk=comment.pk)
    )
    require(decision_access(actor, comment.decision), "hide_comment")
    if comment.is_hidden:
        raise ValidationError("This comment is already hidden")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Explain why you are hiding this comment"]})
    comment.hidden_at = timezone.now()
    comment.hidden_by = person(actor)
    comment.hidden_reason = reason
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return comment


# --- closing and the outcome --------------------------------------------------


@transaction.atomic
def decision_close(*, decision_id: int, actor, reason: str = "", notify: bool = True) -> bool:
    """Close a decision and count its votes, once: by the system when its
    closing time has come (actor SYSTEM), or by someone who does housekeeping
    in the project.

    Idempotent: it locks the decision and does nothing unless it is still
    open, so running it twice, or from two workers at once, closes it once,
    stores one tally and hands over to reminders once. Returns whether this
    call closed it. A decision closed at its closing time records that time
    (even if the worker was down then); one closed early records now."""
    decision = (
        Decision.objects.select_for_update(no_key=True, of=("self",))
        .select_related("project")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return False
    require(decision_access(actor, decision), "close")
    return _close(decision, actor=actor, reason=reason, notify=notify)


def _close(decision: Decision, *, actor, reason: str, notify: bool) -> bool:
    """Close the locked decision (whose closing the caller has allowed)."""
    if not decision.is_open:
        return False
    now = timezone.now()
    options = list(decision.options.all())
    votes = list(decision.votes.select_related("member"))
    eligible = list(Membership.objects.current().filter(project_id=decision.project_id))
    tally, result, chosen = kind_for(decision).tally(decision, votes, eligible, options)

    decision.status = Decision.Status.CLOSED
    decision.closed_at = min(now, decision.closes_at)
    decision.closed_by = person(actor)
    decision.close_reason = reason.strip()
    decision.result = result
    decision.quorum_met = tally["quorum_met"]
    decision.chosen_option = chosen
    decision.tally = tally
    decision.updated_at = now
    decision.save()
    activity_record(
        project=decision.project,
        actor=actor,
        summary=f"“{decision.title}” closed: {decision.get_result_display()}",
        url=decision.get_absolute_url(),
        at=decision.closed_at,
    )
    if notify:
        plan_after_commit(reminders.DECISION_CLOSED, decision.pk)
    return True


@transaction.atomic
def decision_close_early(*, actor, decision: Decision, reason: str) -> Decision:
    """A facilitator, or a manager of the project's organisation (on the
    decision page or in the admin dashboard), closes a vote before its
    closing time, saying why."""
    require(decision_access(actor, decision), "close_early")
    if not reason.strip():
        raise ValidationError({"reason": ["Explain why you are closing the vote early"]})
    if decision.is_anonymous and decision.is_open:
        # Watching "who has voted" and closing as soon as one member voted
        # would show how they voted: see ANONYMOUS_MIN_VOTES.
        voted = decision.votes.filter(member__in=Membership.objects.current()).count()
        if voted < ANONYMOUS_MIN_VOTES:
            raise ValidationError(
                f"An anonymous vote can only be closed early once at least "
                f"{ANONYMOUS_MIN_VOTES} people have voted, so that nobody's vote can be "
                "worked out.",
                code="too_few_votes",
            )
    if not _close(_lock(decision), actor=actor, reason=reason, notify=True):
        raise ValidationError("This decision has already closed", code="already_closed")
    return Decision.objects.get(pk=decision.pk)


@transaction.atomic
def outcome_write(
    *,
    actor,
    decision: Decision,
    statement: str,
    who: str,
    by_when: date | None = None,
    easy_words: str = "",
) -> Outcome:
    """The proposer or a facilitator says what will happen after a decision
    ("you said, we did"), who will do it and by when. Hands over to reminders
    the first time it is written."""
    # Locking the decision makes two saves at once (a double click) take turns:
    # the second changes the outcome the first wrote, and members hear once.
    decision = _lock(decision)
    if decision.is_open:
        raise ValidationError("You can write the outcome when the decision has closed")
    require(decision_access(actor, decision), "write_outcome")
    now = timezone.now()
    outcome = Outcome.objects.filter(decision=decision).first()
    created = outcome is None
    if created:
        outcome = Outcome(decision=decision, created_at=now)
    outcome.statement = statement.strip()
    outcome.who = who.strip()
    outcome.by_when = by_when
    outcome.easy_words = easy_words.strip()
    outcome.written_by = person(actor)
    outcome.updated_at = now
    outcome.full_clean()
    outcome.save()
    if created:
        activity_record(
            project=decision.project,
            actor=actor,
            summary=f"{actor} wrote the outcome of “{decision.title}”",
            url=decision.get_absolute_url(),
            at=now,
        )
        plan_after_commit(reminders.OUTCOME_WRITTEN, decision.pk)
    return outcome


# --- helpers ------------------------------------------------------------------


def _just_proposed(decision: Decision, option_texts: list[str], *, since) -> Decision | None:
    """The same proposal, by the same member, proposed since ``since``."""
    for earlier in Decision.objects.filter(
        proposer=decision.proposer,
        title=decision.title,
        description=decision.description,
        kind=decision.kind,
        created_at__gte=since,
    ).prefetch_related("options"):
        if [option.text for option in earlier.options.all()] == option_texts:
            return earlier
    return None


def _lock(decision: Decision) -> Decision:
    return (
        Decision.objects.select_for_update(no_key=True, of=("self",))
        .select_related("project")
        .get(pk=decision.pk)
    )


def _vote_lock(*, pk: int, voter_id: int) -> Decision:
    """A vote's lock: the decision's row (as _lock) and, in the same query,
    whether the voter is a current member of its project
    (``voter_is_member``)."""
    return (
        Decision.objects.select_for_update(no_key=True, of=("self",))
        .annotate(
            voter_is_member=Exists(
                Membership.objects.current().filter(pk=voter_id, project=OuterRef("project_id"))
            )
        )
        .get(pk=pk)
    )


def _lock_for_vote(decision: Decision, member: Membership | None) -> Decision:
    if member is None:
        return _lock(decision)
    locked = _vote_lock(pk=decision.pk, voter_id=member.pk)
    if Decision.project.is_cached(decision):  # (its project does not change)
        locked.project = decision.project
    return locked


def _require_current_member(
    member: Membership, project_id: int, message: str, *, lock: bool = False
) -> None:
    """Refuse unless ``member`` is a current member of the project. With
    ``lock``, hold their membership row until the transaction ends, so two
    requests of the same member (a double click) take turns."""
    if member is None:
        raise ValidationError(message, code="not_member")
    members = Membership.objects.current().filter(pk=member.pk, project_id=project_id)
    if lock:
        members = members.select_for_update(no_key=True)
    if not list(members.values_list("pk", flat=True)):
        raise ValidationError(message, code="not_member")


def _clean_options(kind: str, options: Sequence[str]) -> list[str]:
    texts = [text.strip() for text in options if text and text.strip()]
    if kind != Decision.Kind.CHOICE:
        if texts:
            raise ValidationError(
                "A proposal to agree to or not (consent) has no options: leave them empty"
            )
        return []
    if len(texts) < MIN_OPTIONS:
        raise ValidationError("Write at least 2 options")
    if len(texts) > MAX_OPTIONS:
        raise ValidationError("Write no more than 10 options")
    seen = set()
    for text in texts:
        if len(text) > OPTION_MAX_LENGTH:
            raise ValidationError(f"Each option must be {OPTION_MAX_LENGTH} characters or fewer")
        if text.casefold() in seen:
            raise ValidationError(f"Each option must be different: “{text}” is there twice")
        seen.add(text.casefold())
    return texts


def _clean_body(body: str) -> str:
    body = clean_paragraphs(body)
    if not body:
        raise ValidationError({"body": ["Write your comment"]})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError({"body": ["Comments must be 5,000 characters or fewer"]})
    return body


def _model_errors(instance) -> dict[str, list[str]]:
    try:
        instance.full_clean(validate_unique=False)
    except ValidationError as exc:
        return exc.message_dict
    return {}
