"""A large dataset for the benchmark (`manage.py bench_seed`, `make bench`),
written straight into an empty, migrated database in the shapes the services
produce, in well under a minute and a half for the default sizes.

What it makes (default sizes in brackets):

- ``members`` people [5,000], each with a verified email address (allauth's
  EmailAddress) and the same password, BENCH_PASSWORD (hashed once); about
  two thirds counted as participants, one third as professionals (the two
  labels of Membership.Label: carers are participants).
- One organisation with one project manager: a person who is staff, as
  `manage.py createmanager` makes them, and not a superuser, so /manage/
  and the project pages open for them by being a manager alone. They are a
  member of no project.
- ``projects`` projects [60] in Europe/London, each with 4 to 6 stages: the
  earlier stages ended, one started (current), the later ones planned. The
  big project (the first) has 6 stages and is at the fourth; the others
  started 60 to 400 days ago, at any stage.
- The big project has every person as a member (a few of them facilitators)
  and ``decisions - 10 × (projects - 1)`` decisions; every other project has
  70 to 90 members drawn from the same people (two facilitators) and 10
  decisions. Everyone joined in a project's first ten days and nobody has
  left, so the members who could vote on every decision are the project's
  members now.
- Decisions: consent proposals and choices between 2 to 4 options, about one
  in seven anonymous, about 10% of each project's open (closing in the next
  two weeks, in the current stage) and the rest closed, each in the stage that
  was current when it was proposed. A closed decision has the result, quorum,
  chosen option and tally that ``decisions.services.decision_close`` stores:
  they are counted by the same function (``kind_for(decision).tally``) on
  the seeded votes and members. Most closed at their closing time (by the
  system); a few were closed early by a facilitator, with a reason. About
  half of the passed or chosen ones, and a few others, have an outcome.
- Two open decisions in the big project, neither anonymous: the busy
  decision, a consent proposal with 1,000 votes and 1,000 comments (so its
  page is measured at scale), and the vote decision, a consent proposal with
  no votes, on which the voters (``voters`` [200] participants of the big
  project who are not facilitators, after the participant below) vote
  through the real form during the benchmark.
- ``votes`` votes [60,000] in all, at most one per member and decision, cast
  while the decision was open; a few recorded by a facilitator (in a
  meeting, by phone or on paper), a few with a supporter's help, a block
  always with a reason. Besides the busy decision, they are spread unevenly
  over the decisions, more heavily over the smaller projects' (so their
  quorums are sometimes met and sometimes not); the big project's decisions
  mostly have no quorum.
- ``comments`` comments [20,000] in all, posted while their decision was
  open; one in about 200 hidden by a facilitator with a reason (four on the
  busy decision), a few edited within their 15 minutes.
- Ladder answers at every stage that has started: 200 to 400 a stage in the
  big project, 15 to 45 in the others, each with its member's label.
- Activity as the services record it: the project started, each member
  joined, each later stage started, each decision proposed and closed, and
  each outcome written.

Sizes smaller than the defaults keep the same rules, with the busy decision
having min(1,000, votes ÷ 2, members) votes and min(1,000, comments ÷ 2)
comments. The same sizes always give the same data (a seeded random
generator), apart from the random parts of slugs, ids and timestamps.

Nothing goes through the services: rows are written with bulk_create, no
signals are sent and no reminders are planned, and the database is ANALYZEd
at the end so the benchmark's first queries are planned with real figures.
"""

import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from decisions.kinds import kind_for
from decisions.models import Comment, Decision, Option, Outcome, Vote
from participants.models import User
from projects.models import (
    Activity,
    LadderAnswer,
    Membership,
    Organisation,
    Project,
    Rung,
    Stage,
)

BENCH_PASSWORD = "coproduce-bench"  # noqa: S105  (benchmark data only)
EMAIL_DOMAIN = "bench.example.org"
TIME_ZONE = "Europe/London"
BATCH_SIZE = 2000
RANDOM_SEED = 20240601

