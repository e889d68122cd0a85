"""The ladder check: what may be seen of a stage's answers, and when, and the
results themselves (counts per rung and medians, for everyone and split
participants against professionals).

Answers are anonymous, and must stay so for a reader who looks at a page
again and again and compares. The rule, for everyone who can see the project
(members, facilitators and the organisation's project managers alike):

1. While answers are open (the stage is the project's current one and the
   project is active), no result of the stage is shown: no counts per rung,
   no medians, no count per group, no comments. Otherwise a page read before
   and after one person answered would show what they said. Only the total
   number of people who have answered is shown, and only once it is at least
   MIN_ANSWERS_TO_SHOW ("Fewer than 3" until then, from the very first
   answer). The total goes up by one when someone answers: that tells a
   watcher that somebody answered, never which group they are in or what they
   said, so it is safe. A count per group is not: with one participant, "1 of
   1 participant" says that she answered, and together with any figure that
   moves, what.
2. When answers close (the project moves on, finishes or is archived), the
   results appear, for everyone at once, and never change again: there is
   nothing left to compare before and after.
3. Small groups. Figures are shown only for at least MIN_ANSWERS_TO_SHOW
   answers. Participants and professionals together make up everyone, so when
   one of them has answers but too few to show, the other is held back too
   (otherwise the small group could be worked out by taking the other away
   from everyone); only everyone's figures are shown then.
4. Comments are shown with the results and only when everyone's figures are,
   without names, labels, rungs or times, in the order of their words
   (never the order they were written in, which a reader could match with
   who answered when).

ladder_visibility() answers "are this stage's results shown, and which
groups" for any page that shows anything of the ladder check; ladder_results()
gives the results only when they may be shown.

However many people answered, the results cost the same: the answers are
counted in the database (how many of each label chose each rung, at most 14
numbers), the medians are worked out from those counts, and of the comments
only the page shown is read (Comments).
"""

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Collate, Lower

from projects.models import LadderAnswer, Membership, Project, Rung, Stage

MIN_ANSWERS_TO_SHOW = 3

EVERYONE, PARTICIPANTS, PROFESSIONALS = "everyone", "participants", "professionals"


def rung_name(rung: int) -> str:
    """What a step of the ladder means, in plain words with the ladder's
    term after: "We are told what will happen (informing)"."""
    return Rung(rung).label


def step_words(rung: int) -> str:
    """A step with its number and meaning: "step 3, We are told what will
    happen (informing)"."""
    return f"step {rung}, {rung_name(rung)}"


# Who may see what ----------------------------------------------------------


def answers_open(stage: Stage) -> bool:
    """Whether members can still give or change an answer for this stage: it
    is the project's current stage and the project is active. Needs
    stage.project (select it with the stage)."""
    return stage.is_current and stage.project.status == Project.Status.ACTIVE


def results_shown(stage: Stage) -> bool:
    """Whether anyone may see this stage's results: only once its answers
    have closed for good (the stage ended, or the project finished or was
    archived while in it). Never while they are open, for anyone."""
    return not stage.is_future and not answers_open(stage)


def shown_groups(*, participants: int, professionals: int) -> frozenset[str]:
    """The small-group rule: whose figures may be shown once answers have
    closed, given how many answers each group gave. A group with no answers
    is not listed (there is nothing to show), and holds nobody back."""
    if participants + professionals < MIN_ANSWERS_TO_SHOW:
        return frozenset()
    sizes = {PARTICIPANTS: participants, PROFESSIONALS: professionals}
    if any(0 < size < MIN_ANSWERS_TO_SHOW for size in sizes.values()):
        # Showing the other group would give this one away by subtraction.
        return frozenset({EVERYONE})
    return frozenset({EVERYONE} | {key for key, size in sizes.items() if size})


