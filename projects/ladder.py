"""The spread of ladder check answers for one stage: counts per rung and the
median, for everyone and split participants vs professionals.

Never who said what: a group is shown only when at least
MIN_ANSWERS_TO_SHOW people in it have answered, so one person's answer cannot
be read off a group of one or two. Participants and professionals together
make up everyone, so when one of them is too small to show, the other is held
back too (otherwise the small group could be worked out by subtraction).
"""

import statistics
from dataclasses import dataclass

from django.db.models import Count

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
class LadderResults:
    everyone: GroupResults
    participants: GroupResults
    professionals: GroupResults

    @property
    def groups(self) -> list[GroupResults]:
        return [self.everyone, self.participants, self.professionals]

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
    """Counts per rung and label for a stage, in one query."""
    rows = (
        LadderAnswer.objects.filter(stage=stage)
        .values("rung", "membership__label")
        .annotate(count=Count("pk"))
        .order_by()
    )
    everyone: dict[int, int] = {}
    by_label: dict[str, dict[int, int]] = {label: {} for label in Membership.Label.values}
    for row in rows:
        rung, label, count = row["rung"], row["membership__label"], row["count"]
        everyone[rung] = everyone.get(rung, 0) + count
        by_label.setdefault(label, {})[rung] = by_label[label].get(rung, 0) + count
    participants = by_label[Membership.Label.PARTICIPANT]
    professionals = by_label[Membership.Label.PROFESSIONAL]
    # Split only when no group with answers is too small to show.
    split = all(_big_enough(counts) or not counts for counts in (participants, professionals))
    return LadderResults(
        everyone=_group("everyone", "Everyone", everyone, shown=_big_enough(everyone)),
        participants=_group("participants", "Participants", participants, shown=split),
        professionals=_group("professionals", "Professionals", professionals, shown=split),
    )
