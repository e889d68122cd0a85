"""The reminder machinery: the one way Coproduce emails people about their
projects.

- ``schedule()`` records what is due for whom, honouring each person's
  preferences (a kind turned off: nothing; "straight away": sent when due, in
  their daytime; daily or weekly: held for their digest). Each row of the
  reminder log is keyed by (person, kind, object, due time) with a unique
  constraint, so scheduling the same thing twice adds nothing.
- A change that calls for reminders (a decision proposed, a stage started,
  ...) writes a PlanningRequest in its own transaction
  (``plan_after_commit()``; projects' changes through projects.signals), and
  its reminders are planned as soon as it commits. Beat's sweep
  (``plan_missed()``) plans the requests of a process that died in between,
  so a committed change never loses its reminders.
- ``send_due()`` and ``send_due_digests()`` (Celery beat runs them every few
  seconds, and ``schedule()`` enqueues a run on commit) find rows "due at or
  before now and not yet sent", never by an exact time window, so a worker or
  beat that was down catches up. Each row is claimed first (an UPDATE that
  only takes rows still pending), then sent over one mail connection per
  batch, then marked sent. A claim left behind by a dead worker is released
  after ``CLAIM_TIMEOUT``; that is the only way one message can go twice.
- Failed sends are tried again with backoff (``BACKOFF``) and, after
  ``MAX_ATTEMPTS``, marked failed for project managers to see in the admin.

Which words each kind uses comes from the app that knows them:
decisions/reminders.py registers the decision kinds; participants/kinds.py
the stage and invitation kinds. ``ParticipantsConfig.ready()`` imports every
installed app's ``reminders`` module, so the registry is full in the web
server, the worker and beat alike.
"""

from __future__ import annotations

import json
import logging
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache, partial
from time import monotonic

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from participants.models import PlanningRequest, ReminderLog, User
from projects.models import Membership, Organisation

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind
Status = ReminderLog.Status

# Sending.
BATCH_SIZE = 500  # rows claimed, read and sent over one mail connection at a time
DIGEST_BATCH_USERS = 200  # people whose digests are built in one batch
MAX_ATTEMPTS = 5  # tries before a reminder is marked failed
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this belongs to a dead worker
HEARTBEAT_SECONDS = 30  # a live worker renews its claims this often
RUN_SECONDS = 240  # one task sends for at most this long, then leaves the rest to the next


def daytime_hours() -> tuple[time, time] | None:
    """Daytime (docs/email-rules.md rule 24), when reminders that are not
    urgent may go, in each member's own time zone; None: at any hour. From
    COPRODUCE_DAYTIME (settings), at any hour with DEBUG on (`make run`), so a
    newcomer sees them arrive at night too."""
    return settings.COPRODUCE_DAYTIME


# A reminder about a deadline must arrive at least this long before it.
DEADLINE_MARGIN = timedelta(hours=1)


# --- The kinds of reminder -------------------------------------------------


@dataclass
class Message:
    """What a kind says about one object (a decision, a stage, an
    invitation). A kind returns the same Message object for every row about
    the same object, and the words must not depend on the recipient: a batch
    renders each Message once per format and adds the per-person links
    (participants.emails) afterwards."""

    template: str  # templates/emails/<template>_subject.txt, ...
    context: dict
    project_name: str
    # What a digest says about it (easy words: one sentence a line), its
    # link text, and the link.
    digest_line: str
    easy_digest_line: str
    link_text: str
    easy_link_text: str
    url: str
    # The deadline it is about (when the vote closes), if any: a reminder
    # that finds it is night when it is sent waits for daytime only if that
    # is still in time.
    deadline: datetime | None = None


class ReminderKind:
    """One kind of reminder. Subclasses set ``name`` (a ReminderLog.Kind),
    ``preference`` (the User field that turns it off, or None when it cannot
    be turned off) and ``urgent`` (sent even at night), and implement
    ``messages``."""

    name: str = ""
    preference: str | None = None
    urgent: bool = False
    # Where it comes in a digest: the most pressing first (a vote about to
    # close before anything else). Of two reminders about the same object in
    # one digest (a new decision that is also closing soon), only the first
    # is shown.
    digest_rank: int = 50

    def messages(self, rows: list[ReminderLog], *, now: datetime) -> dict[int, Message | None]:
        """For each row (by pk), the message to send, or None when it is not
        needed any more (the member voted, the decision closed, ...). Must
        use a fixed number of queries, whatever the number of rows."""
        raise NotImplementedError

    def member_joined(self, membership: Membership) -> None:  # noqa: B027  (optional hook)
        """Someone joined a project: plan what they should still hear about."""


