"""Reads for the managers' dashboard (/manage/): how every project of the
organisations a person manages is going, side by side.

Who sees it: people who manage at least one organisation
(Organisation.objects.managed_by: every organisation for a superuser).

Which projects are in it: every project of the organisations chosen in the
filter (all the person manages, by default), whatever its status: active
projects first, then finished, then archived, each group by name. The page
shows PAGE_SIZE projects at a time, and every section (the projects, who is
taking part, the ladder over time) is about the same projects.

Every figure is counted in the database, for all the projects on a page at
once (values + annotate, Exists, Subquery, Window): the page takes the same
number of queries for 2 projects with 5 members as for 10 with 60 members and
thousands of votes and answers (tests/decisions/test_dashboard.py).

Nothing here says who answered or how anyone voted: votes are only counted
(who took part, never what they chose), and the ladder check follows the
small-group rule of the project pages (projects/ladder.py).

The module ends with what the charts draw (pure arithmetic on the figures)
and the rows of the CSV downloads.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.urls import reverse
from django.utils.text import capfirst

from decisions.models import Comment, Decision, Vote
from participants.models import ReminderLog
from projects.ladder import (
    EVERYONE,
    MIN_ANSWERS_TO_SHOW,
    PARTICIPANTS,
    PROFESSIONALS,
    GroupResults,
    LadderVisibility,
    RungCount,
    ladder_visibility,
    rung_name,
)
from projects.models import LadderAnswer, Membership, Organisation, Project, Rung, Stage

# Projects on one page of the dashboard (and in each section of it).
PAGE_SIZE = 10
# Open decisions listed for each project, soonest closing first; the rest are
# counted ("and 2 more"), one link away in the project's decision log.
OPEN_DECISIONS_SHOWN = 3
# Reminders that gave up in this many days are counted for each project.
FAILED_REMINDER_DAYS = 30

# The balance flag: a project (or one of its stages) is pointed out when
# participants' share of the people who proposed, voted or commented is more
# than BALANCE_GAP_POINTS percentage points below their share of the members
# ("Participants are 60% of members but 30% of voters"). Only judged when at
# least BALANCE_MIN_PEOPLE people did that thing: with fewer, one person more
# or less moves the share by a third or more, which says nothing yet.
BALANCE_GAP_POINTS = 15
BALANCE_MIN_PEOPLE = 3

PARTICIPANT = Membership.Label.PARTICIPANT
PROFESSIONAL = Membership.Label.PROFESSIONAL
STATUS_ORDER = Case(
    When(status=Project.Status.ACTIVE, then=Value(0)),
    When(status=Project.Status.FINISHED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# --- who may see what -----------------------------------------------------------


def dashboard_organisations(user) -> list[Organisation]:
    """The organisations this person manages (every one for a superuser), by
    name, each marked ``viewer_manages`` when they are named its manager (a
    superuser may not be): only then do the project pages open for them."""
    named_manager = Organisation.managers.through.objects.filter(
        organisation=OuterRef("pk"), user=user.pk
    )
    return list(
        Organisation.objects.managed_by(user)
        .annotate(viewer_manages=Exists(named_manager))
        .order_by(Lower("name"), "pk")
    )


def dashboard_projects(organisations: list[Organisation]) -> QuerySet[Project]:
    """Every project of these organisations: active first, then finished,
    then archived, each by name."""
    return (
        Project.objects.filter(organisation__in=[organisation.pk for organisation in organisations])
        .select_related("organisation")
        .annotate(status_order=STATUS_ORDER)
        .order_by("status_order", Lower("name"), "pk")
    )


# --- the figures ----------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """How many of some people are participants."""

    participants: int = 0
    people: int = 0

    @property
    def percent(self) -> float | None:
        return 100 * self.participants / self.people if self.people else None

    @property
    def percent_text(self) -> str:
        return f"{round(self.percent)}%" if self.people else "none"

    @property
    def text(self) -> str:
        """ "3 of 5 (60%)", or "Nobody yet"."""
        if not self.people:
            return "Nobody yet"
        return f"{self.participants} of {self.people} ({self.percent_text})"


ACTIVITIES = [("proposers", "proposed"), ("voters", "voted"), ("commenters", "commented")]


@dataclass(frozen=True)
class Balance:
    """Participants' share of the members, and of the people who proposed a
    decision, voted and commented."""

    members: Share = field(default_factory=Share)
    proposers: Share = field(default_factory=Share)
    voters: Share = field(default_factory=Share)
    commenters: Share = field(default_factory=Share)

    @property
    def rows(self) -> list[tuple[str, Share]]:
        return [
            ("Members", self.members),
            ("Proposers", self.proposers),
            ("Voters", self.voters),
            ("Commenters", self.commenters),
        ]

    @property
    def below(self) -> list[tuple[str, Share]]:
        """The activities where participants' share is more than
        BALANCE_GAP_POINTS below their share of the members."""
        if not self.members.people:
            return []
        found = []
        for name, _verb in ACTIVITIES:
            share = getattr(self, name)
            if (
                share.people >= BALANCE_MIN_PEOPLE
                and self.members.percent - share.percent > BALANCE_GAP_POINTS
            ):
                found.append((name, share))
        return found

    @property
    def flag(self) -> str:
        """ "Participants are 60% of members but 30% of voters." when the
        balance is off, otherwise empty."""
        below = self.below
        if not below:
            return ""
        parts = [f"{share.percent_text} of {name}" for name, share in below]
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"Participants are {self.members.percent_text} of members but {joined}."


@dataclass(frozen=True)
class StageLadder:
    """What may be seen of one stage's ladder check, by the rules of the
    project pages (projects/ladder.py): while answers are open, only how many
    people have answered (from MIN_ANSWERS_TO_SHOW up); once they close, the
    middle answers of the groups big enough to show."""

    visibility: LadderVisibility
    everyone: GroupResults
    participants: GroupResults
    professionals: GroupResults

    @property
    def answers_open(self) -> bool:
        return self.visibility.answers_open

    @property
    def split_shown(self) -> bool:
        return self.participants.shown and self.professionals.shown

    @property
    def answered_text(self) -> str:
        answered = self.visibility.answered
        return f"Fewer than {MIN_ANSWERS_TO_SHOW}" if answered is None else str(answered)

    def words(self, group: GroupResults) -> str:
        """A group's middle answer in words, or why it is not shown."""
        if self.answers_open:
            return "Shown when answers close"
        if group.shown:
            return group.median_text
        if not self.everyone.total or (self.everyone.shown and not group.total):
            return "No answers"
        return "Too few to show"

    @property
    def participants_words(self) -> str:
        return self.words(self.participants)

    @property
    def professionals_words(self) -> str:
        return self.words(self.professionals)

    @property
    def everyone_words(self) -> str:
        return self.words(self.everyone)


