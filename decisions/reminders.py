"""What decisions tell members, and when. decisions.services hands over to
these planners with participants.reminders.planning.plan_after_commit (a
request written with the change, planned as soon as it commits, or by
beat's sweep if the process died first); the sending machinery is
participants.reminders.

These are the events decisions plans reminders for (each a name the
planner below registers):
- DECISION_PROPOSED (decision_id): a new decision to vote on, and the
  closing-soon reminders (at the project's closing_reminder_hours, by default
  48 and 24 hours before it closes) for members who have not voted by then;
- DECISION_CLOSED (decision_id): its result (and outcome when written);
- OUTCOME_WRITTEN (decision_id): the outcome statement exists;
- VOTE_RECORDED (vote_id): a facilitator recorded a member's vote for them
  (given in a meeting, by phone or on paper), so the member can check it and
  change it while the vote is open;
- PROJECT_FINISHED (project_id): the project ended (projects announces it
  with a signal, decisions.apps connects it here): every member learns it,
  with a link to its decisions and what came of them.

Each is idempotent (the reminder log's unique key: planning the same event
again, as the sweep may, adds nothing) and uses a fixed number of queries,
whatever the number of members. The kinds registered below supply
the words of each email (templates/emails/<kind>_*); at send time they also
drop reminders that are not needed any more (the member voted, the decision
closed).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from coproduce.words import day_and_date, relative_day, time_of_day
from decisions.kinds import ANONYMOUS_MIN_VOTES
from decisions.models import Comment, Decision, Outcome, Vote
from decisions.results import TOO_FEW_RESULT, TOO_FEW_TO_SHOW, voters_named, votes_hidden
from participants.mail.links import absolute_url
from participants.models import ReminderLog, User
from participants.reminders.planning import plan_after_commit
from participants.reminders.project_kinds import (
    NO_HELPER,
    facilitators_by_project,
    object_id,
    project_key,
)
from participants.reminders.registry import Message, ReminderKind, planner, register
from participants.reminders.scheduling import cancel, project_recipients, schedule
from projects.models import Project, Stage

# The events decisions hands over (decisions.services), by name.
DECISION_PROPOSED = "decision_proposed"
DECISION_CLOSED = "decision_closed"
OUTCOME_WRITTEN = "outcome_written"
VOTE_RECORDED = "vote_recorded"
PROJECT_FINISHED = "project_finished"


def decision_key(decision_id: int) -> str:
    return f"decision:{decision_id}"


def closing_soon_times(decision: Decision, *, now: datetime) -> list[datetime]:
    """When to remind members who have not voted: the project's
    closing_reminder_hours before closing ([48, 24] unless changed), only
    those still in the future."""
    times = set()
    for hours in decision.project.closing_reminder_hours or []:
        try:
            hours = float(hours)
        except (TypeError, ValueError):
            continue
        moment = decision.closes_at - timedelta(hours=hours)
        if hours > 0 and moment > now:
            times.add(moment)
    return sorted(times)


@planner(DECISION_PROPOSED)
def decision_proposed(decision_id: int) -> None:
    """A decision was proposed: tell every member (but the proposer), and plan
    the closing-soon reminders for those who have not voted."""
    decision = Decision.objects.select_related("project", "proposer").filter(pk=decision_id).first()
    if decision is None or not decision.is_open:
        return
    now = timezone.now()
    members = list(project_recipients(decision.project_id))
    schedule(
        kind="new_decision",
        object_key=decision_key(decision.pk),
        due_at=min(decision.created_at, now),
        recipients=[user for user in members if user.pk != decision.proposer.user_id],
        project=decision.project,
        deadline=decision.closes_at,
        now=now,
    )
    _plan_closing_soon(decision, members, now=now)


def _plan_closing_soon(decision: Decision, members, *, now: datetime) -> None:
    due_times = closing_soon_times(decision, now=now)
    if due_times:
        schedule(
            kind="closing_soon",
            object_key=decision_key(decision.pk),
            due_at=due_times,
            recipients=members,
            project=decision.project,
            deadline=decision.closes_at,
            now=now,
        )


@planner(DECISION_CLOSED)
def decision_closed(decision_id: int) -> None:
    """A decision closed: tell every member its result."""
    decision = Decision.objects.select_related("project").filter(pk=decision_id).first()
    if decision is None or decision.is_open:
        return
    key = decision_key(decision.pk)
    cancel(kind="closing_soon", object_key=key, reason="The vote closed")
    schedule(
        kind="result",
        object_key=key,
        due_at=decision.closed_at,
        recipients=project_recipients(decision.project_id),
        project=decision.project,
    )


@planner(OUTCOME_WRITTEN)
def outcome_written(decision_id: int) -> None:
    """An outcome statement was written for a closed decision."""
    outcome = (
        Outcome.objects.select_related("decision__project").filter(decision_id=decision_id).first()
    )
    if outcome is None:
        return
    decision = outcome.decision
    schedule(
        kind="outcome",
        object_key=decision_key(decision.pk),
        due_at=outcome.created_at,
        recipients=project_recipients(decision.project_id),
        project=decision.project,
    )


@planner(VOTE_RECORDED)
def vote_recorded(vote_id: int) -> None:
    """A facilitator recorded a member's vote for them: tell the member what
    was recorded, by whom and how, and that they can change it."""
    vote = (
        Vote.objects.select_related("decision__project", "member")
        .filter(pk=vote_id, recorded_by__isnull=False)
        .first()
    )
    if vote is None:
        return
    decision = vote.decision
    schedule(
        kind="vote_recorded",
        object_key=f"vote:{vote.pk}",
        due_at=vote.updated_at,
        recipients=project_recipients(decision.project_id).filter(pk=vote.member.user_id),
        project=decision.project,
        deadline=decision.closes_at if decision.is_open else None,
    )


# --- The words -------------------------------------------------------------

# The results that answer the question (a tie, or too few votes, do not).
DECIDED = {
    Decision.Result.PASSED,
    Decision.Result.NOT_PASSED,
    Decision.Result.BLOCKED,
    Decision.Result.CHOSEN,
}

RESULT_WORDS = {
    Decision.Result.PASSED: ("The proposal passed.", "Most people agreed.\nIt will go ahead."),
    Decision.Result.NOT_PASSED: (
        "The proposal did not pass.",
        "Most people did not agree.\nIt will not go ahead.",
    ),
    Decision.Result.BLOCKED: (
        "Someone said no and stopped it (blocked it), so it will not go ahead as it is.",
        "Someone said no and stopped it.\nIt cannot go ahead as it is.",
    ),
    Decision.Result.TIED: (
        "Two or more options got the same number of votes, so none was chosen.",
        "Two or more choices got the same number of votes.",
    ),
    Decision.Result.NO_QUORUM: (
        "Not enough members voted, so there is no result.",
        "Not enough people voted.\nSo we have no answer yet.",
    ),
}


def decision_url(decision: Decision) -> str:
    return absolute_url(decision.get_absolute_url())


def _decisions_for(rows) -> dict[int, Decision]:
    return Decision.objects.select_related("project", "chosen_option").in_bulk(
        {object_id(row) for row in rows}
    )


def _common(decision: Decision, helpers: dict[int, dict], *, now: datetime) -> dict:
    tz = decision.project.tzinfo
    closes = decision.closes_at.astimezone(tz)
    when = relative_day(decision.closes_at, now=now, tz=tz)
    return {
        "deadline_words": (
            f"{time_of_day(closes)} {when}"
            if when in ("today", "tomorrow")
            else day_and_date(closes, now=now)
        ),
        "title": decision.title,
        "easy_words": decision.easy_words,
        "project_name": decision.project.name,
        "url": decision_url(decision),
        "closes_time": time_of_day(closes),
        "closes_date": day_and_date(closes, now=now),
        "closes_when": when,
        **helpers.get(decision.project_id, NO_HELPER),
    }


@register
class NewDecisionReminder(ReminderKind):
    name = "new_decision"
    label = "A new decision to vote on"
    listed = 10
    digest_rank = 20

    def messages(self, rows, *, now):
        decisions = _decisions_for(rows)
        helpers = facilitators_by_project(d.project_id for d in decisions.values())
        by_decision = {}
        for pk, decision in decisions.items():
            if not decision.is_open or decision.closes_at <= now:
                by_decision[pk] = None
                continue
            context = _common(decision, helpers, now=now)
            by_decision[pk] = Message(
                template="new_decision",
                context=context,
                project_name=decision.project.name,
                url=context["url"],
                deadline=decision.closes_at,
            )
        return {row.pk: by_decision.get(object_id(row)) for row in rows}

    def deadline_for(self, object_key: str) -> datetime | None:
        decision = Decision.objects.filter(pk=int(object_key.rsplit(":", 1)[1])).first()
        return decision.closes_at if decision else None


@register
class ClosingSoonReminder(ReminderKind):
    """Sent only to members who have not voted yet, and only while the vote
    is open."""

    name = "closing_soon"
    label = "A vote is closing soon and you have not voted"
    listed = 20
    digest_rank = 10

    def messages(self, rows, *, now):
        decisions = _decisions_for(rows)
        voted = set(
            Vote.objects.filter(
                decision_id__in=decisions.keys(),
                member__user_id__in={row.user_id for row in rows},
            ).values_list("decision_id", "member__user_id")
        )
        helpers = facilitators_by_project(d.project_id for d in decisions.values())
        by_decision = {}
        for pk, decision in decisions.items():
            if not decision.is_open or decision.closes_at <= now:
                continue
            context = _common(decision, helpers, now=now)
            by_decision[pk] = Message(
                template="closing_soon",
                context=context,
                project_name=decision.project.name,
                url=context["url"],
                deadline=decision.closes_at,
            )
        result = {}
        for row in rows:
            decision_id = object_id(row)
            if (decision_id, row.user_id) in voted:
                result[row.pk] = None
            else:
                result[row.pk] = by_decision.get(decision_id)
        return result

    def deadline_for(self, object_key: str) -> datetime | None:
        decision = Decision.objects.filter(pk=int(object_key.rsplit(":", 1)[1])).first()
        return decision.closes_at if decision else None

    def member_joined(self, membership) -> None:
        """A newcomer hears when open votes are about to close, like everyone."""
        now = timezone.now()
        user = project_recipients(membership.project_id).filter(pk=membership.user_id)
        members = list(user)
        if not members:
            return
        for decision in (
            Decision.objects.open()
            .filter(project_id=membership.project_id, closes_at__gt=now)
            .select_related("project")
        ):
            _plan_closing_soon(decision, members, now=now)


def _outcome(decision: Decision) -> Outcome | None:
    try:
        return decision.outcome
    except Outcome.DoesNotExist:
        return None


def _outcome_context(outcome: Outcome | None) -> dict:
    if outcome is None:
        return {"outcome": None}
    by_when = ""
    if outcome.by_when:
        by_when = f"{outcome.by_when:%A} {outcome.by_when.day} {outcome.by_when:%B %Y}"
    return {
        "outcome": outcome,
        "outcome_statement": outcome.statement,
        "outcome_easy_words": outcome.easy_words,
        "outcome_who": outcome.who,
        "outcome_by_when": by_when,
    }


# "You said, we did": at most this many names, then "and N others".
THANKS_NAMES = 20


def thanks(decision: Decision) -> dict:
    """Who to thank in the outcome email ("You said, we did"): the members
    who voted or commented (hidden comments aside), by the name they go by,
    at most THANKS_NAMES of them in name order; those who chose not to be
    thanked by name (User.thank_by_name), former members and any past the
    first THANKS_NAMES are counted in ``others``. Never how anyone voted.
    An anonymous decision whose page does not name who voted
    (decisions.results.voters_named) names nobody and counts nobody: it
    thanks everyone who took part. Two queries, however many took part;
    worked out once for every recipient of the batch."""
    if not voters_named(decision):
        return {
            "thanks_named": False,
            "thanks_names": [],
            "thanks_others": 0,
            "thanks_total": 0,
            "thanks_short": "Thank you to everyone who took part.",
        }
    took_part = User.objects.filter(
        Exists(Vote.objects.filter(decision=decision, member__user=OuterRef("pk")))
        | Exists(
            Comment.objects.filter(
                decision=decision, author__user=OuterRef("pk"), hidden_at__isnull=True
            )
        )
    )
    total = took_part.count()
    names = list(
        took_part.filter(thank_by_name=True, is_active=True)
        .order_by("display_name", "pk")
        .values_list("display_name", flat=True)[:THANKS_NAMES]
    )
    return {
        "thanks_named": True,
        "thanks_names": names,
        "thanks_others": max(total - len(names), 0),
        "thanks_total": total,
        "thanks_short": _thanks_in_one_line(names, total),
    }


# How many names the one line of a digest says, to keep it short.
THANKS_NAMES_IN_A_LINE = 5


def _thanks_in_one_line(names: list[str], total: int) -> str:
    """ "Thank you to Ana, Ben and Chi, and 4 others, who took part.": the
    line of a digest, with at most THANKS_NAMES_IN_A_LINE names."""
    if not total:
        return ""
    named = names[:THANKS_NAMES_IN_A_LINE]
    others = total - len(named)
    if not named:
        return f"Thank you to the {total} {'person' if total == 1 else 'people'} who took part."
    said = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    if others:
        said += f", and {others} {'other' if others == 1 else 'others'},"
    return f"Thank you to {said} who took part."


def _result_context(decision: Decision, helpers, *, now: datetime) -> dict:
    tally = decision.tally if isinstance(decision.tally, dict) else {}
    standard, easy = RESULT_WORDS.get(
        decision.result, ("The vote has closed.", "Voting has stopped.")
    )
    if decision.result == Decision.Result.CHOSEN and decision.chosen_option:
        standard = f"The option chosen is “{decision.chosen_option.text}”."
        easy = f"People chose: {decision.chosen_option.text}."
    if votes_hidden(decision):  # anonymous, and too few voted to say anything
        standard = f"{TOO_FEW_RESULT} {TOO_FEW_TO_SHOW}"
        easy = (
            f"Fewer than {ANONYMOUS_MIN_VOTES} people voted.\n"
            "So we have no answer, and we keep everyone's vote secret."
        )
    closed = (decision.closed_at or now).astimezone(decision.project.tzinfo)
    return {
        **_common(decision, helpers, now=now),
        # Whether there is an answer to tell: the easy-words email says "See
        # what we decided" only then (never over "we have no answer yet").
        "decided": decision.result in DECIDED and not votes_hidden(decision),
        "result_words": standard,
        "easy_result_words": easy,
        "voted": tally.get("voted"),
        "eligible": tally.get("eligible"),
        "closed_date": day_and_date(closed, now=now),
    }


def _closed_decisions(rows) -> tuple[dict[int, Decision], dict[int, str]]:
    decisions = Decision.objects.select_related("project", "chosen_option", "outcome").in_bulk(
        {object_id(row) for row in rows}
    )
    helpers = facilitators_by_project(d.project_id for d in decisions.values())
    return decisions, helpers


@register
class ResultReminder(ReminderKind):
    """The result of a closed decision, with its outcome when it is written."""

    name = "result"
    label = "The result of a decision, and what will happen next"
    listed = 30
    digest_rank = 40

    def messages(self, rows, *, now):
        decisions, helpers = _closed_decisions(rows)
        by_decision = {}
        for pk, decision in decisions.items():
            if decision.is_open:
                continue
            context = _result_context(decision, helpers, now=now)
            outcome = _outcome(decision)
            context.update(_outcome_context(outcome))
            if outcome is not None:
                context.update(thanks(decision))
            # The outcome, when it is written, is part of the result: its own
            # email is not sent to anyone this one reaches (OutcomeReminder).
            by_decision[pk] = Message(
                template="result",
                context=context,
                project_name=decision.project.name,
                url=context["url"],
            )
        return {row.pk: by_decision.get(object_id(row)) for row in rows}


@register
class OutcomeReminder(ReminderKind):
    """What will happen after a decision. Not sent to members whose result
    email, sent after the outcome was written, already said it."""

    name = "outcome"
    label = "What will happen after a decision"
    turned_off_with = "result"
    digest_rank = 45

    def messages(self, rows, *, now):
        decisions, helpers = _closed_decisions(rows)
        outcomes = {pk: _outcome(decision) for pk, decision in decisions.items()}
        # A member whose result email carries the outcome needs no outcome
        # email: their result was sent after the outcome was written, or has
        # not gone yet (it will be built with the outcome in it).
        already_told = set()
        written = [o for o in outcomes.values() if o is not None]
        if written:
            for log in ReminderLog.objects.filter(
                kind="result",
                object_key__in={row.object_key for row in rows},
                user_id__in={row.user_id for row in rows},
                status__in=[
                    ReminderLog.Status.PENDING,
                    ReminderLog.Status.CLAIMED,
                    ReminderLog.Status.SENT,
                ],
            ).only("object_key", "user_id", "sent_at", "status"):
                outcome = outcomes.get(object_id(log))
                if outcome is not None and (
                    log.status != ReminderLog.Status.SENT or log.sent_at >= outcome.created_at
                ):
                    already_told.add((object_id(log), log.user_id))
        by_decision = {}
        for pk, decision in decisions.items():
            outcome = outcomes[pk]
            if outcome is None:
                continue
            context = _result_context(decision, helpers, now=now)
            context.update(_outcome_context(outcome))
            context.update(thanks(decision))
            by_decision[pk] = Message(
                template="outcome",
                context=context,
                project_name=decision.project.name,
                url=context["url"],
            )
        result = {}
        for row in rows:
            decision_id = object_id(row)
            if (decision_id, row.user_id) in already_told:
                result[row.pk] = None
            else:
                result[row.pk] = by_decision.get(decision_id)
        return result


CHANNEL_WORDS = {
    Vote.Channel.MEETING: "in a meeting",
    Vote.Channel.PHONE: "by phone",
    Vote.Channel.PAPER: "on paper",
}


@register
class VoteRecordedReminder(ReminderKind):
    """A facilitator recorded a member's vote for them. Told to the member
    alone (their own vote, even on an anonymous decision), so that a vote
    given in a meeting, by phone or on paper is never counted without them
    knowing what was recorded. Not sent once the member has voted
    themselves since."""

    name = "vote_recorded"
    label = "A facilitator records your vote for you (given in a meeting, by phone or on paper)"
    listed = 50
    digest_rank = 15

    def messages(self, rows, *, now):
        votes = Vote.objects.select_related(
            "decision__project", "option", "recorded_by", "member"
        ).in_bulk({object_id(row) for row in rows})
        helpers = facilitators_by_project(vote.decision.project_id for vote in votes.values())
        by_vote = {}
        for pk, vote in votes.items():
            if vote.recorded_by_id is None:
                continue  # the member has voted themselves since
            decision = vote.decision
            context = _common(decision, helpers, now=now)
            choice = vote.option.text if vote.option_id else Vote.Choice(vote.choice).label
            recorder = vote.recorded_by.display_name
            context.update(
                {
                    "recorder_name": recorder,
                    "channel_words": CHANNEL_WORDS.get(vote.channel, ""),
                    "choice_words": choice,
                    "reason": vote.reason,
                    "supporter": vote.supporter if vote.assisted else "",
                    "is_open": decision.is_open and decision.closes_at > now,
                }
            )
            by_vote[pk] = Message(
                template="vote_recorded",
                context=context,
                project_name=decision.project.name,
                url=context["url"],
                deadline=decision.closes_at if context["is_open"] else None,
            )
        return {row.pk: by_vote.get(object_id(row)) for row in rows}


@planner(PROJECT_FINISHED)
def project_finished(project_id: int, actor_id: int | None = None) -> int:
    """The project has ended: tell every member (but whoever ended it), with
    a link to its decisions and what came of them. Anything still waiting
    about where the project was is dropped."""
    project = Project.objects.filter(pk=project_id, status=Project.Status.FINISHED).first()
    if project is None:
        return 0
    ended = Stage.objects.filter(project=project).aggregate(at=Max("ended_at"))["at"]
    key = project_key(project.pk)
    cancel(kind="stage", object_key=key, reason="The project has finished")
    return schedule(
        kind=ProjectFinishedReminder.name,
        object_key=key,
        due_at=ended or project.created_at,
        recipients=project_recipients(project.pk).exclude(pk=actor_id),
        project=project,
    )


@register
class ProjectFinishedReminder(ReminderKind):
    """The project has ended: what it decided, and where to read it all.
    Not sent if the project has been started again or archived since."""

    name = "project_finished"
    label = "The project has finished"
    digest_rank = 55
    listed = 45

    def messages(self, rows, *, now):
        projects = Project.objects.in_bulk({object_id(row) for row in rows})
        counts = {
            row["project_id"]: row
            for row in Decision.objects.filter(project_id__in=projects.keys())
            .values("project_id")
            .annotate(
                decided=Count("pk", filter=Q(closed_at__isnull=False)),
                with_outcome=Count("outcome", filter=Q(closed_at__isnull=False)),
            )
        }
        helpers = facilitators_by_project(projects.keys())
        by_project = {}
        for pk, project in projects.items():
            if project.status != Project.Status.FINISHED:
                continue
            count = counts.get(pk, {})
            url = absolute_url(reverse("decisions:log", kwargs={"slug": project.slug}))
            by_project[pk] = Message(
                template="project_finished",
                context={
                    "project_name": project.name,
                    "url": url,
                    "project_url": absolute_url(project.get_absolute_url()),
                    "decided": count.get("decided", 0),
                    "with_outcome": count.get("with_outcome", 0),
                    **helpers.get(pk, NO_HELPER),
                },
                project_name=project.name,
                url=url,
            )
        return {row.pk: by_project.get(object_id(row)) for row in rows}


def on_project_finished(sender, *, project_id: int, actor_id: int | None = None, **kwargs):
    """projects.signals.project_finished, heard inside the transaction that
    ends the project (connected in DecisionsConfig.ready)."""
    plan_after_commit(PROJECT_FINISHED, project_id, actor_id)
