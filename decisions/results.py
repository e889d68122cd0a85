"""A stored tally (see decisions/kinds.py) in words and rows: for the result
section of the decision page, the decision log and its CSV export; and the
privacy rules that say what the decision page may show of the votes
themselves (``voters_named``, ``reasons_without_names``,
``marks_who_voted_online``). The tally functions read only the decision and
its tally, never the votes, so nothing there can say who voted how."""

import zoneinfo
from dataclasses import dataclass

from coproduce.words import date_and_time_in
from decisions.kinds import ANONYMOUS_MIN_VOTES
from decisions.models import Decision
from projects.models import Membership

# In an anonymous vote, the votes of participants and of professionals are
# shown apart only when each group that voted has at least this many voters:
# if one professional voted, "Professionals: Disagree 1" would say how they
# voted (and the other group's numbers, with the totals, would say it too).
ANONYMOUS_GROUP_MIN = 3
SPLIT_HIDDEN = (
    f"Votes are anonymous and fewer than {ANONYMOUS_GROUP_MIN} people in a group voted, "
    "so the votes of participants and professionals are not shown apart: "
    "that could show how someone voted."
)
# An anonymous decision with fewer than ANONYMOUS_MIN_VOTES votes shows no
# count and no result anywhere (page, log, CSV, email, admin): see kinds.py.
TOO_FEW_TO_SHOW = (
    f"Fewer than {ANONYMOUS_MIN_VOTES} people voted, so the votes are not shown: "
    "that keeps everyone's vote secret."
)
TOO_FEW_RESULT = "Not decided: too few votes to count in secret."
TOO_FEW_LABEL = "Not decided: too few votes"


def votes_hidden(decision: Decision) -> bool:
    """Whether an anonymous decision has too few votes for any count, or its
    result, to be shown (also for a tally stored before this rule)."""
    if not decision.is_anonymous:
        return False
    tally = decision.tally or {}
    return tally.get("votes_hidden", False) or tally.get("voted", 0) < ANONYMOUS_MIN_VOTES


def voters_named(decision: Decision) -> bool:
    """Whether the page may list who voted. An anonymous decision names who
    voted only once it has closed with enough votes to keep each vote
    secret: while it is open, watching the names come in and the counts
    change would show how someone voted."""
    if not decision.is_anonymous:
        return True
    return not decision.is_open and not votes_hidden(decision)


def reasons_without_names(decision: Decision, votes) -> list[tuple[str, str]]:
    """The reasons of an anonymous decision, as (answer, reason) pairs
    without names, once it may name who voted (``voters_named``): in
    alphabetical order, so they cannot be matched to the list of who voted.
    Each vote needs its ``choice_label``. Empty for a named decision (its
    reasons are shown with each vote) and while the votes are secret."""
    if not (decision.is_anonymous and voters_named(decision)):
        return []
    return sorted(
        ((vote.choice_label, vote.reason) for vote in votes if vote.reason),
        key=lambda pair: (pair[0], pair[1].casefold()),
    )


def marks_who_voted_online(decision: Decision) -> bool:
    """Whether a facilitator recording a vote sees which members have voted
    online: never on an anonymous decision, where who has voted is not
    named while it is open."""
    return not decision.is_anonymous


@dataclass(frozen=True)
class Turnout:
    """Who could vote and who did, in all and by label."""

    eligible: int
    voted: int
    eligible_by_label: dict[str, int]
    voted_by_label: dict[str, int]

    @property
    def not_voted(self) -> int:
        return max(self.eligible - self.voted, 0)

    @property
    def by_group(self) -> str:
        """ "1 of 2 participants and 3 of 4 professionals"."""
        return " and ".join(
            f"{self.voted_by_label.get(label, 0)} of {self.eligible_by_label.get(label, 0)} {group}"
            for label, group in GROUP_NAMES.items()
        )


def turnout(
    decision: Decision, *, members_by_label: dict[str, int], voted_by_label: dict[str, int]
) -> Turnout:
    """While the decision is open: the current members and votes given.
    Once it has closed: who could vote and who did as counted then, whoever
    has joined or left since."""
    if not decision.is_open and decision.tally:
        tally = decision.tally
        return Turnout(
            tally["eligible"], tally["voted"], tally["eligible_by_label"], tally["voted_by_label"]
        )
    return Turnout(
        sum(members_by_label.values()),
        sum(voted_by_label.values()),
        members_by_label,
        voted_by_label,
    )