# The other projects' sizes.
DECISIONS_PER_PROJECT = 10
MEMBERS_PER_PROJECT = (70, 90)
# The busy decision's votes and comments, at most.
BUSY_SIZE = 1000
OPEN_SHARE = 0.10
ANONYMOUS_SHARE = 0.15
HIDDEN_SHARE = 0.005
# What decision_close stores besides the status and closing time.
COUNTED_FIELDS = ("result", "quorum_met", "chosen_option", "tally")

FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Carla",
    "Dev",
    "Ellie",
    "Farah",
    "George",
    "Hana",
    "Ibrahim",
    "Jade",
    "Kofi",
    "Lena",
    "Marcus",
    "Nia",
    "Owen",
    "Priya",
    "Rosa",
    "Sam",
    "Tariq",
    "Joan",
)
LAST_NAMES = (
    "Okafor",
    "Rahman",
    "Price",
    "Walsh",
    "Shah",
    "Evans",
    "Clarke",
    "Patel",
    "Brooks",
    "Morgan",
    "Adeyemi",
    "Hughes",
    "Jones",
    "Khan",
    "Murphy",
    "Nowak",
    "Silva",
    "Begum",
    "Nguyen",
    "O'Brien",
)
PROJECT_NAMES = (
    "Day Service",
    "Carers' Café",
    "Home Care Review",
    "Mental Health Drop-in",
    "Community Transport",
    "Youth Club",
    "Housing Support",
    "Hospital Discharge",
    "Library Outreach",
    "Dementia Friendly Town",
)
PLACES = (
    "Riverside",
    "Northfield",
    "Eastbrook",
    "Millbank",
    "Hillcrest",
    "Oakwood",
    "Westgate",
    "Southmead",
    "Brookside",
    "Ashford",
    "Kingsway",
    "Elmhurst",
)
DECISION_ACTIONS = (
    "Open",
    "Move",
    "Change",
    "Start",
    "Try out",
    "Stop",
    "Pay for",
    "Ask the council about",
    "Write a leaflet about",
    "Share",
)
DECISION_SUBJECTS = (
    "the day centre until 6pm",
    "the weekly drop-in to the library",
    "the minibus timetable",
    "a peer support group",
    "the easy read newsletter",
    "the Friday lunch club",
    "late appointments",
    "the garden project",
    "the complaints form",
    "our meeting notes",
    "travel expenses for members",
    "a quiet room",
)
OPTION_TEXTS = (
    "Monday 2pm to 4pm",
    "Wednesday 10am to 12pm",
    "Friday 1pm to 3pm",
    "Saturday morning",
    "At the day centre",
    "At the library",
    "Online and in person",
    "Once a month",
    "Every two weeks",
    "Keep it as it is",
)
COMMENTS = (
    "I think this is a good idea.",
    "My bus does not get in until 10, so a later start would help me.",
    "We would need one more member of staff in the afternoon. I think we can do it.",
    "Can we try it for three months and then look again?",
    "I am worried about the cost. Where will the money come from?",
    "Yes please. This is what we talked about at the last meeting.",
    "Could the leaflet be in easy read as well?",
    "My mum would come if there was a lift.",
    "I agree, but we should ask the people who are not here today.",
    "Thank you for writing this up so clearly.",
)
REASONS = (
    "It is what most people asked for in the survey.",
    "I cannot get there at that time.",
    "We tried this before and it did not work.",
    "It would make a real difference to carers.",
    "I need more information first.",
)
BLOCK_REASONS = (
    "This would leave wheelchair users with no way in.",
    "We have not asked the people who use the service at weekends.",
)
HIDE_REASONS = (
    "It named a person who uses the service.",
    "It was posted twice by mistake.",
    "It was rude to another member.",
)
LADDER_COMMENTS = (
    "We were asked a lot, but I am not sure we were heard.",
    "The BSL interpreter at every meeting made a big difference.",
    "Everyone's ideas went into the list of what matters.",
    "The decisions were mostly made before the meetings.",
)


@dataclass
class _Place:
    """A project being seeded, with what the later phases need of it."""

    project: Project
    started: datetime
    big: bool
    stages: list[Stage] = field(default_factory=list)
    members: list[Membership] = field(default_factory=list)
    facilitators: list[Membership] = field(default_factory=list)

    @property
    def current(self) -> Stage:
        return next(stage for stage in self.stages if stage.is_current)

    def stage_at(self, moment: datetime) -> Stage:
        """The stage that was current at this moment."""
        started = [s for s in self.stages if s.started_at and s.started_at <= moment]
        return started[-1]


