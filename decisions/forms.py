"""Forms for decisions. They check the input only; the rules (who may, when,
how many options) live in decisions/services.py, and the views put the
services' messages back on these forms with
``coproduce.forms.form_errors_from``."""

import zoneinfo
from datetime import UTC, date, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from coproduce.forms import (
    DateField,
    LineField,
    ParagraphsField,
    RadioSelectWithHints,
    TimeField,
    form_errors_from,
)
from decisions.kinds import KINDS, kind_for
from decisions.models import Decision, Option, Vote
from decisions.services import COMMENT_MAX_LENGTH, MAX_NOTICE, MAX_OPTIONS, ON_BEHALF_CHANNELS

OPTION_FIELDS = [f"option_{number}" for number in range(1, MAX_OPTIONS + 1)]
# Option boxes shown at first; the rest are behind "Write more options".
FIRST_OPTIONS = 4
# The longest texts a form takes (the database has no limit on these).
LONG_TEXT = 10_000
MEDIUM_TEXT = 5_000
SHORT_TEXT = 2_000


def closing_moment(on: date, at: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """The moment a vote closes, from a date and a time in the project's
    place. Refused in plain words when that time does not happen there that
    day (clocks go forward) or happens twice (clocks go back), or when it is
    further ahead than a vote may run (MAX_NOTICE)."""
    if on > datetime.now(tz).date() + MAX_NOTICE:
        raise ValidationError(
            f"The closing date must be within {MAX_NOTICE.days // 365} years from today",
            code="too_far",
        )
    place = str(tz).rsplit("/", 1)[-1].replace("_", " ")
    naive = datetime.combine(on, at)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back_again = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back_again != naive:
            raise ValidationError(
                f"The clocks go forward then in {place}, so that time does not happen "
                "on that day. Choose a time at least an hour later or earlier",
                code="clock_change",
            )
        raise ValidationError(
            f"The clocks go back then in {place}, so that time happens twice on that day. "
            "Choose a time at least an hour later or earlier",
            code="clock_change",
        )
    return first


def _textarea(rows=5):
    return forms.Textarea(attrs={"rows": rows})


def _long_text(label, *, max_length, rows=5, required=True, required_message="", **kwargs):
    """A textarea with a limit and plain messages for both."""
    messages = {"max_length": f"This must be {max_length:,} characters or fewer"}
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=_textarea(rows),
        error_messages=messages,
        **kwargs,
    )


# --- proposing and editing ----------------------------------------------------


ANONYMITY_CHOICES = [
    ("named", "Show who voted and how"),
    ("anonymous", "Anonymous: show who voted, but not how"),
]


class DecisionWordsForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="A short name for the decision, for example: Open the day centre until 6pm.",
        error_messages={
            "required": "Enter a title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    description = _long_text(
        "What is the proposal?",
        max_length=LONG_TEXT,
        rows=6,
        help_text="Say what would change and why, in plain language.",
        required_message="Say what the proposal is",
    )
    easy_words = _long_text(
        "The decision in easy words",
        max_length=MEDIUM_TEXT,
        rows=4,
        required=False,
        help_text=(
            "Please write it if you can. Easy words help people with a learning disability, "
            "people who read English as a second language, and anyone who wants the short "
            "version. Use short sentences, with one idea on each line. For example: "
            "We want the day centre to stay open until 6pm."
        ),
    )

    def add_option_fields(self, initial_texts=()):
        initial_texts = list(initial_texts)
        for index, name in enumerate(OPTION_FIELDS):
            self.fields[name] = forms.CharField(
                label=f"Option {index + 1}",
                required=False,
                max_length=Option._meta.get_field("text").max_length,
                initial=initial_texts[index] if index < len(initial_texts) else "",
                error_messages={"max_length": "Each option must be 200 characters or fewer"},
            )

    @property
    def option_fields(self):
        return [self[name] for name in OPTION_FIELDS if name in self.fields]

    @property
    def first_option_fields(self):
        return self.option_fields[:FIRST_OPTIONS]

    @property
    def more_option_fields(self):
        return self.option_fields[FIRST_OPTIONS:]

    @property
    def more_options_used(self):
        """Whether the boxes after the first few hold words or errors (then
        they are shown open)."""
        return any(field.value() or field.errors for field in self.more_option_fields)

    def option_texts(self):
        return [self.cleaned_data.get(name, "") for name in OPTION_FIELDS]


class DecisionKindForm(forms.Form):
    """The first step of proposing a decision: its kind, which decides the
    questions of the second step (DecisionProposeForm)."""

    kind = forms.ChoiceField(
        label="What kind of decision is it?",
        choices=Decision.Kind.choices,
        widget=RadioSelectWithHints(hints={key: kind.explanation for key, kind in KINDS.items()}),
        error_messages={
            "required": "Choose the kind of decision",
            "invalid_choice": "Choose the kind of decision",
        },
    )


