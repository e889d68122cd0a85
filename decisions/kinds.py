"""Kinds of decision: how each is voted on and how its votes are counted.

Every kind is one class here, registered under the value it has in
``Decision.Kind``. A kind knows:

- ``vote_choices(decision, options)``: the answers a member can give, as
  ``(value, label)`` pairs for the radios of the vote form;
- ``parse_choice(decision, value, options)``: turns a submitted form value back
  into ``(Vote.choice, Option or None)``;
- ``clean_vote(decision, choice, option, reason)``: refuses a vote that does
  not fit (an answer the kind does not have, an option of another decision, a
  block without a reason), with a message a member understands;
- ``tally(decision, votes, eligible)``: counts the votes once, when the
  decision closes, into the JSON stored on ``Decision.tally``.

Services and views only ever call ``kind_for(decision)`` and these methods, so
they never test ``decision.kind`` themselves.

How to add a kind (for example ranked choice or score)
------------------------------------------------------
1. Add a value to ``Decision.Kind`` and, if its votes are not one answer, a
   value to ``Vote.Choice`` (such as ``"ranked"``); make the migration.
2. If a vote needs more than one mark (a rank or a score for each option),
   add a small model beside ``Vote``, such as ``VoteMark(vote, option, value)``
   with a unique constraint on (vote, option). ``Vote`` stays the one row per
   member per decision, so "one member, one vote" and the concurrency rules
   of ``vote_cast`` hold unchanged.
3. Write a subclass of ``DecisionKind`` below with its own ``vote_choices``
   (or a form of its own), ``clean_vote`` and ``count`` (the rows and the
   result), and decorate it with ``@register``. Give it an ``explanation``
   (the plain line under its name where a member proposing chooses the kind)
   and say which of the propose form's own questions it asks
   (``asks_options``, ``asks_pass_rule``: decisions.forms.DecisionProposeForm
   shows only those). The shared parts of the tally
   (who could vote, who voted, the quorum, the split between participants and
   professionals) come from the base class, so every kind's tally has the same
   shape and the result page, the decision log and the CSV export show it
   without changes.

The shape of a tally (``TALLY_VERSION`` 1)::

    {
      "version": 1, "kind": "consent",
      "eligible": 6, "voted": 5, "not_voted": 1,
      "eligible_by_label": {"participant": 3, "professional": 3},
      "voted_by_label": {"participant": 3, "professional": 2},
      "quorum_percent": 50, "quorum_needed": 3, "quorum_met": true,
      "result": "passed", "chosen_option": null,
      "rows": [{"key": "agree", "label": "Agree", "total": 4,
                "participant": 3, "professional": 1}, ...],
      "counts": {"agree": 4, "disagree": 1, "abstain": 0, "block": 0},
      "by_label": {"participant": {"agree": 3, ...}, "professional": {...}},
      "recorded_on_behalf": 1, "assisted": 0, "votes_hidden": false
    }

Only the votes of people who are members when the decision closes count, and
everyone who is a member then could have voted ("eligible"). Abstaining counts
towards the quorum: the member took part.
"""

import math
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError

from decisions.models import Decision, Option, Vote
from projects.models import Membership

TALLY_VERSION = 1
# An anonymous decision shows no count, and no result, until at least this
# many people voted: with fewer, "Disagree: 1 vote" beside the list of who
# voted says how someone voted. A decision closing with fewer is counted as
# not decided (no quorum), and its tally keeps no counts ("votes_hidden").
ANONYMOUS_MIN_VOTES = 3
LABELS = list(Membership.Label.values)

KINDS: dict[str, "DecisionKind"] = {}


def register(cls):
    """Class decorator: make a kind available under its ``key``."""
    KINDS[cls.key] = cls()
    return cls


def kind_for(decision: Decision) -> "DecisionKind":
    return KINDS[decision.kind]