@dataclass(frozen=True)
class StageSummary:
    number: int
    stage: Stage
    balance: Balance
    ladder: StageLadder

    @property
    def title(self) -> str:
        return f"Stage {self.number}: {self.stage.name}"


@dataclass(frozen=True)
class OpenDecision:
    decision: Decision
    url: str
    voted: int
    members: int

    @property
    def turnout(self) -> str:
        return f"{self.voted} of {self.members} voted"


@dataclass
class ProjectSummary:
    project: Project
    # The project's page, when the viewer may open it: they are named a
    # manager of its organisation (a superuser who is not uses the admin
    # dashboard instead: admin_url).
    url: str
    admin_url: str
    stage_count: int
    stages: list[StageSummary]  # the stages that have started, in order
    current: StageSummary | None
    days_in_stage: int | None
    participants: int
    professionals: int
    open_decisions: list[OpenDecision]
    open_count: int
    no_quorum: int
    outcomes_waiting: int
    oldest_waiting_days: int | None
    failed_reminders: int
    balance: Balance
    today: date

    @property
    def members(self) -> int:
        return self.participants + self.professionals

    @property
    def more_open(self) -> int:
        return self.open_count - len(self.open_decisions)

    @property
    def end_passed(self) -> bool:
        return bool(self.project.ends_on and self.project.ends_on < self.today)

    @property
    def stage_text(self) -> str:
        if self.current is not None:
            return f"{self.current.number} of {self.stage_count}: {self.current.stage.name}"
        if self.project.status != Project.Status.ACTIVE:
            return self.project.get_status_display()
        if self.stages:
            return f"All {self.stage_count} stages done"
        return "Not started"

    @property
    def days_text(self) -> str:
        return _days(self.days_in_stage) if self.days_in_stage is not None else ""

    @property
    def waiting_text(self) -> str:
        """ "2 waiting, oldest 9 days", or "None"."""
        if not self.outcomes_waiting:
            return "None"
        return f"{self.outcomes_waiting} waiting, oldest {_days(self.oldest_waiting_days)}"

    @property
    def balance_flags(self) -> list[tuple[str, str]]:
        """The balance flags of the whole project (today's members) and of
        its stages: ("stage 2 (Ideas)", "Participants are ...")."""
        flags = [("the whole project", self.balance.flag)] if self.balance.flag else []
        flags += [
            (f"stage {stage.number} ({stage.stage.name})", stage.balance.flag)
            for stage in self.stages
            if stage.balance.flag
        ]
        return flags

    @property
    def ladder_closed_stages(self) -> list[StageSummary]:
        """The stages whose ladder results are shown: answers have closed."""
        return [stage for stage in self.stages if not stage.ladder.answers_open]

    @property
    def balance_chart(self) -> "BalanceChart":
        return balance_chart(self.balance)

    @property
    def ladder_chart(self) -> "LadderChart | None":
        return ladder_chart(self.ladder_closed_stages)