class DecisionProposeForm(DecisionWordsForm):
    """The second step of proposing a decision: the questions every kind
    asks, and those only its ``kind`` asks (decisions.kinds). The kind itself
    is checked first, by DecisionKindForm. Without a kind, the form has
    every question (to read what was typed before the kind was changed)."""

    closes_on = DateField(
        what="closing date",
        label="Closing date",
        help_text="For example, 27 3 2027",
    )
    closes_time = TimeField(
        label="Closing time",
        help_text="For example, 5pm or 17:30.",
        error_messages={"required": "Enter the closing time"},
    )
    quorum_percent = forms.IntegerField(
        label=(
            "How many must vote (quorum): the share of members who must vote "
            "for the result to count"
        ),
        min_value=0,
        max_value=100,
        initial=50,
        help_text="A percentage. 50 means half of the members.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input--short"}),
        error_messages={
            "required": "Enter the quorum, from 0 to 100",
            "invalid": "The quorum must be a whole number from 0 to 100",
            "min_value": "The quorum must be a whole number from 0 to 100",
            "max_value": "The quorum must be a whole number from 0 to 100",
        },
    )
    pass_rule = forms.ChoiceField(
        label="How does a proposal to agree to or not (consent) pass?",
        choices=Decision.PassRule.choices,
        initial=Decision.PassRule.MORE_AGREE_NO_BLOCK,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the proposal passes",
            "invalid_choice": "Choose how the proposal passes",
        },
    )
    anonymity = forms.ChoiceField(
        label="Show names with votes?",
        choices=ANONYMITY_CHOICES,
        initial="named",
        widget=forms.RadioSelect,
        help_text="You cannot change this after the first vote.",
        error_messages={
            "required": "Choose whether votes show names",
            "invalid_choice": "Choose whether votes show names",
        },
    )

    def __init__(self, *args, timezone_name: str, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.tzinfo = zoneinfo.ZoneInfo(timezone_name)
        place = timezone_name.rsplit("/", 1)[-1].replace("_", " ")  # "New York"
        self.fields["closes_time"].help_text = f"For example, 5pm or 17:30, in {place} time."
        asks = KINDS[kind] if kind else None
        if asks is None or asks.asks_options:
            self.add_option_fields()
        if asks is not None and not asks.asks_pass_rule:
            del self.fields["pass_rule"]
        self.order_fields(["title", "description", "easy_words", *OPTION_FIELDS])

    @property
    def asks_pass_rule(self) -> bool:
        return "pass_rule" in self.fields

    def html_names(self) -> list[str]:
        """The names this form's questions are sent under (a date under
        three: NAME_day, NAME_month, NAME_year)."""
        names = []
        for name, field in self.fields.items():
            html_name = self.add_prefix(name)
            if isinstance(field.widget, forms.MultiWidget):
                names += [html_name + suffix for suffix in field.widget.widgets_names]
            else:
                names.append(html_name)
        return names

    def typed_answers(self, data) -> list[tuple[str, str]]:
        """What ``data`` holds for this form's questions, as (name, value)
        pairs: carried in hidden boxes while the kind is changed."""
        return [(name, value) for name in self.html_names() for value in data.getlist(name)]

    def keep_typed(self, data) -> "DecisionProposeForm":
        """Show, on this form not yet sent, what ``data`` holds for its
        questions (answers typed before the kind was chosen again): they are
        checked only when the form is sent."""
        self.initial = {
            name: field.widget.value_from_datadict(data, {}, self.add_prefix(name))
            for name, field in self.fields.items()
            if not field.widget.value_omitted_from_data(data, {}, self.add_prefix(name))
        }
        return self

    def clean(self):
        cleaned = super().clean()
        closes_on, closes_time = cleaned.get("closes_on"), cleaned.get("closes_time")
        if closes_on and closes_time:
            try:
                cleaned["closes_at"] = closing_moment(closes_on, closes_time, self.tzinfo)
            except ValidationError as error:
                field = "closes_on" if error.code == "too_far" else "closes_time"
                self.add_error(field, error)
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "title": data["title"],
            "description": data["description"],
            "easy_words": data["easy_words"],
            "kind": self.kind,
            "closes_at": data["closes_at"],
            "options": self.option_texts() if self.option_fields else [],
            "quorum_percent": data["quorum_percent"],
            "is_anonymous": data["anonymity"] == "anonymous",
        }
        if self.asks_pass_rule:
            arguments["pass_rule"] = data["pass_rule"]
        return arguments

    SERVICE_FIELDS = {"closes_at": "closes_on", "options": "option_1", "is_anonymous": "anonymity"}