class DecisionKind:
    key: str = ""
    # The question above the answers of the vote form.
    question: str = "Your vote"
    # What the kind is, in one plain line, under its name where a member
    # proposing a decision chooses the kind.
    explanation: str = ""
    # The questions of the propose form that only this kind asks (the other
    # questions every kind asks): the options to choose from, and the rule
    # by which a proposal passes.
    asks_options: bool = False
    asks_pass_rule: bool = False

    # --- voting -----------------------------------------------------------
    def vote_choices(self, decision: Decision, options: Sequence[Option]) -> list[tuple[str, str]]:
        raise NotImplementedError

    def parse_choice(
        self, decision: Decision, value: str, options: Sequence[Option]
    ) -> tuple[str, Option | None]:
        """The Vote.choice and Option for a value from ``vote_choices``."""
        raise NotImplementedError

    def form_value(self, vote: Vote) -> str:
        """The form value that shows an existing vote (the inverse of
        ``parse_choice``)."""
        return vote.choice

    def clean_vote(
        self, decision: Decision, choice: str, option: Option | None, reason: str
    ) -> None:
        raise NotImplementedError

    # --- counting ---------------------------------------------------------
    def count(
        self, decision: Decision, votes: Sequence[Vote], options: Sequence[Option]
    ) -> tuple[list[dict], str, Option | None]:
        """The rows of the tally, the result (a Decision.Result value, quorum
        aside) and the chosen option, if any."""
        raise NotImplementedError

    def tally(
        self,
        decision: Decision,
        votes: Iterable[Vote],
        eligible: Iterable[Membership],
        options: Sequence[Option] = (),
    ) -> tuple[dict, str, Option | None]:
        """Count the votes. Returns the tally JSON, the result and the chosen
        option. ``votes`` need ``member`` loaded; only votes of ``eligible``
        members count."""
        eligible = list(eligible)
        eligible_ids = {member.pk for member in eligible}
        counted = [vote for vote in votes if vote.member_id in eligible_ids]
        eligible_by_label = dict.fromkeys(LABELS, 0)
        for member in eligible:
            eligible_by_label[member.label] = eligible_by_label.get(member.label, 0) + 1
        voted_by_label = dict.fromkeys(LABELS, 0)
        for vote in counted:
            voted_by_label[vote.member.label] = voted_by_label.get(vote.member.label, 0) + 1

        quorum_needed = math.ceil(len(eligible) * decision.quorum_percent / 100)
        quorum_met = len(counted) >= quorum_needed and (len(counted) > 0 or quorum_needed == 0)

        rows, result, chosen = self.count(decision, counted, options)
        votes_hidden = decision.is_anonymous and len(counted) < ANONYMOUS_MIN_VOTES
        if votes_hidden:
            rows, quorum_met = [], False
        if not quorum_met:
            result, chosen = Decision.Result.NO_QUORUM, None
        tally = {
            "version": TALLY_VERSION,
            "kind": self.key,
            "eligible": len(eligible),
            "voted": len(counted),
            "not_voted": len(eligible) - len(counted),
            "eligible_by_label": eligible_by_label,
            "voted_by_label": voted_by_label,
            "quorum_percent": decision.quorum_percent,
            "quorum_needed": quorum_needed,
            "quorum_met": quorum_met,
            "result": str(result),
            "chosen_option": chosen.pk if chosen else None,
            "rows": rows,
            "counts": {row["key"]: row["total"] for row in rows},
            "by_label": {
                label: {row["key"]: row.get(label, 0) for row in rows} for label in LABELS
            },
            "recorded_on_behalf": sum(1 for vote in counted if vote.recorded_by_id),
            "assisted": sum(1 for vote in counted if vote.assisted),
            "votes_hidden": votes_hidden,
        }
        return tally, result, chosen

    @staticmethod
    def _row(key: str, label: str, votes: Iterable[Vote]) -> dict:
        row = {"key": key, "label": label, "total": 0, **dict.fromkeys(LABELS, 0)}
        for vote in votes:
            row["total"] += 1
            row[vote.member.label] = row.get(vote.member.label, 0) + 1
        return row