def _days(number: int | None) -> str:
    if number is None:
        return ""
    if number == 0:
        return "today"
    return "1 day" if number == 1 else f"{number} days"


def _local_date(moment: datetime, project: Project) -> date:
    return moment.astimezone(project.tzinfo).date()


def _members_during_stage(label: str, now: datetime) -> Coalesce:
    """How many people with this label were members at some time while the
    stage ran: joined before it ended (or before now) and had not left
    before it started."""
    members = (
        Membership.objects.filter(
            project=OuterRef("project"),
            label=label,
            joined_at__lte=Coalesce(OuterRef("ended_at"), Value(now, output_field=DateTimeField())),
        )
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=OuterRef("started_at")))
        .order_by()
        .values("project")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def _stages(ids: list[int], now: datetime) -> dict[int, list[Stage]]:
    stages = defaultdict(list)
    for stage in (
        Stage.objects.filter(project_id__in=ids)
        .annotate(
            participants_then=_members_during_stage(PARTICIPANT, now),
            professionals_then=_members_during_stage(PROFESSIONAL, now),
        )
        .order_by("project_id", "position", "pk")
    ):
        stages[stage.project_id].append(stage)
    return stages


def _members_and_voices(ids: list[int]) -> dict[int, dict[str, dict]]:
    """For each project and label: today's members, and how many of them have
    proposed, voted and commented (as "whose voices are heard" on the project
    home page, decisions/templatetags/decision_tags.py)."""
    rows = (
        Membership.objects.current()
        .filter(project_id__in=ids)
        .annotate(
            has_proposed=Exists(Decision.objects.filter(proposer=OuterRef("pk"))),
            has_voted=Exists(Vote.objects.filter(member=OuterRef("pk"))),
            has_commented=Exists(Comment.objects.filter(author=OuterRef("pk"))),
        )
        .values("project_id", "label")
        .annotate(
            members=Count("pk"),
            proposed=Count("pk", filter=Q(has_proposed=True)),
            voted=Count("pk", filter=Q(has_voted=True)),
            commented=Count("pk", filter=Q(has_commented=True)),
        )
        .order_by()
    )
    found: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        found[row["project_id"]][row["label"]] = row
    return found


def _project_balance(by_label: dict[str, dict]) -> Balance:
    def share(key: str) -> Share:
        participants = by_label.get(PARTICIPANT, {}).get(key, 0)
        professionals = by_label.get(PROFESSIONAL, {}).get(key, 0)
        return Share(participants, participants + professionals)

    return Balance(
        members=share("members"),
        proposers=share("proposed"),
        voters=share("voted"),
        commenters=share("commented"),
    )


def _people_by_stage(queryset, stage: str, label: str, person: str) -> dict[int, Counter]:
    """How many different people with each label did something, for each
    stage: {stage id: Counter({label: people})}."""
    found: dict[int, Counter] = defaultdict(Counter)
    for row in (
        queryset.values(stage, label).annotate(people=Count(person, distinct=True)).order_by()
    ):
        found[row[stage]][row[label]] = row["people"]
    return found