class DecisionEditForm(DecisionWordsForm):
    """The words of a decision; its options and anonymity too, until the
    first vote."""

    anonymity = DecisionProposeForm.base_fields["anonymity"]

    def __init__(self, *args, decision: Decision, options, has_votes: bool, **kwargs):
        initial = {
            "title": decision.title,
            "description": decision.description,
            "easy_words": decision.easy_words,
            "anonymity": "anonymous" if decision.is_anonymous else "named",
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.can_change_rules = not has_votes
        if has_votes:
            del self.fields["anonymity"]
        elif decision.kind == Decision.Kind.CHOICE:
            self.add_option_fields([option.text for option in options])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "title": data["title"],
            "description": data["description"],
            "easy_words": data["easy_words"],
        }
        if self.option_fields:
            arguments["options"] = self.option_texts()
        if "anonymity" in self.fields:
            arguments["is_anonymous"] = data["anonymity"] == "anonymous"
        return arguments

    SERVICE_FIELDS = DecisionProposeForm.SERVICE_FIELDS


# --- voting -------------------------------------------------------------------


class OptionsOf:
    """A decision's options, read from the database (once, in order) only
    when something goes through them."""

    def __init__(self, decision: Decision):
        self.decision = decision
        self._options = None

    def __iter__(self):
        if self._options is None:
            self._options = list(
                Option.objects.filter(decision_id=self.decision.pk).order_by("position")
            )
        return iter(self._options)


class VoteForm(forms.Form):
    """A member's own vote."""

    prefix = "vote"

    choice = forms.ChoiceField(
        label="Your vote",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your vote", "invalid_choice": "Choose your vote"},
    )
    reason = _long_text("Your reason", max_length=SHORT_TEXT, rows=4, required=False)
    assisted = forms.BooleanField(
        label="Someone helped me to vote (a carer, supporter or advocate)",
        required=False,
    )
    supporter = forms.CharField(
        label="Name of the person who helped",
        required=False,
        max_length=100,
        help_text=(
            "Only if someone helped you. Other members see that you had help, "
            "but only facilitators see this name."
        ),
        error_messages={"max_length": "The name must be 100 characters or fewer"},
    )

    def __init__(self, *args, decision: Decision, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        # Without ``options``, the decision's own; they and a queryset are
        # read once, and only by a kind of decision that has options (a
        # consent proposal's form reads none).
        if options is None:
            options = OptionsOf(decision)
        self.options = options if isinstance(options, QuerySet | OptionsOf) else list(options)
        self.kind = kind_for(decision)
        self.fields["choice"].choices = self.kind.vote_choices(decision, self.options)
        # The name box shows only while "Someone helped me" is ticked, with
        # JavaScript (the GOV.UK conditional reveal, static/js/coproduce.js);
        # without it, the box always shows and its hint says when to fill it.
        # (The id is worked out here: a bound field made now would keep the
        # labels that RecordVoteForm changes after.)
        self.fields["supporter"].reveal_when = str(self.auto_id) % self.add_prefix("assisted")
        self.fields["choice"].label = self.kind.question
        self.fields["reason"].help_text = " ".join(
            [
                "You must give a reason if you say no and stop it (block)."
                if decision.kind == Decision.Kind.CONSENT
                else "",
                "Reasons are shown without names when the vote closes."
                if decision.is_anonymous
                else "Everyone can read your reason, with your name.",
            ]
        ).strip()

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("choice")
        if value:
            try:
                cleaned["vote_choice"], cleaned["option"] = self.kind.parse_choice(
                    self.decision, value, self.options
                )
            except ValidationError as error:
                form_errors_from(self, error)
                return cleaned
            if cleaned["vote_choice"] == Vote.Choice.BLOCK and not cleaned.get("reason", ""):
                self.add_error("reason", "Explain why you block: a block needs a reason")
        if cleaned.get("assisted") and not cleaned.get("supporter", "").strip():
            self.add_error("supporter", "Enter the name of the person who helped")
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "choice": data["vote_choice"],
            "option": data["option"],
            "reason": data["reason"],
            "assisted": data["assisted"],
            "supporter": data["supporter"],
        }


class MemberSearchForm(forms.Form):
    """Find the member whose vote a facilitator records, by name (a GET
    form, the first step of recording a vote when a project has many
    members)."""

    find = LineField(
        label="Find the member",
        max_length=100,
        help_text="Type their name, or part of it. For example: Pat.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the member's name, or part of it",
            "max_length": "The name must be 100 characters or fewer",
        },
    )