_KINDS: dict[str, ReminderKind] = {}


def register(kind_class: type[ReminderKind]) -> type[ReminderKind]:
    """Class decorator: make a kind of reminder known to the machinery."""
    kind = kind_class()
    if kind.name not in Kind.values:
        raise ValueError(f"Unknown reminder kind {kind.name!r}: add it to ReminderLog.Kind")
    _KINDS[kind.name] = kind
    return kind_class


def get_kind(name: str) -> ReminderKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No reminder kind {name!r} is registered") from None


def registered_kinds() -> dict[str, ReminderKind]:
    return dict(_KINDS)


# Which User field turns each kind off (invitations cannot be turned off).
PREFERENCE_FOR_KIND = {
    Kind.NEW_DECISION: "notify_new_decision",
    Kind.CLOSING_SOON: "notify_closing_soon",
    Kind.RESULT: "notify_result",
    Kind.OUTCOME: "notify_result",
    Kind.STAGE: "notify_stage",
    Kind.VOTE_RECORDED: "notify_vote_recorded",
}
PREFERENCE_FIELDS = sorted(set(PREFERENCE_FOR_KIND.values()))

# What schedule() and the sender need of each recipient.
RECIPIENT_FIELDS = [
    "id",
    "email",
    "display_name",
    "is_active",
    "timezone",
    "reminder_format",
    "reminder_timing",
    "digest_time",
    "digest_weekday",
    *PREFERENCE_FIELDS,
]


def project_recipients(project_id: int):
    """The current members of a project who can get email, with only the
    fields reminders need: one query."""
    return User.objects.filter(
        memberships__project_id=project_id,
        memberships__left_at__isnull=True,
        is_active=True,
    ).only(*RECIPIENT_FIELDS)