@dataclass
class _Planned:
    """A decision with its options and votes, before they are saved."""

    place: _Place
    decision: Decision
    options: list[Option] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    comment_weight: float = 1.0

    @property
    def ends(self) -> datetime:
        """When it stopped taking votes and comments (or now, if open)."""
        return self.decision.closed_at or timezone.now()


class _Progress:
    """Progress lines, "Seeding: <what> (<seconds since the start> s)"."""

    def __init__(self, write):
        self.write = write
        self.began = time.perf_counter()

    def __call__(self, text: str) -> None:
        self.write(f"Seeding: {text} ({time.perf_counter() - self.began:.1f} s)")


def seed(
    *,
    members: int = 5000,
    projects: int = 60,
    decisions: int = 5000,
    votes: int = 60000,
    comments: int = 20000,
    voters: int = 200,
    progress=print,
) -> dict:
    """Fill an empty, migrated database with the benchmark's dataset (see the
    module's docstring) and return what the benchmark needs: the big
    project's addresses, the busy and vote decisions, who to sign in as, and
    the counts of what was made. Raises ValueError for sizes that cannot
    hold the dataset's rules."""
    other_decisions = DECISIONS_PER_PROJECT * (projects - 1)
    if projects < 1 or decisions < other_decisions + 2:
        raise ValueError(
            f"{projects} projects need at least {other_decisions + 2} decisions "
            f"({DECISIONS_PER_PROJECT} in each of the others, and the busy and vote "
            "decisions in the big one)"
        )
    if members < voters + 10:
        raise ValueError(f"{voters} voters need at least {voters + 10} members")
    say = _Progress(progress)
    rng = random.Random(RANDOM_SEED)  # noqa: S311  (reproducible data, not secrets)
    now = timezone.now()

    with transaction.atomic():
        say(f"{members:,} members and a project manager ...")
        people, manager = _people(rng, members, now)
        say(f"{len(people):,} people made")

        say(f"{projects:,} projects with their stages and members ...")
        organisation = Organisation.objects.create(name="Bench Borough Council", slug="bench")
        organisation.managers.add(manager)
        places = _projects(rng, organisation, people, projects, now)
        big = places[0]
        say(
            f"{projects:,} projects, {sum(len(p.stages) for p in places):,} stages and "
            f"{sum(len(p.members) for p in places):,} memberships made"
        )

        participant, voter_members = _participant_and_voters(big, voters)
        say(f"{decisions:,} decisions with their options and {votes:,} votes ...")
        planned, busy, vote_decision = _decisions(
            rng, places, decisions - other_decisions, participant, now
        )
        _votes(rng, planned, busy, votes)
        Decision.objects.bulk_create([p.decision for p in planned], batch_size=BATCH_SIZE)
        Option.objects.bulk_create(
            [option for p in planned for option in p.options], batch_size=BATCH_SIZE
        )
        say(f"{len(planned):,} decisions made; saving the votes ...")
        Vote.objects.bulk_create([v for p in planned for v in p.votes], batch_size=BATCH_SIZE)
        closed = _count_closed(planned)
        say(f"{votes:,} votes made and {len(closed):,} closed decisions counted")

        say(f"{comments:,} comments ...")
        made = _comments(rng, planned, busy, comments)
        say(f"{made:,} comments made")

        say("outcomes, ladder answers and activity ...")
        outcomes = _outcomes(rng, closed, now)
        answers = _ladder_answers(rng, places)
        activities = _activity(places, planned, outcomes)
        say(
            f"{len(outcomes):,} outcomes, {answers:,} ladder answers and "
            f"{activities:,} lines of activity made"
        )

    say("ANALYZE ...")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = _counts()
    say(
        ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items())
        + ": done"
    )
    project = big.project
    facilitator = big.facilitators[0]
    return {
        "project": project.get_absolute_url(),
        "project_slug": project.slug,
        "stage": big.current.get_absolute_url(),
        "timeline": reverse("projects:stages", kwargs={"slug": project.slug}),
        "members": reverse("projects:members", kwargs={"slug": project.slug}),
        "log": reverse("decisions:log", kwargs={"slug": project.slug}),
        "decision": busy.decision.get_absolute_url(),
        "decision_id": busy.decision.pk,
        "vote_decision": vote_decision.decision.get_absolute_url(),
        "vote_decision_id": vote_decision.decision.pk,
        "vote_decision_kind": vote_decision.decision.kind,
        "participant_email": participant.user.email,
        "facilitator_email": facilitator.user.email,
        "manager_email": manager.email,
        "voter_emails": [member.user.email for member in voter_members],
        "password": BENCH_PASSWORD,
        "counts": counts,
    }


