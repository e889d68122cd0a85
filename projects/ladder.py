"""The spread of ladder check answers for one stage: counts per rung and the
median, for everyone and split participants vs professionals.

Never who said what: a group is shown only when at least
MIN_ANSWERS_TO_SHOW people in it have answered, so one person's answer cannot
be read off a group of one or two. Participants and professionals together
make up everyone, so when one of them is too small to show, the other is held
back too (otherwise the small group could be worked out by subtraction).
Comments are shown without names, rungs or labels, and only when everyone's
answers are shown.
"""

import statistics
from collections import Counter
from dataclasses import dataclass

from projects.models import LadderAnswer, Membership, Rung, Stage

MIN_ANSWERS_TO_SHOW = 3


def rung_name(rung: int) -> str:
    """The short name of a rung, such as "Co-design"."""
    return Rung(rung).label.split(":", 1)[0]


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
    def median_text(self) -> str:
        if self.median is None:
            return "No answers yet"
        if self.median == int(self.median):
            rung = int(self.median)
            return f"Rung {rung}, {rung_name(rung)}"
        low, high = int(self.median), int(self.median) + 1
        return (
            f"Between rung {low}, {rung_name(low)}, and rung {high}, {rung_name(high)}"
            f" ({self.median:g})"
        )


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: how many of a group chose a rung."""

    group: GroupResults
    count: int


@dataclass(frozen=True)
class LadderResults:
    everyone: GroupResults
    participants: GroupResults
    professionals: GroupResults
    # Members' reasons, without names, rungs or labels, in alphabetical order
    # (never the order people answered in).
    comments: list[str]

    @property
    def groups(self) -> list[GroupResults]:
        return [self.everyone, self.participants, self.professionals]

    @property
    def is_split(self) -> bool:
        """Whether participants and professionals are shown apart."""
        return self.participants.shown or self.professionals.shown

    @property
    def chart_rows(self) -> list[tuple[RungCount, list[Bar]]]:
        """One row per rung, with a bar for each group shown: participants
        and professionals side by side when they are shown apart, so the
        difference between them is easy to see; otherwise everyone."""
        if self.is_split:
            groups = [group for group in (self.participants, self.professionals) if group.shown]
        else:
            groups = [self.everyone] if self.everyone.shown else []
        return [
            (rung, [Bar(group=group, count=group.rungs[index].count) for group in groups])
            for index, rung in enumerate(self.everyone.rungs)
        ]

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
        rungs = "half a rung" if abs(gap) == 0.5 else f"{abs(gap):g} rung{'s' * (abs(gap) > 1)}"
        more_or_less = "less" if gap < 0 else "more"
        return (
            f"Participants think the project is {more_or_less} co-produced than professionals do. "
            f"Their middle answers are {rungs} apart."
        )

    @property
    def table_rows(self) -> list[tuple[RungCount, list[int | None]]]:
        """One row per rung: the count for each group, or None where the
        group is too small to show."""
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


def _big_enough(counts: dict[int, int]) -> bool:
    return sum(counts.values()) >= MIN_ANSWERS_TO_SHOW


def _group(key: str, title: str, counts: dict[int, int], *, shown: bool) -> GroupResults:
    answers = [rung for rung, count in sorted(counts.items()) for _ in range(count)]
    return GroupResults(
        key=key,
        title=title,
        total=len(answers),
        rungs=[
            RungCount(rung=rung, name=rung_name(rung), count=counts.get(rung, 0))
            for rung in Rung.values
        ],
        median=statistics.median(answers) if answers else None,
        shown=shown and bool(answers),
    )


def ladder_results(stage: Stage) -> LadderResults:
    """Counts per rung for everyone and for each label, and the comments, in
    one query. Each answer counts under the label it was given with."""
    everyone: Counter[int] = Counter()
    by_label: dict[str, Counter[int]] = {label: Counter() for label in Membership.Label.values}
    comments = []
    for rung, label, comment in LadderAnswer.objects.filter(stage=stage).values_list(
        "rung", "label", "comment"
    ):
        everyone[rung] += 1
        by_label[label][rung] += 1
        if comment:
            comments.append(comment)
    participants = by_label[Membership.Label.PARTICIPANT]
    professionals = by_label[Membership.Label.PROFESSIONAL]
    # Split only when no group with answers is too small to show.
    split = all(_big_enough(counts) or not counts for counts in (participants, professionals))
    everyone_shown = _big_enough(everyone)
    return LadderResults(
        everyone=_group("everyone", "Everyone", everyone, shown=everyone_shown),
        participants=_group("participants", "Participants", participants, shown=split),
        professionals=_group("professionals", "Professionals", professionals, shown=split),
        comments=sorted(comments, key=str.casefold) if everyone_shown else [],
    )