class RecordVoteForm(VoteForm):
    """A facilitator records a vote a member gave in a meeting, by phone or
    on paper. The member is chosen from a few radio buttons (``choices``:
    all the members when there are few, or those a MemberSearchForm found);
    the member sent is checked against ``members`` (everyone the facilitator
    may record a vote for), whoever was shown."""

    prefix = "behalf"

    member = forms.ModelChoiceField(
        label="Whose vote is it?",
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the member whose vote this is",
            "invalid_choice": "Choose the member whose vote this is",
        },
    )
    channel = forms.ChoiceField(
        label="How did they give their vote?",
        choices=[(str(value), Vote.Channel(value).label) for value in ON_BEHALF_CHANNELS],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the member gave their vote",
            "invalid_choice": "Choose how the member gave their vote",
        },
    )
    field_order = ["member", "channel", "choice", "reason", "assisted", "supporter"]

    def __init__(self, *args, members, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.show_members(choices)
        self.fields["choice"].label = "Their vote"
        self.fields["reason"].label = "Their reason"
        self.fields["reason"].help_text = "Write it in their words." + (
            " Saying no and stopping it (block) needs a reason."
            if self.decision.kind == Decision.Kind.CONSENT
            else ""
        )
        self.fields["assisted"].label = "A supporter helped them (a carer or advocate)"
        self.fields["supporter"].help_text = (
            "Only if a supporter helped. Other members see that they had help, "
            "but only facilitators see this name."
        )

    def show_members(self, choices) -> None:
        """The members to choose from: only these are rendered, never the
        whole queryset."""
        self.fields["member"].widget.choices = [
            (choice.pk, self.member_label(choice)) for choice in choices
        ]

    @staticmethod
    def member_label(member) -> str:
        return (
            f"{member.user} (has voted online)"
            if getattr(member, "voted_online", False)
            else str(member.user)
        )

    def service_arguments(self) -> dict:
        return {
            **super().service_arguments(),
            "member": self.cleaned_data["member"],
            "channel": self.cleaned_data["channel"],
        }


# --- discussion, closing, outcome ---------------------------------------------


class CommentForm(forms.Form):
    prefix = "comment"

    body = ParagraphsField(
        label="Your comment",
        widget=_textarea(4),
        max_length=COMMENT_MAX_LENGTH,
        error_messages={
            "required": "Write your comment",
            "max_length": "Comments must be 5,000 characters or fewer",
        },
    )


class CommentEditForm(CommentForm):
    prefix = None


class CommentHideForm(forms.Form):
    reason = _long_text(
        "Why are you hiding this comment?",
        max_length=SHORT_TEXT,
        rows=3,
        help_text="Members will see this reason where the comment was.",
        required_message="Explain why you are hiding this comment",
    )


class CloseEarlyForm(forms.Form):
    prefix = "close"

    reason = _long_text(
        "Why are you closing the vote early?",
        max_length=SHORT_TEXT,
        rows=3,
        help_text="Members will see this reason with the result.",
        required_message="Explain why you are closing the vote early",
    )


class OutcomeForm(forms.Form):
    prefix = "outcome"

    statement = _long_text(
        "What will happen",
        max_length=LONG_TEXT,
        help_text="You said, we did: what happens now because of this decision.",
        required_message="Say what will happen",
    )
    who = forms.CharField(
        label="Who will do it",
        max_length=200,
        error_messages={
            "required": "Say who will do it",
            "max_length": "This must be 200 characters or fewer",
        },
    )
    by_when = DateField(
        what="date it will be done by",
        label="By when",
        required=False,
        help_text="For example, 27 3 2027",
    )
    easy_words = _long_text(
        "Easy words version",
        max_length=MEDIUM_TEXT,
        rows=4,
        required=False,
        help_text="Short sentences. One idea on each line.",
    )


# --- the decision log ---------------------------------------------------------


class DecisionLogFilterForm(forms.Form):
    """Filter the decision log by stage and result (a GET form)."""

    stage = forms.TypedChoiceField(
        label="Stage",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a stage from the list"},
    )
    result = forms.ChoiceField(
        label="Result",
        required=False,
        choices=[("", "All results"), ("open", "Open for votes"), *Decision.Result.choices],
        error_messages={"invalid_choice": "Choose a result from the list"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[
            ("", "Written or not"),
            ("written", "Outcome written"),
            ("missing", "Closed, outcome not written yet"),
        ],
        error_messages={"invalid_choice": "Choose from the list"},
    )

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", "All stages")] + [
            (stage.pk, stage.name) for stage in stages
        ]

    def filters(self) -> dict:
        """What to show, for decisions.selectors.log_decisions: nothing
        chosen (every decision) until the form is filled in validly."""
        return dict(self.cleaned_data) if self.is_bound and self.is_valid() else {}