@register
class ConsentKind(DecisionKind):
    """A consent proposal: agree, disagree, abstain or block."""

    key = Decision.Kind.CONSENT
    question = "Do you agree with this proposal?"
    explanation = (
        "Members say if they agree with one proposal. Someone with a serious "
        "objection can say no and stop it."
    )
    asks_pass_rule = True
    CHOICES = [
        (Vote.Choice.AGREE, "Agree"),
        (Vote.Choice.DISAGREE, "Disagree"),
        (
            Vote.Choice.ABSTAIN,
            "I do not want to choose (abstain): I will go along with what the others decide",
        ),
        (
            Vote.Choice.BLOCK,
            "Say no and stop it (block): I have a serious objection and I will explain why",
        ),
    ]

    def vote_choices(self, decision, options):
        return [(str(value), label) for value, label in self.CHOICES]

    def parse_choice(self, decision, value, options):
        return value, None

    def clean_vote(self, decision, choice, option, reason):
        if choice not in {value for value, _label in self.CHOICES}:
            raise ValidationError(
                {"choice": "Choose agree, disagree, abstain or block"}, code="invalid_choice"
            )
        if option is not None:
            raise ValidationError(
                {"choice": "This proposal has no options to choose from"}, code="no_options"
            )
        if choice == Vote.Choice.BLOCK and not reason.strip():
            raise ValidationError(
                {"reason": "Explain why you block: a block needs a reason"}, code="block_reason"
            )

    def count(self, decision, votes, options):
        by_choice = {value: [] for value, _label in self.CHOICES}
        for vote in votes:
            by_choice.setdefault(vote.choice, []).append(vote)
        # The answers in the words of the vote form, without its explanations.
        short = {value: Vote.Choice(value).label for value, _label in self.CHOICES}
        rows = [self._row(str(value), short[value], by_choice[value]) for value, _ in self.CHOICES]
        agree, disagree, block = (
            len(by_choice[Vote.Choice.AGREE]),
            len(by_choice[Vote.Choice.DISAGREE]),
            len(by_choice[Vote.Choice.BLOCK]),
        )
        rule = decision.pass_rule
        if rule == Decision.PassRule.MORE_AGREE:
            passed = agree > disagree + block
        elif block:
            return rows, Decision.Result.BLOCKED, None
        elif rule == Decision.PassRule.TWO_THIRDS_NO_BLOCK:
            # Two thirds of those who agreed or disagreed (abstentions aside).
            passed = agree > 0 and 3 * agree >= 2 * (agree + disagree)
        else:
            passed = agree > disagree
        return rows, (Decision.Result.PASSED if passed else Decision.Result.NOT_PASSED), None


@register
class ChoiceKind(DecisionKind):
    """Choose between options: each member picks one option or abstains. The
    option with most votes is chosen; a tie at the top is reported as a tie."""

    key = Decision.Kind.CHOICE
    question = "Which option do you choose?"
    explanation = "You write 2 to 10 options. Each member chooses the one they like best."
    asks_options = True
    ABSTAIN_LABEL = Vote.Choice.ABSTAIN.label

    @staticmethod
    def option_value(option: Option) -> str:
        return f"option-{option.pk}"

    def vote_choices(self, decision, options):
        return [(self.option_value(option), option.text) for option in options] + [
            (str(Vote.Choice.ABSTAIN), self.ABSTAIN_LABEL)
        ]

    def parse_choice(self, decision, value, options):
        if value == Vote.Choice.ABSTAIN:
            return Vote.Choice.ABSTAIN, None
        for option in options:
            if value == self.option_value(option):
                return Vote.Choice.OPTION, option
        raise ValidationError({"choice": "Choose one of the options"}, code="invalid_choice")

    def form_value(self, vote):
        if vote.choice == Vote.Choice.OPTION:
            return f"option-{vote.option_id}"
        return vote.choice

    def clean_vote(self, decision, choice, option, reason):
        if choice == Vote.Choice.ABSTAIN and option is None:
            return
        if choice != Vote.Choice.OPTION or option is None:
            raise ValidationError(
                {"choice": "Choose one of the options, or abstain"}, code="invalid_choice"
            )
        if option.decision_id != decision.pk:
            raise ValidationError(
                {"choice": "That option belongs to another decision. Choose one of these options"},
                code="other_decision",
            )

    def count(self, decision, votes, options):
        by_option = {option.pk: [] for option in options}
        abstained = []
        for vote in votes:
            if vote.choice == Vote.Choice.OPTION:
                by_option.setdefault(vote.option_id, []).append(vote)
            else:
                abstained.append(vote)
        rows = [
            self._row(f"option-{option.pk}", option.text, by_option[option.pk])
            for option in options
        ]
        rows.append(self._row(str(Vote.Choice.ABSTAIN), self.ABSTAIN_LABEL, abstained))
        most = max((len(by_option[option.pk]) for option in options), default=0)
        if most == 0:
            return rows, Decision.Result.NOT_PASSED, None
        leaders = [option for option in options if len(by_option[option.pk]) == most]
        if len(leaders) > 1:
            return rows, Decision.Result.TIED, None
        return rows, Decision.Result.CHOSEN, leaders[0]