@dataclass(frozen=True)
class LadderVisibility:
    """What anyone may see of one stage's ladder check."""

    # Members can still answer: nothing is shown but the total, if that.
    answers_open: bool
    # The results are shown (answers have closed).
    results_shown: bool
    # Whose figures are shown: EVERYONE, PARTICIPANTS, PROFESSIONALS. Empty
    # while answers are open.
    groups: frozenset[str]
    # How many people have answered, when that number may be shown: while
    # answers are open, only from MIN_ANSWERS_TO_SHOW up; None otherwise.
    answered: int | None

    @property
    def minimum(self) -> int:
        """The fewest answers any figure is shown for."""
        return MIN_ANSWERS_TO_SHOW


def ladder_visibility(stage: Stage, *, participants: int, professionals: int) -> LadderVisibility:
    """Are this stage's results shown, and which groups; and how many answers
    may be mentioned. `participants` and `professionals` are how many answers
    each group gave (with_answer_counts() annotates them, counted by the
    label each answer was given with, as the results count them). Needs
    stage.project."""
    total = participants + professionals
    if answers_open(stage):
        return LadderVisibility(
            answers_open=True,
            results_shown=False,
            groups=frozenset(),
            answered=total if total >= MIN_ANSWERS_TO_SHOW else None,
        )
    if not results_shown(stage):  # not started: nobody can have answered
        return LadderVisibility(
            answers_open=False, results_shown=False, groups=frozenset(), answered=None
        )
    return LadderVisibility(
        answers_open=False,
        results_shown=True,
        groups=shown_groups(participants=participants, professionals=professionals),
        answered=total,
    )


def _answers_of(label: str) -> Subquery:
    """How many ladder answers the stage of the row around it has from this
    label: a COUNT (as a plain function, so with no GROUP BY) of its answers
    found through their stage, one small subquery per stage."""
    answers = LadderAnswer.objects.filter(stage=OuterRef("pk"), label=label).order_by()
    return Subquery(
        answers.annotate(count=Func(F("pk"), function="COUNT")).values("count"),
        output_field=IntegerField(),
    )


def with_answer_counts(stages: QuerySet[Stage]) -> QuerySet[Stage]:
    """Stages with `participant_answers` and `professional_answers`: how many
    ladder answers each group gave, for ladder_visibility(). Every answer
    counts, including those of people who have left since, as in the
    results: so someone leaving changes no number, and says nothing about
    whether they had answered. Counted per stage in a subquery, rather than
    by joining every answer to its stage and grouping: the same numbers in
    under half the time (10,000 answers), and no GROUP BY for other
    annotations to fit."""
    return stages.annotate(
        participant_answers=_answers_of(Membership.Label.PARTICIPANT),
        professional_answers=_answers_of(Membership.Label.PROFESSIONAL),
    )


# The results -----------------------------------------------------------------


@dataclass(frozen=True)
class RungCount:
    rung: int
    name: str
    count: int