def result_label(decision: Decision) -> str:
    """The result in a few words ("Passed"), or "" while it is open."""
    if not decision.result:
        return ""
    if not decision.is_open and votes_hidden(decision):
        return TOO_FEW_LABEL
    return decision.get_result_display()


GROUP_NAMES = {
    Membership.Label.PARTICIPANT: "participants",
    Membership.Label.PROFESSIONAL: "professionals",
}


def shows_split(decision: Decision) -> bool:
    """Whether the votes of participants and professionals may be shown
    apart (see ANONYMOUS_GROUP_MIN)."""
    if not decision.is_anonymous:
        return True
    voted = (decision.tally or {}).get("voted_by_label", {})
    return all(count == 0 or count >= ANONYMOUS_GROUP_MIN for count in voted.values())


def result_rows(decision: Decision) -> list[dict]:
    """One row per answer: label, total, the split by label and a percentage
    of the votes cast. None when the votes are hidden (``votes_hidden``)."""
    if votes_hidden(decision):
        return []
    tally = decision.tally or {}
    voted = tally.get("voted", 0)
    rows = []
    for row in tally.get("rows", []):
        rows.append(
            {
                **row,
                "percent": round(100 * row["total"] / voted) if voted else 0,
                "is_chosen": row["key"] == f"option-{tally.get('chosen_option')}",
            }
        )
    return rows


def _count(tally: dict, key: str) -> int:
    return tally.get("counts", {}).get(key, 0)


def _people(number: int) -> str:
    return "1 member" if number == 1 else f"{number} members"


def result_summary(decision: Decision) -> str:
    """The result in one or two plain sentences."""
    tz = decision.project.timezone
    if decision.is_open:
        if decision.accepts_votes:
            return f"Open for votes until {date_and_time_in(decision.closes_at, tz)}."
        return "Voting has ended. The votes are being counted."
    tally = decision.tally or {}
    voted, eligible = tally.get("voted", 0), tally.get("eligible", 0)
    turnout = f"{voted} of {eligible} members voted."
    if votes_hidden(decision):
        return f"{TOO_FEW_RESULT} {TOO_FEW_TO_SHOW} {turnout}"
    result = decision.result
    if result == Decision.Result.NO_QUORUM:
        return (
            f"Not enough votes to count: {voted} of {eligible} members voted, "
            f"and at least {tally.get('quorum_needed', 0)} needed to."
        )
    if result == Decision.Result.CHOSEN:
        chosen = next(
            (
                row
                for row in tally.get("rows", [])
                if row["key"] == f"option-{tally.get('chosen_option')}"
            ),
            {"label": str(decision.chosen_option), "total": 0},
        )
        return f"Chosen: “{chosen['label']}”, with {chosen['total']} of {voted} votes. {turnout}"
    if result == Decision.Result.TIED:
        top = max(row["total"] for row in tally.get("rows", []) if row["key"] != "abstain")
        names = " and ".join(
            f"“{row['label']}”"
            for row in tally.get("rows", [])
            if row["key"] != "abstain" and row["total"] == top
        )
        return f"Tied: {names} have {top} votes each, so no option was chosen. {turnout}"
    if decision.kind == Decision.Kind.CHOICE:
        return f"No option was chosen: everyone who voted did not want to choose. {turnout}"
    agree, disagree, block = (
        _count(tally, "agree"),
        _count(tally, "disagree"),
        _count(tally, "block"),
    )
    counts = (
        f"{agree} agreed, {disagree} disagreed and "
        f"{_count(tally, 'abstain')} did not want to choose"
    )
    if result == Decision.Result.BLOCKED:
        return f"Blocked: {_people(block)} said no and stopped it. {counts}. {turnout}"
    blocks = (
        "Nobody said no and stopped it."
        if not block
        else f"{_people(block)} said no and stopped it."
    )
    label = "Passed" if result == Decision.Result.PASSED else "Not passed"
    return f"{label}: {counts}. {blocks} {turnout}"