# --- When a reminder may go ------------------------------------------------


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def daytime_from(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """``moment`` if it is daytime where the member lives, else the start of
    the next daytime."""
    hours = daytime_hours()
    if hours is None:
        return moment
    starts, ends = hours
    local = moment.astimezone(tz)
    if starts <= local.time() < ends:
        return moment
    day = local.date() if local.time() < starts else local.date() + timedelta(days=1)
    return datetime.combine(day, starts, tzinfo=tz)


def daytime_before(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """The last daytime moment at or before ``moment``."""
    hours = daytime_hours()
    if hours is None:
        return moment
    starts, ends = hours
    local = moment.astimezone(tz)
    if starts <= local.time() < ends:
        return moment
    day = local.date() if local.time() >= ends else local.date() - timedelta(days=1)
    return datetime.combine(day, ends, tzinfo=tz) - timedelta(minutes=30)


def next_digest_at(user: User, after: datetime) -> datetime:
    """The member's next daily or weekly digest time at or after ``after``."""
    tz = zone(user.timezone)
    local = after.astimezone(tz)
    day = local.date()
    if user.reminder_timing == User.ReminderTiming.WEEKLY:
        day += timedelta(days=(user.digest_weekday - day.weekday()) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    candidate = datetime.combine(day, user.digest_time, tzinfo=tz)
    if candidate < after:
        candidate = datetime.combine(day + step, user.digest_time, tzinfo=tz)
    return candidate


def plan(
    *,
    user: User | None,
    kind: ReminderKind,
    due: datetime,
    deadline: datetime | None,
    now: datetime,
) -> tuple[bool, datetime]:
    """(in_digest, send_after) for one reminder to one person.

    - Urgent kinds and reminders to an address go when due.
    - Members who chose a daily or weekly digest get it in their next digest,
      unless that would be after the deadline it is about.
    - Everything else waits for daytime in the member's timezone. A reminder
      about a deadline that falls in the night goes in the evening before
      (or, if that has passed, when due: it is urgent by then).
    """
    if user is None or kind.urgent:
        return False, due
    latest = deadline - DEADLINE_MARGIN if deadline else None
    if user.reminder_timing != User.ReminderTiming.IMMEDIATE:
        at = next_digest_at(user, due)
        if latest is None or at <= latest:
            return True, at
    tz = zone(user.timezone)
    at = daytime_from(due, tz)
    if latest is not None and at > latest:
        earlier = daytime_before(due, tz)
        at = earlier if earlier >= now else due
    return False, at


# --- Planning, durably ----------------------------------------------------------
#
# A change (a decision proposed or closed, an outcome written, a vote recorded
# for a member, a stage started, someone joining) hands over to the planner of
# its event in two steps. Inside the change's own transaction, a
# PlanningRequest is written with it; once that commits, the planner runs and
# the request is deleted, in one transaction. A process that dies in between
# (a web server or worker killed straight after the commit) leaves the request
# behind, and beat's sweep (plan_missed) plans it a beat later. Planning is
# idempotent (the reminder log's unique key), so the sweep and the hand-over
# planning the same event at once, or a task trying again, add nothing.

Event = PlanningRequest.Event

_PLANNERS: dict[str, str] = {}  # event -> the dotted name of the function that plans it
SWEEP_BATCH = 500  # requests one sweep takes at most; the next beat takes the rest


def planner(event: str) -> Callable[[Callable], Callable]:
    """Decorator: the function plans the reminders of one event, given the
    ids its requests carry (decisions.reminders.decision_proposed(decision_id),
    ...). It must be idempotent and take a fixed number of queries, whatever
    the number of members."""

    def register_planner(function: Callable) -> Callable:
        if event not in Event.values:
            raise ValueError(f"Unknown event {event!r}: add it to PlanningRequest.Event")
        _PLANNERS[event] = f"{function.__module__}.{function.__qualname__}"
        return function

    return register_planner


def planner_for(event: str) -> Callable:
    """The planner of an event, found by its name each time (as Celery finds
    a task), so whatever stands at that name then is what runs: a stand-in
    put there by a test included."""
    try:
        name = _PLANNERS[event]
    except KeyError:
        raise LookupError(f"No planner is registered for {event!r}") from None
    return import_string(name)


def planning_grace() -> timedelta:
    """How long the sweep leaves a new request alone. The hand-over plans it
    within milliseconds of the commit, so one beat interval
    (COPRODUCE_BEAT_SECONDS, a minute by default) is ample; as the sweep runs
    at that interval too, a missed event is planned within two."""
    return timedelta(seconds=settings.COPRODUCE_BEAT_SECONDS)


def request_planning(event: str, *args) -> None:
    """Record, inside the transaction of a change, that the reminders of
    ``event`` are to be planned (one INSERT). participants.receivers calls it
    for projects' changes; services of higher apps call plan_after_commit."""
    now = timezone.now()
    PlanningRequest.objects.create(
        event=event, args=list(args), created_at=now, try_after=now + planning_grace()
    )


def plan_after_commit(event: str, *args) -> None:
    """The hand-over from a service to reminders, called inside the
    service's transaction (decisions.services): the request is written with
    the change, and the reminders are planned as soon as it commits."""
    request_planning(event, *args)
    transaction.on_commit(partial(plan_committed, event, *args))


def plan_now(event: str, *args) -> None:
    """Plan the reminders of one event and delete its requests, in one
    transaction: if planning fails, the requests stay. Raises what the
    planner raises."""
    with transaction.atomic():
        PlanningRequest.objects.filter(event=event, args=list(args)).delete()
        planner_for(event)(*args)


def plan_committed(event: str, *args) -> None:
    """Plan straight after the change committed. Whatever goes wrong (the
    database is briefly locked or away) must not turn the page that caused
    it, whose work is already saved, into an error: the failure is logged and
    a Celery task tries again with backoff (participants.tasks.plan_reminders),
    and the request stays for the sweep meanwhile."""
    try:
        plan_now(event, *args)
    except Exception:
        logger.exception("Could not plan reminders: %s%r; trying again later", event, args)
        _plan_later(event, args)


def _plan_later(event: str, args) -> None:
    from participants.tasks import plan_reminders

    try:
        plan_reminders.apply_async(args=[event, list(args)], countdown=30, retry=False)
    except Exception:  # noqa: BLE001  (the broker is down too: beat's sweep plans it)
        logger.exception("Could not ask a worker to plan reminders later: %s%r", event, args)


def plan_missed(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Beat's sweep: plan the reminders of every event whose request is
    still here after its grace (the process that committed it died before
    planning, or the planning failed), oldest first. Each event is planned in
    its own transaction; one that fails waits with backoff (BACKOFF) and the
    rest go on. Returns how many events it planned."""
    now = now or timezone.now()
    planned = 0
    seen: set[tuple[str, str]] = set()
    for request in PlanningRequest.objects.filter(try_after__lte=now)[:limit]:
        key = (request.event, json.dumps(request.args))
        if key in seen:
            continue  # the same event twice (a vote recorded twice): planned once
        seen.add(key)
        try:
            plan_now(request.event, *request.args)
        except Exception as error:
            logger.exception("Could not plan missed reminders: %s", request)
            wait = BACKOFF[min(request.attempts, len(BACKOFF) - 1)]
            PlanningRequest.objects.filter(event=request.event, args=request.args).update(
                attempts=F("attempts") + 1,
                try_after=now + wait,
                last_error=_describe(error)[:2000],
            )
            continue
        planned += 1
    return planned


# --- Scheduling -------------------------------------------------------------


@transaction.atomic
def schedule(
    *,
    kind: str,
    object_key: str,
    due_at: datetime | Sequence[datetime],
    recipients: Iterable[User] = (),
    addresses: Iterable[str] = (),
    project=None,
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Plan one kind of reminder about one object for many people, in a fixed
    number of queries (one INSERT, whatever the number of recipients).

    ``recipients`` are Users loaded with at least RECIPIENT_FIELDS (see
    ``project_recipients``); ``addresses`` are email addresses without an
    account (invitations). ``due_at`` is one moment or several (closing-soon
    reminders at 48 and 24 hours). ``deadline`` is what the reminder is about
    (when the vote closes): it is never planned after it.

    Returns how many new rows were added; rows that already exist (the same
    person, kind, object and due time) are left alone, so calling this twice
    is harmless. Anything due now is sent by a task enqueued on commit.
    """
    spec = get_kind(kind)
    now = now or timezone.now()
    due_times = [due_at] if isinstance(due_at, datetime) else list(due_at)
    project_id = project.pk if project is not None else None
    rows = []
    for user in recipients:
        if not user.is_active or (spec.preference and not getattr(user, spec.preference)):
            continue
        for due in due_times:
            in_digest, send_after = plan(user=user, kind=spec, due=due, deadline=deadline, now=now)
            rows.append((user.pk, "", due, send_after, in_digest))
    for address in dict.fromkeys(a.strip().lower() for a in addresses if a.strip()):
        for due in due_times:
            rows.append((None, address, due, due, False))
    if not rows:
        return 0
    added = _insert_ignoring_conflicts(
        kind=kind, object_key=object_key, project_id=project_id, rows=rows, now=now
    )
    if added and any(not in_digest and at <= now for *_, at, in_digest in rows):
        transaction.on_commit(enqueue_sending)
    return added


@transaction.atomic
def cancel(*, kind: str, object_key: str, reason: str) -> int:
    """Drop reminders of one kind about one object that have not gone yet
    (the vote closed, so no more closing-soon reminders)."""
    return ReminderLog.objects.filter(
        kind=kind, object_key=object_key, status=Status.PENDING
    ).update(status=Status.SKIPPED, last_error=reason)


def enqueue_sending() -> None:
    """Ask a worker to send what is due now (beat would find it too, a few
    seconds later)."""
    from participants.tasks import send_due_reminders

    try:
        send_due_reminders.apply_async(retry=False)
    except Exception:  # noqa: BLE001  (the broker is down: beat sends it on its next run)
        logger.warning("Could not ask a worker to send reminders now; beat will send them")


def _insert_ignoring_conflicts(*, kind, object_key, project_id, rows, now) -> int:
    """One INSERT ... SELECT for any number of rows: the rows travel as one
    JSON parameter, so the query count does not grow with the member count
    (bulk_create would split 5,000 rows into several queries). Rows whose key
    exists already are skipped by ON CONFLICT DO NOTHING."""
    table = ReminderLog._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(name)
        for name in [
            "user_id",
            "email",
            "kind",
            "object_key",
            "due_at",
            "send_after",
            "project_id",
            "in_digest",
            "status",
            "attempts",
            "last_error",
            "claim_token",
            "created_at",
        ]
    )
    if connection.vendor == "postgresql":

        def moment(value):
            return value.isoformat()

        source = """
            SELECT r.u, r.e, %s, %s, r.d, r.s, %s, r.g, %s, 0, '', '', %s
            FROM jsonb_to_recordset(%s::jsonb)
                AS r(u bigint, e text, d timestamptz, s timestamptz, g boolean)
        """
    else:

        def moment(value):
            return connection.ops.adapt_datetimefield_value(value)

        source = """
            SELECT json_extract(value, '$.u'), json_extract(value, '$.e'), %s, %s,
                   json_extract(value, '$.d'), json_extract(value, '$.s'), %s,
                   json_extract(value, '$.g'), %s, 0, '', '', %s
            FROM json_each(%s) WHERE true
        """
    payload = json.dumps(
        [
            {"u": user_id, "e": email, "d": moment(due), "s": moment(at), "g": in_digest}
            for user_id, email, due, at, in_digest in rows
        ]
    )
    sql = f"INSERT INTO {quote(table)} ({columns}) {source} ON CONFLICT DO NOTHING"  # noqa: S608  (names are ours, values are parameters)
    created = now if connection.vendor == "postgresql" else moment(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, object_key, project_id, Status.PENDING, created, payload])
        return max(cursor.rowcount, 0)


@transaction.atomic
def reschedule_for(*, user: User, now: datetime | None = None) -> None:
    """The member changed their preferences: an opt-out takes effect at once
    (pending reminders of a kind they turned off are dropped), and pending
    reminders move to their new timing."""
    now = now or timezone.now()
    turned_off = [kind for kind, field in PREFERENCE_FOR_KIND.items() if not getattr(user, field)]
    pending = ReminderLog.objects.filter(user=user, status=Status.PENDING)
    pending.filter(kind__in=turned_off).update(
        status=Status.SKIPPED, last_error="Turned off by the member"
    )
    deadlines = _deadlines(pending.exclude(kind__in=turned_off))
    for row in pending.exclude(kind__in=turned_off).select_for_update():
        spec = _KINDS.get(row.kind)
        if spec is None:
            continue
        in_digest, send_after = plan(
            user=user,
            kind=spec,
            due=max(row.due_at, now),
            deadline=deadlines.get((row.kind, row.object_key)),
            now=now,
        )
        if (in_digest, send_after) != (row.in_digest, row.send_after):
            row.in_digest, row.send_after = in_digest, send_after
            row.save(update_fields=["in_digest", "send_after"])


def _deadlines(rows) -> dict[tuple[str, str], datetime]:
    """Deadlines of closing-soon reminders: their latest due time is at most
    the closing time minus the smallest reminder offset, so the closing time
    is asked of the kind when it offers ``deadline_for``."""
    found = {}
    for kind_name, object_key in rows.values_list("kind", "object_key").distinct():
        spec = _KINDS.get(kind_name)
        deadline_for = getattr(spec, "deadline_for", None)
        if deadline_for is not None:
            found[(kind_name, object_key)] = deadline_for(object_key)
    return found


# --- Sending ----------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    digests: int = 0
    postponed: int = 0  # it was night where the member lives: they wait for daytime
    errors: list[str] = field(default_factory=list)

    def __iadd__(self, other: SendReport) -> SendReport:
        self.sent += other.sent
        self.skipped += other.skipped
        self.retried += other.retried
        self.failed += other.failed
        self.digests += other.digests
        self.postponed += other.postponed
        self.errors += other.errors
        return self


def release_stale_claims(*, now: datetime | None = None) -> int:
    """Claims older than CLAIM_TIMEOUT belong to a worker that died: give the
    rows back (or give up on them after MAX_ATTEMPTS). A live worker renews
    its claims every HEARTBEAT_SECONDS, so it never loses them."""
    now = now or timezone.now()
    stale = ReminderLog.objects.filter(status=Status.CLAIMED, claimed_at__lt=now - CLAIM_TIMEOUT)
    gave_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, claim_token="", last_error="The worker sending it stopped."
    )
    released = stale.update(
        status=Status.PENDING,
        claim_token="",
        send_after=now,
        last_error="The worker sending it stopped; trying again.",
    )
    return gave_up + released


def _claim(*, limit: int, in_digest: bool, user_ids=None) -> tuple[str, list[ReminderLog]]:
    """Claim up to ``limit`` due rows for this worker and read them with their
    people and projects: three queries, whatever the batch size.

    PostgreSQL locks the chosen rows and skips rows another worker has locked
    (SKIP LOCKED); on every database the UPDATE only takes rows that are still
    pending, and the rows read back are those carrying this claim's token, so
    two workers never hold the same row."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        due = ReminderLog.objects.filter(
            status=Status.PENDING, in_digest=in_digest, send_after__lte=now
        )
        if user_ids is not None:
            due = due.filter(user_id__in=user_ids)
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return token, []
        ReminderLog.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.CLAIMED, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
        )
    rows = list(
        ReminderLog.objects.filter(claim_token=token, status=Status.CLAIMED)
        .select_related("user", "project")
        .order_by("send_after", "pk")
    )
    return token, rows


def _not_wanted(rows: list[ReminderLog]) -> set[int]:
    """Rows whose person no longer wants them: inactive account, the kind
    turned off (an opt-out takes effect at once), or no longer a member of
    the project. One query."""
    unwanted = set()
    memberships = set()
    member_rows = [row for row in rows if row.user_id and row.project_id]
    if member_rows:
        memberships = set(
            Membership.objects.current()
            .filter(
                project_id__in={row.project_id for row in member_rows},
                user_id__in={row.user_id for row in member_rows},
            )
            .values_list("project_id", "user_id")
        )
    for row in rows:
        if row.user_id is None:
            continue
        preference = PREFERENCE_FOR_KIND.get(row.kind)
        turned_off = bool(preference) and not getattr(row.user, preference)
        left = bool(row.project_id) and (row.project_id, row.user_id) not in memberships
        if not row.user.is_active or turned_off or left:
            unwanted.add(row.pk)
    return unwanted


def _messages_for(rows: list[ReminderLog], *, now: datetime) -> dict[int, Message | None]:
    by_kind: dict[str, list[ReminderLog]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    messages: dict[int, Message | None] = {}
    for kind_name, kind_rows in by_kind.items():
        spec = _KINDS.get(kind_name)
        if spec is None:
            messages.update(dict.fromkeys((row.pk for row in kind_rows), None))
            continue
        messages.update(spec.messages(kind_rows, now=now))
    return messages


def _skip(pks: Iterable[int], token: str, reason: str) -> int:
    pks = list(pks)
    if not pks:
        return 0
    return ReminderLog.objects.filter(pk__in=pks, claim_token=token).update(
        status=Status.SKIPPED, claim_token="", last_error=reason
    )


def _try_later(rows: list[ReminderLog], token: str, error: str) -> tuple[int, int]:
    """Give claimed rows back with backoff, or give up on those that have had
    MAX_ATTEMPTS. Returns (retried, failed)."""
    now = timezone.now()
    retried = failed = 0
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_attempts[row.attempts].append(row.pk)
    for attempts, pks in by_attempts.items():
        mine = ReminderLog.objects.filter(pk__in=pks, claim_token=token)
        if attempts >= MAX_ATTEMPTS:
            failed += mine.update(status=Status.FAILED, claim_token="", last_error=error[:2000])
        else:
            wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
            retried += mine.update(
                status=Status.PENDING,
                claim_token="",
                send_after=now + wait,
                last_error=error[:2000],
            )
    return retried, failed


def _mark_sent(pk: int, token: str) -> int:
    """Record one message as sent, if this worker still holds its claim. One
    small UPDATE, written out once (not compiled by the ORM each time: it
    runs once per message, so it is on the hot path of sending)."""
    table = connection.ops.quote_name(ReminderLog._meta.db_table)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claim_token = '', sent_at = %s, "  # noqa: S608
            "last_error = '' WHERE id = %s AND claim_token = %s",
            [Status.SENT, sent_at, pk, token],
        )
        return cursor.rowcount


def _renew(token: str) -> None:
    ReminderLog.objects.filter(claim_token=token, status=Status.CLAIMED).update(
        claimed_at=timezone.now()
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def send_due(*, batch_size: int = BATCH_SIZE, run_seconds: float = RUN_SECONDS) -> SendReport:
    """Send every reminder (not held for a digest) that is due at or before
    now and not yet sent, batch by batch, until none is left or
    ``run_seconds`` have passed."""
    from participants import emails

    report = SendReport()
    started = monotonic()
    release_stale_claims()
    while monotonic() - started < run_seconds:
        token, rows = _claim(limit=batch_size, in_digest=False)
        if not rows:
            break
        report += _send_batch(token, rows, emails)
    return report


def _still_wanted(
    token: str, rows: list[ReminderLog], report: SendReport, *, now: datetime
) -> tuple[list[ReminderLog], dict[int, Message]]:
    """The claimed rows still to send, with their messages; the others are
    marked skipped (the member turned the kind off or left, voted, the vote
    closed, ...)."""
    unwanted = _not_wanted(rows)
    report.skipped += _skip(unwanted, token, "Not wanted any more")
    rows = [row for row in rows if row.pk not in unwanted]
    superseded = _superseded(rows)
    report.skipped += _skip(superseded, token, "A later reminder about the same thing was sent")
    rows = [row for row in rows if row.pk not in superseded]
    messages = _messages_for(rows, now=now)
    report.skipped += _skip(
        (row.pk for row in rows if messages.get(row.pk) is None), token, "Not needed any more"
    )
    rows = [row for row in rows if messages.get(row.pk) is not None]
    return rows, {row.pk: messages[row.pk] for row in rows}


def _superseded(rows: list[ReminderLog]) -> set[int]:
    """Of two rows of one kind about one object for one person (after
    downtime, the 48-hour and the 24-hour closing-soon reminders are both
    due), only the later is sent: the same email twice at once helps nobody."""
    latest: dict[tuple, ReminderLog] = {}
    superseded = set()
    for row in rows:
        key = (row.user_id, row.email, row.kind, row.object_key)
        kept = latest.get(key)
        if kept is None:
            latest[key] = row
            continue
        earlier, later = sorted([kept, row], key=lambda r: (r.due_at, r.pk))
        superseded.add(earlier.pk)
        latest[key] = later
    return superseded


def _wait_for_daytime(
    token: str, rows: list[ReminderLog], messages: dict[int, Message], *, now: datetime
) -> set[int]:
    """Rows planned for daytime can come up at night: a worker or beat that
    was down catches up at 2am. Those that are not urgent go back to wait for
    the member's daytime (or their digest), unless that would be too late for
    the deadline they are about (docs/email-rules.md rule 24). Returns the rows put back;
    one UPDATE for each new sending time, none in daytime."""
    if daytime_hours() is None:
        return set()
    later: dict[tuple[bool, datetime], list[int]] = defaultdict(list)
    for row in rows:
        spec = _KINDS.get(row.kind)
        if row.user is None or spec is None or spec.urgent:
            continue
        if daytime_from(now, zone(row.user.timezone)) == now:
            continue  # daytime where they live
        in_digest, at = plan(
            user=row.user, kind=spec, due=now, deadline=messages[row.pk].deadline, now=now
        )
        if at > now:
            later[(in_digest, at)].append(row.pk)
    for (in_digest, at), pks in later.items():
        # Not a failed try: the attempt the claim counted is given back.
        ReminderLog.objects.filter(pk__in=pks, claim_token=token).update(
            status=Status.PENDING,
            claim_token="",
            in_digest=in_digest,
            send_after=at,
            attempts=F("attempts") - 1,
        )
    return {pk for pks in later.values() for pk in pks}


def _give_back(rows: list[ReminderLog], token: str, report: SendReport, error: Exception) -> None:
    """Rows that could not be sent wait to be tried again, with backoff (or
    are given up on after MAX_ATTEMPTS); the report says so."""
    description = _describe(error)
    retried, failed = _try_later(rows, token, description)
    report.retried += retried
    report.failed += failed
    report.errors.append(description)


def _open_mail_connection(rows: list[ReminderLog], token: str, report: SendReport):
    """One mail connection for a whole batch; None (and every row given
    back) when the mail server cannot be reached."""
    mailer = mailers.default
    try:
        mailer.open()
    except Exception as error:  # noqa: BLE001  (any failure to connect: try later)
        logger.warning("Could not connect to the mail server: %s", error)
        _give_back(rows, token, report, error)
        return None
    return mailer


def _reconnect(mailer) -> Exception | None:
    """After a failed send, a fresh connection for the rest of the batch."""
    try:
        mailer.close()
        mailer.open()
    except Exception as error:  # noqa: BLE001
        return error
    return None


def _close(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # noqa: BLE001
        logger.warning("Could not close the mail connection cleanly")


def _send_batch(token: str, rows: list[ReminderLog], emails) -> SendReport:
    report = SendReport()
    now = timezone.now()
    rows, messages = _still_wanted(token, rows, report, now=now)
    night = _wait_for_daytime(token, rows, messages, now=now)
    report.postponed += len(night)
    rows = [row for row in rows if row.pk not in night]
    if not rows:
        return report
    formats = emails.formats_for_addresses(row.email for row in rows if row.user_id is None)
    builder = emails.ReminderEmailBuilder(now=now)
    mailer = _open_mail_connection(rows, token, report)
    if mailer is None:
        return report
    last_renewal = monotonic()
    _quick_commits(on=True)
    try:
        for index, row in enumerate(rows):
            if monotonic() - last_renewal > HEARTBEAT_SECONDS:
                _renew(token)
                last_renewal = monotonic()
            try:
                message = builder.build(row, messages[row.pk], address_format=formats)
            except Exception as error:
                # A fault in our words or templates: trying again will not help.
                logger.exception("Could not build reminder %s", row.pk)
                report.failed += ReminderLog.objects.filter(pk=row.pk, claim_token=token).update(
                    status=Status.FAILED, claim_token="", last_error=_describe(error)
                )
                continue
            try:
                mailer.send_messages([message])
            except Exception as error:  # noqa: BLE001  (SMTP refused, connection lost, ...)
                logger.warning("Could not send reminder %s: %s", row.pk, error)
                _give_back([row], token, report, error)
                reconnect_error = _reconnect(mailer)
                if reconnect_error is not None:
                    _give_back(rows[index + 1 :], token, report, reconnect_error)
                    return report
                continue
            # Marked one by one, straight after the mail server took it: a
            # worker killed here can repeat this one message and no other.
            report.sent += _mark_sent(row.pk, token)
    finally:
        _quick_commits(on=False)
        _close(mailer)
    return report


def _quick_commits(*, on: bool) -> None:
    """On PostgreSQL, while a batch is sent, commits do not wait for the
    write-ahead log to reach the disk (synchronous_commit off, for this
    connection only). Marking each message sent then costs one round trip
    instead of one disk flush, which is what lets one worker send hundreds a
    second. It changes nothing when a worker dies (the row is claimed before
    sending and marked right after); only if the database server itself
    crashes can the marks of the last fraction of a second be lost, and those
    few messages be sent again."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")