def _stage_activity(ids: list[int]) -> dict[str, dict[int, Counter]]:
    """Proposers, voters and commenters of each stage's decisions, by label:
    anyone who did it, including people who have left since."""
    return {
        "proposers": _people_by_stage(
            Decision.objects.filter(project_id__in=ids), "stage_id", "proposer__label", "proposer"
        ),
        "voters": _people_by_stage(
            Vote.objects.filter(decision__project_id__in=ids),
            "decision__stage_id",
            "member__label",
            "member",
        ),
        "commenters": _people_by_stage(
            Comment.objects.filter(decision__project_id__in=ids),
            "decision__stage_id",
            "author__label",
            "author",
        ),
    }


def _stage_balance(stage: Stage, activity: dict[str, dict[int, Counter]]) -> Balance:
    def share(counts: Counter) -> Share:
        return Share(counts[PARTICIPANT], counts[PARTICIPANT] + counts[PROFESSIONAL])

    return Balance(
        members=Share(stage.participants_then, stage.participants_then + stage.professionals_then),
        **{name: share(activity[name].get(stage.pk, Counter())) for name, _verb in ACTIVITIES},
    )


def _median(counts: Counter) -> float | None:
    """The median of the answers, from how many chose each rung (the same
    value as statistics.median of the answers themselves)."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(index: int) -> int:
        seen = 0
        for rung, count in ordered:
            seen += count
            if index < seen:
                return rung
        raise IndexError(index)

    if total % 2:
        return nth(total // 2)
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def _group(key: str, title: str, counts: Counter, *, shown: frozenset[str]) -> GroupResults:
    total = sum(counts.values())
    return GroupResults(
        key=key,
        title=title,
        total=total,
        rungs=[
            RungCount(rung=rung, name=rung_name(rung), count=counts.get(rung, 0))
            for rung in Rung.values
        ],
        median=_median(counts),
        shown=key in shown and bool(total),
    )


def stage_ladder(stage: Stage, by_label: dict[str, Counter]) -> StageLadder:
    """What may be seen of one stage's answers, from how many of each label
    chose each rung: projects.ladder's visibility and small-group rule, with
    the answers counted in bulk (the same results as ladder_results, which
    reads one stage at a time). Needs stage.project."""
    participants = by_label.get(PARTICIPANT, Counter())
    professionals = by_label.get(PROFESSIONAL, Counter())
    visibility = ladder_visibility(
        stage,
        participants=sum(participants.values()),
        professionals=sum(professionals.values()),
    )
    shown = visibility.groups if visibility.results_shown else frozenset()
    return StageLadder(
        visibility=visibility,
        everyone=_group(EVERYONE, "Everyone", participants + professionals, shown=shown),
        participants=_group(PARTICIPANTS, "Participants", participants, shown=shown),
        professionals=_group(PROFESSIONALS, "Professionals", professionals, shown=shown),
    )


def _ladder_counts(ids: list[int]) -> dict[int, dict[str, Counter]]:
    """For each stage: how many answers chose each rung, by the label each
    answer was given with. Counts only, never who."""
    found: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for row in (
        LadderAnswer.objects.filter(stage__project_id__in=ids)
        .values("stage_id", "label", "rung")
        .annotate(answers=Count("pk"))
        .order_by()
    ):
        found[row["stage_id"]][row["label"]][row["rung"]] = row["answers"]
    return found


def _open_decisions(ids: list[int]) -> dict[int, list[Decision]]:
    """The first OPEN_DECISIONS_SHOWN open decisions of each project, soonest
    closing first, each with how many of today's members have voted on it
    and how many open decisions its project has in all."""
    votes = (
        Vote.objects.filter(decision=OuterRef("pk"), member__left_at__isnull=True)
        .order_by()
        .values("decision")
        .annotate(count=Count("pk"))
        .values("count")
    )
    found = defaultdict(list)
    for decision in (
        Decision.objects.open()
        .filter(project_id__in=ids)
        .annotate(
            voted=Coalesce(Subquery(votes, output_field=IntegerField()), 0),
            place=Window(
                RowNumber(),
                partition_by=[F("project_id")],
                order_by=[F("closes_at").asc(), F("pk").asc()],
            ),
            open_count=Window(Count("pk"), partition_by=[F("project_id")]),
        )
        .filter(place__lte=OPEN_DECISIONS_SHOWN)
        .only("pk", "public_id", "title", "project_id", "closes_at")
        .order_by("project_id", "closes_at", "pk")
    ):
        found[decision.project_id].append(decision)
    return found


def _closed_decisions(ids: list[int]) -> dict[int, dict]:
    """For each project: decisions closed without enough votes, and closed
    decisions whose outcome nobody has written yet, with the oldest."""
    return {
        row["project_id"]: row
        for row in Decision.objects.closed()
        .filter(project_id__in=ids)
        .values("project_id")
        .annotate(
            no_quorum=Count("pk", filter=Q(result=Decision.Result.NO_QUORUM)),
            waiting=Count("pk", filter=Q(outcome__isnull=True)),
            oldest_waiting=Min("closed_at", filter=Q(outcome__isnull=True)),
        )
        .order_by()
    }


def _failed_reminders(ids: list[int], now: datetime) -> dict[int, int]:
    """Reminders of each project that gave up in the last FAILED_REMINDER_DAYS
    days (when they were last tried; when they were due, if never)."""
    return dict(
        ReminderLog.objects.filter(project_id__in=ids, status=ReminderLog.Status.FAILED)
        .annotate(failed_at=Coalesce("claimed_at", "send_after"))
        .filter(failed_at__gte=now - timedelta(days=FAILED_REMINDER_DAYS))
        .values("project_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("project_id", "count")
    )


def project_summaries(
    projects: list[Project], *, organisations: list[Organisation], now: datetime
) -> list[ProjectSummary]:
    """Everything the dashboard says about these projects, in their order:
    nine queries, however many projects, members, decisions, votes and
    answers there are. ``organisations`` are dashboard_organisations(), for
    the viewer."""
    ids = [project.pk for project in projects]
    if not ids:
        return []
    named_manager = {
        organisation.pk for organisation in organisations if organisation.viewer_manages
    }
    stages = _stages(ids, now)
    voices = _members_and_voices(ids)
    activity = _stage_activity(ids)
    ladder_counts = _ladder_counts(ids)
    open_decisions = _open_decisions(ids)
    closed = _closed_decisions(ids)
    failed = _failed_reminders(ids, now)

    summaries = []
    for project in projects:
        may_open = project.organisation_id in named_manager
        today = now.astimezone(project.tzinfo).date()
        started = []
        for number, stage in enumerate(stages.get(project.pk, []), start=1):
            stage.project = project  # for its address, without a query
            if stage.started_at is None:
                continue
            started.append(
                StageSummary(
                    number=number,
                    stage=stage,
                    balance=_stage_balance(stage, activity),
                    ladder=stage_ladder(stage, ladder_counts.get(stage.pk, {})),
                )
            )
        current = next((summary for summary in started if summary.stage.is_current), None)
        by_label = voices.get(project.pk, {})
        balance = _project_balance(by_label)
        closed_row = closed.get(project.pk, {})
        oldest = closed_row.get("oldest_waiting")
        decisions = open_decisions.get(project.pk, [])
        for decision in decisions:
            decision.project = project
        summaries.append(
            ProjectSummary(
                project=project,
                url=project.get_absolute_url() if may_open else "",
                admin_url=reverse("admin:projects_project_change", args=[project.pk]),
                stage_count=len(stages.get(project.pk, [])),
                stages=started,
                current=current,
                days_in_stage=(
                    (today - _local_date(current.stage.started_at, project)).days
                    if current
                    else None
                ),
                participants=balance.members.participants,
                professionals=balance.members.people - balance.members.participants,
                open_decisions=[
                    OpenDecision(
                        decision=decision,
                        url=decision.get_absolute_url() if may_open else "",
                        voted=decision.voted,
                        members=balance.members.people,
                    )
                    for decision in decisions
                ],
                open_count=decisions[0].open_count if decisions else 0,
                no_quorum=closed_row.get("no_quorum", 0),
                outcomes_waiting=closed_row.get("waiting", 0),
                oldest_waiting_days=(
                    (today - _local_date(oldest, project)).days if oldest else None
                ),
                failed_reminders=failed.get(project.pk, 0),
                balance=balance,
                today=today,
            )
        )
    return summaries


# --- what the charts draw -------------------------------------------------------
# Coordinates in the SVG's own units (its viewBox). The charts are drawn
# narrow, labels above the bars, so that on a phone or at 400% zoom the page
# scales them up rather than down: their words stay about as big as the
# page's. Participants are drawn solid (filled bars, filled circles on a solid
# line), professionals hatched or hollow (hatched bars, hollow squares on a
# dashed line), so no meaning rests on colour, and every chart is followed by
# a table of the same numbers.

CHART_WIDTH = 260


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class BalanceBar:
    label: str
    label_y: str
    y: str
    text_y: str
    participants_width: str
    professionals_x: str
    professionals_width: str
    value: str
    empty: bool
    # Participants' share of the members, marked across this bar to compare
    # with (not on the members' own bar); "" when there is nothing to mark.
    reference_x: str
    reference_top: str
    reference_bottom: str


@dataclass(frozen=True)
class BalanceChart:
    bars: list[BalanceBar]
    height: str
    ticks: list[tuple[str, str, str]]  # (x, anchor, words)
    description: str

    width = CHART_WIDTH
    bar_width = 200
    bar_height = 20
    value_x = 208


def balance_chart(balance: Balance) -> BalanceChart:
    """Four bars: participants' share (solid) and professionals' share
    (hatched) of the members, proposers, voters and commenters, each with
    participants' share of the members marked on it as a dashed line."""
    bar_width, bar_height = BalanceChart.bar_width, BalanceChart.bar_height
    top, row = 22, 50
    reference = ""
    if balance.members.people:
        reference = _number(bar_width * balance.members.percent / 100)
    bars = []
    for index, (label, share) in enumerate(balance.rows):
        y = top + index * row + 20
        filled = bar_width * share.participants / share.people if share.people else 0
        bars.append(
            BalanceBar(
                label=label,
                label_y=str(y - 5),
                y=str(y),
                text_y=str(y + 15),
                participants_width=_number(filled),
                professionals_x=_number(filled),
                professionals_width=_number(bar_width - filled if share.people else 0),
                value=share.percent_text,
                empty=not share.people,
                reference_x=reference if index else "",
                reference_top=str(y - 3),
                reference_bottom=str(y + bar_height + 3),
            )
        )
    described = "; ".join(
        f"{label.lower()}: {share.percent_text if share.people else 'nobody yet'}"
        for label, share in balance.rows
    )
    return BalanceChart(
        bars=bars,
        height=str(top + 4 * row),
        ticks=[
            ("0", "start", "0%"),
            (str(bar_width // 2), "middle", "50%"),
            (str(bar_width), "end", "100%"),
        ],
        description=f"Participants' share of {described}.",
    )


@dataclass(frozen=True)
class LadderPoint:
    x: str
    y: str
    # The hollow square's corner, for professionals.
    corner_x: str
    corner_y: str


@dataclass(frozen=True)
class LadderChart:
    rungs: list[tuple[int, str]]  # (rung, y)
    stages: list[tuple[int, str]]  # (stage number, x)
    participants: list[LadderPoint]
    professionals: list[LadderPoint]
    participant_lines: list[tuple[str, str, str, str]]
    professional_lines: list[tuple[str, str, str, str]]
    description: str

    width = CHART_WIDTH
    height = 228
    plot_left = 30
    plot_right = 256
    rung_x = 20
    axis_y = 204
    axis_title_x = 143
    axis_title_y = 224
    square = 16


def ladder_chart(stages: list[StageSummary]) -> LadderChart | None:
    """The middle answer of participants and of professionals at each stage
    whose results are shown, on the ladder's seven rungs. None when no stage
    shows the two groups apart."""
    if not any(stage.ladder.split_shown for stage in stages):
        return None
    top, row = 30, 25
    left, right = LadderChart.plot_left, LadderChart.plot_right
    step = (right - left) / len(stages)
    half = LadderChart.square / 2

    def y_of(median: float) -> float:
        return top + (7 - median) * row

    def points(key: str) -> list[LadderPoint | None]:
        found = []
        for index, stage in enumerate(stages):
            group = getattr(stage.ladder, key)
            if not group.shown:
                found.append(None)
                continue
            x, y = left + (index + 0.5) * step, y_of(group.median)
            found.append(LadderPoint(_number(x), _number(y), _number(x - half), _number(y - half)))
        return found

    def lines(found: list[LadderPoint | None]) -> list[tuple[str, str, str, str]]:
        """A line between each two stages next to each other that both show
        the group; a stage that does not leaves a gap."""
        return [
            (a.x, a.y, b.x, b.y)
            for a, b in zip(found, found[1:], strict=False)
            if a is not None and b is not None
        ]

    participants, professionals = points("participants"), points("professionals")
    sentences = []
    for stage in stages:
        ladder = stage.ladder
        if ladder.split_shown:
            sentences.append(
                f"Stage {stage.number}: participants step {ladder.participants.median:g},"
                f" professionals step {ladder.professionals.median:g}."
            )
        else:
            sentences.append(f"Stage {stage.number}: too few answers to show the groups apart.")
    return LadderChart(
        rungs=[(rung, _number(y_of(rung))) for rung in range(7, 0, -1)],
        stages=[(stage.number, _number(left + (i + 0.5) * step)) for i, stage in enumerate(stages)],
        participants=[point for point in participants if point],
        professionals=[point for point in professionals if point],
        participant_lines=lines(participants),
        professional_lines=lines(professionals),
        description="Middle answers on the ladder, from step 1 to step 7. " + " ".join(sentences),
    )


# --- the CSV downloads ------------------------------------------------------------

PROJECTS_CSV_HEADER = [
    "Organisation",
    "Project",
    "Status",
    "Stage now",
    "Days in this stage",
    "Planned end",
    "Participants",
    "Professionals",
    "Open decisions",
    "Votes so far on open decisions",
    "Decisions closed without enough votes",
    "Outcomes waiting to be written",
    "Oldest outcome waiting (days)",
    f"Reminders that failed in the last {FAILED_REMINDER_DAYS} days",
    "Balance",
]


def projects_csv_rows(summaries: list[ProjectSummary]):
    for summary in summaries:
        project = summary.project
        turnout = "; ".join(
            f"{item.decision.title}: {item.turnout}" for item in summary.open_decisions
        )
        if summary.more_open:
            turnout += f"; and {summary.more_open} more"
        yield [
            project.organisation.name,
            project.name,
            project.get_status_display(),
            summary.stage_text,
            "" if summary.days_in_stage is None else summary.days_in_stage,
            project.ends_on.isoformat() if project.ends_on else "",
            summary.participants,
            summary.professionals,
            summary.open_count,
            turnout,
            summary.no_quorum,
            summary.outcomes_waiting,
            "" if summary.oldest_waiting_days is None else summary.oldest_waiting_days,
            summary.failed_reminders,
            " ".join(f"{capfirst(where)}: {flag}" for where, flag in summary.balance_flags),
        ]


BALANCE_CSV_HEADER = [
    "Organisation",
    "Project",
    "Stage",
    *[
        f"{name}: {what}"
        for name in ("Members", "Proposers", "Voters", "Commenters")
        for what in ("people", "participants", "participants' share (%)")
    ],
    f"More than {BALANCE_GAP_POINTS} points below participants' share of members",
]


def _balance_cells(balance: Balance) -> list:
    cells = []
    for _label, share in balance.rows:
        percent = share.percent
        cells += [share.people, share.participants, "" if percent is None else round(percent)]
    return [*cells, balance.flag]


def balance_csv_rows(summaries: list[ProjectSummary]):
    for summary in summaries:
        project = summary.project
        yield [
            project.organisation.name,
            project.name,
            "Today's members",
            *_balance_cells(summary.balance),
        ]
        for stage in summary.stages:
            yield [
                project.organisation.name,
                project.name,
                stage.title,
                *_balance_cells(stage.balance),
            ]


LADDER_CSV_HEADER = [
    "Organisation",
    "Project",
    "Stage number",
    "Stage",
    "Answering",
    "Answers",
    "Middle answer: everyone",
    "Middle answer: participants",
    "Middle answer: professionals",
]


def _median_cell(ladder: StageLadder, group: GroupResults):
    return f"{group.median:g}" if group.shown and not ladder.answers_open else ladder.words(group)


def ladder_csv_rows(summaries: list[ProjectSummary]):
    for summary in summaries:
        project = summary.project
        for stage in summary.stages:
            ladder = stage.ladder
            yield [
                project.organisation.name,
                project.name,
                stage.number,
                stage.stage.name,
                "Open" if ladder.answers_open else "Closed",
                ladder.answered_text,
                _median_cell(ladder, ladder.everyone),
                _median_cell(ladder, ladder.participants),
                _median_cell(ladder, ladder.professionals),
            ]