@dataclass(frozen=True)
class GroupResults:
    key: str
    title: str
    total: int
    rungs: list[RungCount]
    median: float | None
    shown: bool

    @property
    def too_few(self) -> bool:
        """Answers, but too few to show (held back for this group's sake, not
        for another's)."""
        return 0 < self.total < MIN_ANSWERS_TO_SHOW

    @property
    def median_text(self) -> str:
        if self.median is None:
            return "No answers yet"
        if self.median == int(self.median):
            rung = int(self.median)
            return f"Step {rung}, {rung_name(rung)}"
        low, high = int(self.median), int(self.median) + 1
        return f"Between {step_words(low)}, and {step_words(high)} ({self.median:g})"


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: how many of a group chose a rung."""

    group: GroupResults
    count: int


class Comments(Sequence[str]):
    """Members' reasons for a stage, without names, rungs, labels or times,
    in the order of their words (never the order people answered in): the
    same comments always come in the same order, whoever wrote them and
    whenever. How many there are is known without a query (counted with the
    answers); each slice asked for (a page of them) is one query, reading
    only those comments. Equal to a list of the same comments."""

    def __init__(self, stage: Stage, count: int):
        self._count = count
        # By their words, ignoring case (lower case, compared character by
        # character whatever the database's language settings), then as
        # written; the id only orders comments that are the same.
        binary = "C" if connection.vendor == "postgresql" else "BINARY"
        self._texts = (
            LadderAnswer.objects.filter(stage=stage, comment__gt="")
            .order_by(Collate(Lower("comment"), binary), Collate("comment", binary), "pk")
            .values_list("comment", flat=True)
        )

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self._texts[index]) if self._count else []
        if not 0 <= index < self._count:
            raise IndexError("No such comment")
        return self._texts[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts) if self._count else iter(())

    def __eq__(self, other) -> bool:
        if isinstance(other, Comments | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    # Equal by their contents, which may change: not to be hashed.
    __hash__ = None

    def __repr__(self) -> str:
        return f"<Comments: {self._count}>"


@dataclass(frozen=True)
class LadderResults:
    everyone: GroupResults
    participants: GroupResults
    professionals: GroupResults
    # Members' reasons, without names, rungs, labels or times, in the order
    # of their words (never the order people answered in).
    comments: Comments

    @property
    def groups(self) -> list[GroupResults]:
        return [self.everyone, self.participants, self.professionals]

    @property
    def is_split(self) -> bool:
        """Whether participants and professionals are shown apart."""
        return self.participants.shown or self.professionals.shown

    @property
    def chart_rows(self) -> list[tuple[RungCount, list[Bar]]]:
        """One row per rung, with a bar for each of chart_groups."""
        groups = self.chart_groups
        return [
            (rung, [Bar(group=group, count=group.rungs[index].count) for group in groups])
            for index, rung in enumerate(self.everyone.rungs)
        ]

    @property
    def key_finding(self) -> str:
        """The results in one sentence, said first: the middle answer of
        everyone (and how participants and professionals differ, when they
        are shown apart: difference_text). Empty when nothing is shown."""
        if not self.everyone.shown:
            return ""
        median = self.everyone.median_text
        return f"The middle answer of everyone who answered is {median[0].lower()}{median[1:]}."

    @property
    def chart_groups(self) -> list[GroupResults]:
        """The groups the ladder picture counts and marks the middle answer
        of: participants and professionals when they are shown apart, so the
        difference between them is easy to see; otherwise everyone."""
        if self.is_split:
            return [group for group in (self.participants, self.professionals) if group.shown]
        return [self.everyone] if self.everyone.shown else []

    @property
    def difference_text(self) -> str:
        """How far apart participants' and professionals' middle answers are,
        in words; empty unless both are shown."""
        participants, professionals = self.participants, self.professionals
        if not (participants.shown and professionals.shown):
            return ""
        gap = participants.median - professionals.median
        if gap == 0:
            return "Participants and professionals have the same middle answer."
        rungs = "half a step" if abs(gap) == 0.5 else f"{abs(gap):g} step{'s' * (abs(gap) > 1)}"
        more_or_less = "less" if gap < 0 else "more"
        return (
            f"Participants feel they have {more_or_less} of a say than professionals think. "
            f"Their middle answers are {rungs} apart."
        )

    @property
    def table_rows(self) -> list[tuple[RungCount, list[int | None]]]:
        """One row per rung: the count for each group, or None where the
        group is not shown."""
        return [
            (
                rung,
                [
                    group.rungs[index].count if group.shown or not group.total else None
                    for group in self.groups
                ],
            )
            for index, rung in enumerate(self.everyone.rungs)
        ]


@dataclass(frozen=True)
class LadderStep:
    """One step of the ladder picture (templates/projects/partials/
    ladder_picture.html): its number and meaning, how many of each group
    shown chose it, and what is marked on it, in words ("Your answer",
    "Middle answer of participants"), never by colour alone."""

    number: int
    name: str
    counts: list[Bar]
    marks: list[str]


def ladder_steps(*, own_rung: int | None = None, results: LadderResults | None = None):
    """The seven steps of the ladder picture, the top one (7, an equal say)
    first: with the member's own answer marked, and, once results may be
    shown, how many chose each step and where each group's middle answer
    is (a middle answer between two steps is marked on the upper one, and
    says so). No query."""
    marks: dict[int, list[str]] = {rung: [] for rung in Rung.values}
    if own_rung:
        marks[own_rung].append("Your answer")
    bars = {rung.rung: row for rung, row in results.chart_rows} if results else {}
    for group in results.chart_groups if results else []:
        who = "everyone" if group.key == EVERYONE else group.title.lower()
        high = math.ceil(group.median)
        between = "" if high == group.median else f" (between step {high - 1} and step {high})"
        marks[high].append(f"Middle answer of {who}{between}")
    return [
        LadderStep(number=rung, name=rung_name(rung), counts=bars.get(rung, []), marks=marks[rung])
        for rung in reversed(Rung.values)
    ]


def _median(counts: Counter[int]) -> float | None:
    """The median of the answers that ``counts`` counts by rung, as
    statistics.median gives it for the list of every answer (the middle
    one, or halfway between the two middle ones), without making that list:
    at most 7 steps however many answered."""
    total = counts.total()
    if not total:
        return None
    # Where the middle answers are (from 0) with the answers in rung order:
    # the same place when there is an odd number of them. Rungs start at 1,
    # so 0 is "not found yet".
    first_at, second_at = (total - 1) // 2, total // 2
    first = second = seen = 0
    for rung in sorted(counts):
        seen += counts[rung]
        if not first and first_at < seen:
            first = rung
        if second_at < seen:
            second = rung
            break
    return first if total % 2 else (first + second) / 2


def _group(key: str, title: str, counts: Counter[int], *, shown: bool) -> GroupResults:
    total = counts.total()
    return GroupResults(
        key=key,
        title=title,
        total=total,
        rungs=[
            RungCount(rung=rung, name=rung_name(rung), count=counts.get(rung, 0))
            for rung in Rung.values
        ],
        median=_median(counts),
        shown=shown and bool(total),
    )


def _answer_counts(stage: Stage) -> tuple[dict[str, Counter[int]], int]:
    """How many answers of each label chose each rung, and how many answers
    have a comment: one query, at most 14 rows however many answered."""
    by_label: dict[str, Counter[int]] = {label: Counter() for label in Membership.Label.values}
    commented = 0
    for row in (
        LadderAnswer.objects.filter(stage=stage)
        .values("label", "rung")
        .annotate(answers=Count("pk"), commented=Count("pk", filter=Q(comment__gt="")))
        .order_by()
    ):
        by_label[row["label"]][row["rung"]] += row["answers"]
        commented += row["commented"]
    return by_label, commented


def ladder_results(stage: Stage) -> LadderResults | None:
    """The results of a stage whose answers have closed: counts per rung for
    everyone and for each label (each answer under the label it was given
    with), the medians and the comments, with the small-group rule applied.
    One query for the counts, however many answered; the comments are read
    a page at a time when they are shown (Comments). None while answers are
    open, or before the stage starts: there is nothing anyone may see then."""
    if not results_shown(stage):
        return None
    by_label, commented = _answer_counts(stage)
    participants = by_label[Membership.Label.PARTICIPANT]
    professionals = by_label[Membership.Label.PROFESSIONAL]
    everyone = participants + professionals
    shown = shown_groups(participants=participants.total(), professionals=professionals.total())
    return LadderResults(
        everyone=_group(EVERYONE, "Everyone", everyone, shown=EVERYONE in shown),
        participants=_group(
            PARTICIPANTS, "Participants", participants, shown=PARTICIPANTS in shown
        ),
        professionals=_group(
            PROFESSIONALS, "Professionals", professionals, shown=PROFESSIONALS in shown
        ),
        comments=Comments(stage, commented if EVERYONE in shown else 0),
    )