def send_due_digests(
    *, batch_users: int = DIGEST_BATCH_USERS, run_seconds: float = RUN_SECONDS
) -> SendReport:
    """Send daily and weekly digests that are due: built only for members who
    have something waiting (found from the reminder log, not by a job per
    member), one email per member, all of them over one mail connection per
    batch."""
    from participants import emails

    report = SendReport()
    started = monotonic()
    release_stale_claims()
    while monotonic() - started < run_seconds:
        user_ids = list(
            ReminderLog.objects.filter(
                status=Status.PENDING, in_digest=True, send_after__lte=timezone.now()
            )
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:batch_users]
        )
        if not user_ids:
            break
        token, rows = _claim(limit=batch_users * 50, in_digest=True, user_ids=user_ids)
        if not rows:
            continue
        report += _send_digest_batch(token, rows, emails)
    return report


def digest_items(rows: list[ReminderLog], messages: dict[int, Message]) -> list[Message]:
    """What one member's digest lists, the most pressing first (a vote about
    to close before a new stage), each object once: a new decision whose vote
    is also closing soon appears once, as closing soon."""
    ordered = sorted(
        rows,
        key=lambda row: (
            getattr(_KINDS.get(row.kind), "digest_rank", ReminderKind.digest_rank),
            row.due_at,
            row.pk,
        ),
    )
    seen: set[str] = set()
    items = []
    for row in ordered:
        if row.object_key not in seen:
            seen.add(row.object_key)
            items.append(messages[row.pk])
    return items