# --- people, projects, stages and members -------------------------------------


def _people(rng, count: int, now: datetime) -> tuple[list[tuple[User, str]], User]:
    """``count`` people, each with the label they have in every project
    (participant about two times in three), and the project manager; each
    with a verified email address, all with one password hashed once."""
    password = make_password(BENCH_PASSWORD)
    joined = now - timedelta(days=450)
    people = []
    for number in range(1, count + 1):
        person = User(
            email=f"member{number:05d}@{EMAIL_DOMAIN}",
            display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            password=password,
            date_joined=joined,
        )
        label = (
            Membership.Label.PROFESSIONAL if rng.random() < 0.35 else Membership.Label.PARTICIPANT
        )
        people.append((person, label))
    manager = User(
        email=f"manager@{EMAIL_DOMAIN}",
        display_name="Morgan Ellis",
        password=password,
        is_staff=True,
        date_joined=joined,
    )
    users = [person for person, _label in people] + [manager]
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=person, email=person.email, verified=True, primary=True)
            for person in users
        ],
        batch_size=BATCH_SIZE,
    )
    return people, manager


def _projects(rng, organisation, people, count: int, now: datetime) -> list[_Place]:
    """The projects, their members (the first project has everyone) and their
    stages."""
    places = []
    for index in range(count):
        if index == 0:
            age, name = 420, "Riverside Day Service"
        else:
            age = rng.randint(60, 400)
            name = f"{PLACES[index % len(PLACES)]} {PROJECT_NAMES[index // len(PLACES) % 10]}"
            if index >= 10 * len(PLACES):
                name += f" {index // (10 * len(PLACES)) + 1}"
        started = now - timedelta(days=age, hours=rng.randint(0, 23))
        project = Project(
            organisation=organisation,
            name=name,
            slug=f"{slugify(name)[:80]}-{secrets.token_hex(3)}",
            summary=(
                "People who use the service, their carers and the staff are "
                "redesigning it together, one stage at a time."
            ),
            audience="People who use the service, their carers, and staff",
            starts_on=started.date(),
            timezone=TIME_ZONE,
            created_at=started,
        )
        places.append(_Place(project=project, started=started, big=index == 0))
    Project.objects.bulk_create([place.project for place in places], batch_size=BATCH_SIZE)

    for index, place in enumerate(places):
        chosen = people if index == 0 else rng.sample(people, min(len(people), _project_size(rng)))
        place.members = [
            Membership(
                project=place.project,
                user=person,
                label=label,
                joined_at=place.started + timedelta(minutes=rng.randint(0, 10 * 24 * 60)),
            )
            for person, label in chosen
        ]
        _choose_facilitators(rng, place)
    Membership.objects.bulk_create(
        [member for place in places for member in place.members], batch_size=BATCH_SIZE
    )

    for place in places:
        place.stages = _stages(rng, place, now)
    Stage.objects.bulk_create(
        [stage for place in places for stage in place.stages], batch_size=BATCH_SIZE
    )
    for place in places:
        last = place.stages[-1]
        place.project.ends_on = last.planned_end
    Project.objects.bulk_update([place.project for place in places], ["ends_on"])
    return places


def _project_size(rng) -> int:
    return rng.randint(*MEMBERS_PER_PROJECT)