def voices_summary(decision: Decision) -> list[str]:
    """For each group (participants, professionals), a sentence saying what
    most of those who voted chose, so everyone can see whether both voices
    carried. Empty while the decision is open, or when the split is hidden."""
    tally = decision.tally or {}
    if decision.is_open or not tally or not shows_split(decision) or votes_hidden(decision):
        return []
    sentences = []
    for label, group in GROUP_NAMES.items():
        voted = tally.get("voted_by_label", {}).get(label, 0)
        eligible = tally.get("eligible_by_label", {}).get(label, 0)
        if not voted:
            sentences.append(f"{group.capitalize()}: none of the {eligible} voted.")
            continue
        rows = tally.get("rows", [])
        top = max(row.get(label, 0) for row in rows)
        leaders = [f"“{row['label']}”" for row in rows if row.get(label, 0) == top]
        said = f"{group.capitalize()}: {voted} of {eligible} voted."
        if len(leaders) == 1:
            sentences.append(f"{said} Their top answer was {leaders[0]}, with {top} of {voted}.")
        else:
            sentences.append(f"{said} They were split between {' and '.join(leaders)}.")
    return sentences


CSV_HEADER = [
    "Title",
    "Stage",
    "Kind",
    "Proposed by",
    "Proposed on",
    "Closes or closed on",
    "Status",
    "Result",
    "Result in words",
    "How many must vote (quorum, %)",
    "Enough voted (quorum met)",
    "Members who could vote",
    "Members who voted",
    "Participants who voted",
    "Professionals who voted",
    "Agree",
    "Disagree",
    "Did not want to choose (abstain)",
    "Said no and stopped it (block)",
    "Votes for each option",
    "Votes of participants",
    "Votes of professionals",
    "Votes recorded for a member",
    "Votes with a supporter's help",
    "Outcome: what will happen",
    "Outcome: who will do it",
    "Outcome: by when",
]


def _local(value, tz: str) -> str:
    if value is None:
        return ""
    return value.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def csv_row(decision: Decision, outcome) -> list:
    """One row of the CSV export; ``decision.project`` and ``stage`` should be
    loaded."""
    tz = decision.project.timezone
    tally = decision.tally or {}
    hidden = not decision.is_open and votes_hidden(decision)
    rows = [] if hidden else tally.get("rows", [])
    consent = decision.kind == Decision.Kind.CONSENT
    option_rows = [] if consent else [row for row in rows if row["key"] != "abstain"]

    def split(label):
        if hidden:
            return f"Not shown: anonymous, and fewer than {ANONYMOUS_MIN_VOTES} voted"
        if not shows_split(decision):
            return f"Not shown: anonymous, and fewer than {ANONYMOUS_GROUP_MIN} in a group voted"
        return "; ".join(f"{row['label']}: {row.get(label, 0)}" for row in rows)

    def consent_count(key):
        return _count(tally, key) if consent and tally and not hidden else ""

    return [
        decision.title,
        decision.stage.name,
        decision.get_kind_display(),
        str(decision.proposer.user),
        _local(decision.created_at, tz),
        _local(decision.closed_at or decision.closes_at, tz),
        decision.get_status_display(),
        result_label(decision),
        result_summary(decision),
        decision.quorum_percent,
        {True: "Yes", False: "No"}.get(decision.quorum_met, ""),
        tally.get("eligible", ""),
        tally.get("voted", ""),
        tally.get("voted_by_label", {}).get("participant", ""),
        tally.get("voted_by_label", {}).get("professional", ""),
        consent_count("agree"),
        consent_count("disagree"),
        _count(tally, "abstain") if tally and not hidden else "",
        consent_count("block"),
        "; ".join(f"{row['label']}: {row['total']}" for row in option_rows),
        split("participant"),
        split("professional"),
        tally.get("recorded_on_behalf", ""),
        tally.get("assisted", ""),
        outcome.statement if outcome else "",
        outcome.who if outcome else "",
        outcome.by_when.isoformat() if outcome and outcome.by_when else "",
    ]