def _send_digest_batch(token: str, rows: list[ReminderLog], emails) -> SendReport:
    report = SendReport()
    now = timezone.now()
    rows, messages = _still_wanted(token, rows, report, now=now)
    by_user: dict[int, list[ReminderLog]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    if not by_user:
        return report
    builder = emails.ReminderEmailBuilder(now=now)
    mailer = _open_mail_connection(rows, token, report)
    if mailer is None:
        return report
    try:
        for user_rows in by_user.values():
            pks = [row.pk for row in user_rows]
            try:
                message = builder.build_digest(user_rows, digest_items(user_rows, messages))
                mailer.send_messages([message])
            except Exception as error:  # noqa: BLE001
                logger.warning("Could not send a digest: %s", error)
                _give_back(user_rows, token, report, error)
                if _reconnect(mailer) is not None:
                    logger.warning("Could not reconnect to the mail server")
                continue
            sent = ReminderLog.objects.filter(pk__in=pks, claim_token=token).update(
                status=Status.SENT, claim_token="", sent_at=timezone.now(), last_error=""
            )
            report.sent += sent
            report.digests += 1
    finally:
        _close(mailer)
    return report


@transaction.atomic
def reminders_retry(*, reminders: Iterable[ReminderLog], actor: User) -> int:
    """A manager asked to try failed reminders again: those of the projects
    of organisations they manage (any, for a superuser) go back to the queue
    with a fresh set of attempts."""
    pks = [reminder.pk for reminder in reminders]
    failed = ReminderLog.objects.filter(pk__in=pks, status=Status.FAILED)
    if not (actor.is_active and actor.is_superuser):
        failed = failed.filter(project__organisation__in=Organisation.objects.managed_by(actor))
    count = failed.update(
        status=Status.PENDING, attempts=0, send_after=timezone.now(), claim_token=""
    )
    if count:
        transaction.on_commit(enqueue_sending)
    return count