def _choose_facilitators(rng, place: _Place) -> None:
    """Make a few members facilitators: in the big project, one in a thousand
    (at least two), professionals and one participant; two elsewhere."""
    if place.big:
        wanted = max(2, len(place.members) // 1000)
        professionals = [m for m in place.members if m.label == Membership.Label.PROFESSIONAL]
        participants = [m for m in place.members if m.label == Membership.Label.PARTICIPANT]
        # The last participant, so the participant and voters come first.
        chosen = professionals[: wanted - 1] + participants[-1:]
    else:
        chosen = rng.sample(place.members, min(2, len(place.members)))
    for member in chosen:
        member.is_facilitator = True
    place.facilitators = chosen


def _stages(rng, place: _Place, now: datetime) -> list[Stage]:
    """4 to 6 stages, from the project's start until now: the earlier ones
    ended, one current, the rest planned."""
    count = 6 if place.big else rng.randint(4, 6)
    current = 3 if place.big else rng.randint(0, count - 1)
    names = [*Stage.DEFAULT_NAMES[: count - 1], Stage.DEFAULT_NAMES[-1]]
    span = (now - place.started) / (current + 1)
    facilitator = place.facilitators[0].user
    stages = []
    for position, name in enumerate(names):
        begins = place.started + span * position
        stage = Stage(
            project=place.project,
            position=position,
            name=name,
            aims=f"What “{name}” is for: agreed by everyone at the first meeting of the stage.",
            planned_start=begins.date(),
            planned_end=(begins + span - timedelta(days=1)).date(),
        )
        if position <= current:
            stage.started_at = begins
            stage.started_by = facilitator
        if position < current:
            stage.ended_at = begins + span
            stage.ended_by = facilitator
            stage.what_was_done = (
                "Two meetings at the day centre, with a BSL interpreter.\nA survey in easy words."
            )
            stage.outcomes = "A list of what matters most, agreed by everyone."
        stages.append(stage)
    return stages


def _participant_and_voters(big: _Place, voters: int) -> tuple[Membership, list[Membership]]:
    """The big project's first participant who is not a facilitator, and the
    ``voters`` such participants after them."""
    plain = [
        member
        for member in big.members
        if member.label == Membership.Label.PARTICIPANT and not member.is_facilitator
    ]
    if len(plain) < voters + 1:
        raise ValueError(
            f"The big project has {len(plain)} participants who are not facilitators: "
            f"too few for {voters} voters and the participant"
        )
    return plain[0], plain[1 : voters + 1]


# --- decisions and votes -------------------------------------------------------


def _decisions(rng, places, big_count: int, participant, now: datetime):
    """Every decision, unsaved, with its options: the big project's first two
    are the busy decision and the vote decision."""
    planned = []
    for index, place in enumerate(places):
        count = big_count if index == 0 else DECISIONS_PER_PROJECT
        open_count = max(2 if index == 0 else 1, round(count * OPEN_SHARE))
        for number in range(count):
            is_open = number < open_count
            planned.append(_decision(rng, place, is_open=is_open, now=now))
    busy, vote_decision = planned[0], planned[1]
    for item, days_ago, days_left, title in [
        (busy, 3, 4, "Open the day centre until 6pm"),
        (vote_decision, 1, 6, "Start a Saturday lunch club"),
    ]:
        decision = item.decision
        decision.kind = Decision.Kind.CONSENT
        decision.is_anonymous = False
        decision.quorum_percent = 0
        decision.pass_rule = Decision.PassRule.MORE_AGREE_NO_BLOCK
        decision.title = title
        decision.proposer = participant
        decision.created_at = decision.updated_at = now - timedelta(days=days_ago)
        decision.closes_at = now + timedelta(days=days_left)
        item.options = []
    return planned, busy, vote_decision


def _decision(rng, place: _Place, *, is_open: bool, now: datetime) -> _Planned:
    kind = Decision.Kind.CHOICE if rng.random() < 0.4 else Decision.Kind.CONSENT
    is_anonymous = rng.random() < ANONYMOUS_SHARE
    if is_open:
        created = now - timedelta(minutes=rng.randint(60, 6 * 24 * 60))
        closes = now + timedelta(hours=rng.randint(24, 14 * 24))
    else:
        days = rng.choice((3, 5, 7, 7, 10, 14))
        earliest = place.started + timedelta(days=14)
        latest = now - timedelta(days=days, hours=1)
        created = earliest + (latest - earliest) * rng.random()
        closes = created + timedelta(days=days)
    subject = rng.choice(DECISION_SUBJECTS)
    decision = Decision(
        project=place.project,
        stage=place.current if is_open else place.stage_at(created),
        proposer=rng.choice(place.members),
        title=f"{rng.choice(DECISION_ACTIONS)} {subject}",
        description=(
            f"We have talked about {subject} at the last two meetings. "
            "This proposal says what would change, and for whom."
        ),
        easy_words=(
            "We want to change something.\nTell us what you think." if rng.random() < 0.4 else ""
        ),
        kind=kind,
        closes_at=closes,
        quorum_percent=rng.choice((0, 0, 0, 50) if place.big else (50, 50, 30, 0)),
        pass_rule=rng.choice(
            [Decision.PassRule.MORE_AGREE_NO_BLOCK] * 4
            + [Decision.PassRule.MORE_AGREE, Decision.PassRule.TWO_THIRDS_NO_BLOCK]
        ),
        is_anonymous=is_anonymous,
        created_at=created,
        updated_at=created,
    )
    if not is_open:
        decision.status = Decision.Status.CLOSED
        decision.closed_at = closes
        if not is_anonymous and rng.random() < 0.04:
            decision.closed_at = created + (closes - created) * rng.uniform(0.3, 0.9)
            decision.closed_by = rng.choice(place.facilitators).user
            decision.close_reason = "We agreed at the meeting that everyone had had their say."
        decision.updated_at = decision.closed_at
    item = _Planned(place=place, decision=decision)
    if kind == Decision.Kind.CHOICE:
        texts = rng.sample(OPTION_TEXTS, rng.randint(2, 4))
        item.options = [
            Option(decision=decision, position=position, text=text)
            for position, text in enumerate(texts)
        ]
    return item


def _votes(rng, planned: list[_Planned], busy: _Planned, total: int) -> None:
    """``total`` votes: the busy decision's first, then the rest spread by
    weight over every decision but the vote decision (more on the smaller
    projects' decisions, fewer on open ones), each at most one a member."""
    busy_votes = min(BUSY_SIZE, total // 2, len(busy.place.members))
    capacity = {id(item): len(item.place.members) for item in planned}
    counts = Counter({id(busy): busy_votes})
    others = planned[2:]
    weights = [
        rng.lognormvariate(0, 0.8)
        * (1 if item.place.big else 4)
        * (0.5 if item.decision.is_open else 1)
        for item in others
    ]
    left = total - busy_votes
    if left > sum(capacity[id(item)] for item in others):
        raise ValueError(f"{total:,} votes do not fit: at most one per member and decision")
    while left:
        for item in rng.choices(others, weights, k=left):
            if counts[id(item)] < capacity[id(item)]:
                counts[id(item)] += 1
                left -= 1
    for item in planned:
        wanted = counts[id(item)]
        if wanted:
            item.votes = [
                _vote(rng, item, member) for member in rng.sample(item.place.members, wanted)
            ]
        item.comment_weight = 1 + 0.3 * wanted


def _vote(rng, item: _Planned, member: Membership) -> Vote:
    """One member's vote, cast while the decision was open."""
    decision = item.decision
    cast = decision.created_at + (item.ends - decision.created_at) * rng.random()
    vote = Vote(decision=decision, member=member, cast_at=cast, updated_at=cast)
    roll = rng.random()
    if decision.kind == Decision.Kind.CHOICE:
        if roll < 0.08:
            vote.choice = Vote.Choice.ABSTAIN
        else:
            vote.choice = Vote.Choice.OPTION
            # The first options are the more popular, so some choices tie.
            vote.option = rng.choices(item.options, [4, 3, 2, 2][: len(item.options)])[0]
    elif roll < 0.01:
        vote.choice = Vote.Choice.BLOCK
        vote.reason = rng.choice(BLOCK_REASONS)
    else:
        vote.choice = rng.choices(
            [Vote.Choice.AGREE, Vote.Choice.DISAGREE, Vote.Choice.ABSTAIN], [55, 30, 12]
        )[0]
    if not vote.reason and rng.random() < 0.25:
        vote.reason = rng.choice(REASONS)
    others = [f for f in item.place.facilitators if f.user_id != member.user_id]
    if others and rng.random() < 0.05:
        vote.channel = rng.choice([Vote.Channel.MEETING, Vote.Channel.PHONE, Vote.Channel.PAPER])
        vote.recorded_by = rng.choice(others).user
    if rng.random() < 0.02:
        vote.assisted = True
        vote.supporter = rng.choice(["My carer", "An advocate from Voiceability", "My sister"])
    return vote


class _Eligible(NamedTuple):
    """What the tally reads of each member who could vote: the same as a
    Membership's pk and label, read many times faster."""

    pk: int
    label: str


def _count_closed(planned: list[_Planned]) -> list[_Planned]:
    """Count every closed decision's votes as ``decision_close`` does, with
    the same function, and store the result (one UPDATE per batch). Who
    could vote is everyone in the project (nobody joined late or left)."""
    eligible = {}
    closed = []
    for item in planned:
        decision = item.decision
        if decision.is_open:
            continue
        place = item.place
        if id(place) not in eligible:
            eligible[id(place)] = [_Eligible(m.pk, m.label) for m in place.members]
        tally, result, chosen = kind_for(decision).tally(
            decision, item.votes, eligible[id(place)], item.options
        )
        decision.result = result
        decision.quorum_met = tally["quorum_met"]
        decision.chosen_option = chosen
        decision.tally = tally
        closed.append(item)
    _save_counts([item.decision for item in closed])
    return closed


def _save_counts(decisions: list[Decision]) -> None:
    """Write the counted fields of these saved decisions: one UPDATE each,
    sent together (executemany), many times faster than bulk_update's
    CASE ... WHEN for thousands of rows."""
    fields = [Decision._meta.get_field(name) for name in COUNTED_FIELDS]
    table = connection.ops.quote_name(Decision._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    rows = [
        [f.get_db_prep_save(getattr(d, f.attname), connection) for f in fields] + [d.pk]
        for d in decisions
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)  # noqa: S608


# --- comments, outcomes, the ladder and activity --------------------------------


def _comments(rng, planned: list[_Planned], busy: _Planned, total: int) -> int:
    """``total`` comments: the busy decision's first, the rest spread over
    the others by how many voted."""
    busy_comments = min(BUSY_SIZE, total // 2)
    others = planned[1:]
    picks = Counter(
        id(item)
        for item in rng.choices(
            others, [item.comment_weight for item in others], k=total - busy_comments
        )
    )
    picks[id(busy)] = busy_comments
    rows = []
    for item in planned:
        decision = item.decision
        for number in range(picks[id(item)]):
            created = decision.created_at + (item.ends - decision.created_at) * rng.random()
            comment = Comment(
                decision=decision,
                author=rng.choice(item.place.members),
                body=rng.choice(COMMENTS),
                created_at=created,
            )
            if rng.random() < 0.02:
                comment.edited_at = created + timedelta(minutes=rng.randint(1, 14))
            hide = (number % 250 == 10) if item is busy else rng.random() < HIDDEN_SHARE
            if hide:
                comment.hidden_at = min(created + timedelta(hours=2), item.ends)
                comment.hidden_by = rng.choice(item.place.facilitators).user
                comment.hidden_reason = rng.choice(HIDE_REASONS)
            rows.append(comment)
    Comment.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _outcomes(rng, closed: list[_Planned], now: datetime) -> list[Outcome]:
    """Outcomes for about half the passed or chosen decisions, and a few
    others, written by the proposer or a facilitator after closing."""
    outcomes = []
    for item in closed:
        decision = item.decision
        decided = decision.result in (Decision.Result.PASSED, Decision.Result.CHOSEN)
        if rng.random() >= (0.5 if decided else 0.05):
            continue
        written = min(decision.closed_at + timedelta(hours=rng.randint(2, 120)), now)
        writer = rng.choice([decision.proposer, *item.place.facilitators]).user
        outcomes.append(
            Outcome(
                decision=decision,
                statement="We will do this from next month, and look again after three months.",
                who="The day centre manager, with two members of the project.",
                by_when=(written + timedelta(days=rng.randint(14, 90))).date(),
                easy_words="We will do this.\nWe start next month." if rng.random() < 0.5 else "",
                written_by=writer,
                created_at=written,
                updated_at=written,
            )
        )
    Outcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
    return outcomes


def _ladder_answers(rng, places: list[_Place]) -> int:
    """Answers at every started stage, given while it was current, each with
    its member's label: professionals tend to see a rung higher."""
    rows = []
    for index, place in enumerate(places):
        for stage in place.stages:
            if stage.started_at is None:
                continue
            wanted = rng.randint(200, 400) if index == 0 else rng.randint(15, 45)
            ends = stage.ended_at or timezone.now()
            for member in rng.sample(place.members, min(wanted, len(place.members))):
                # Answered while the stage was current, once they had joined.
                begins = max(stage.started_at, member.joined_at)
                if begins >= ends:
                    continue
                base = 5 if member.label == Membership.Label.PROFESSIONAL else 4
                rung = min(Rung.CO_PRODUCTION, max(Rung.COERCION, base + rng.randint(-2, 2)))
                rows.append(
                    LadderAnswer(
                        stage=stage,
                        membership=member,
                        rung=rung,
                        label=member.label,
                        comment=rng.choice(LADDER_COMMENTS) if rng.random() < 0.1 else "",
                        answered_at=begins + (ends - begins) * rng.random(),
                    )
                )
    LadderAnswer.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _activity(places: list[_Place], planned: list[_Planned], outcomes) -> int:
    """The lines the services would have recorded, with their times."""
    rows = []
    for place in places:
        project, url = place.project, place.project.get_absolute_url()
        starter = place.facilitators[0].user
        rows.append(
            Activity(
                project=project,
                actor=starter,
                summary=f"{starter} started the project “{project.name}”",
                url=url,
                created_at=place.started,
            )
        )
        rows.extend(
            Activity(
                project=project,
                actor=member.user,
                summary=f"{member.user} joined the project",
                url=url,
                created_at=member.joined_at,
            )
            for member in place.members
        )
        rows.extend(
            Activity(
                project=project,
                actor=stage.started_by,
                summary=f"{stage.started_by} moved the project to the stage “{stage.name}”",
                url=stage.get_absolute_url(),
                created_at=stage.started_at,
            )
            for stage in place.stages[1:]
            if stage.started_at
        )
    for item in planned:
        decision = item.decision
        url = decision.get_absolute_url()
        proposer = decision.proposer.user
        rows.append(
            Activity(
                project=decision.project,
                actor=proposer,
                summary=f"{proposer} proposed “{decision.title}”"[:300],
                url=url,
                created_at=decision.created_at,
            )
        )
        if not decision.is_open:
            rows.append(
                Activity(
                    project=decision.project,
                    actor=decision.closed_by,
                    summary=f"“{decision.title}” closed: {decision.get_result_display()}"[:300],
                    url=url,
                    created_at=decision.closed_at,
                )
            )
    for outcome in outcomes:
        decision = outcome.decision
        rows.append(
            Activity(
                project=decision.project,
                actor=outcome.written_by,
                summary=f"{outcome.written_by} wrote the outcome of “{decision.title}”"[:300],
                url=decision.get_absolute_url(),
                created_at=outcome.created_at,
            )
        )
    Activity.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _counts() -> dict[str, int]:
    """What the database holds now, counted."""
    return {
        "members": User.objects.filter(memberships__isnull=False).distinct().count(),
        "memberships": Membership.objects.count(),
        "projects": Project.objects.count(),
        "stages": Stage.objects.count(),
        "decisions": Decision.objects.count(),
        "open_decisions": Decision.objects.open().count(),
        "options": Option.objects.count(),
        "votes": Vote.objects.count(),
        "comments": Comment.objects.count(),
        "hidden_comments": Comment.objects.filter(hidden_at__isnull=False).count(),
        "outcomes": Outcome.objects.count(),
        "ladder_answers": LadderAnswer.objects.count(),
        "activities": Activity.objects.count(),
    }
