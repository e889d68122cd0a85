"""Forms for time given and claims: they check input only; the services
write. Durations are two plain boxes (hours and minutes); money is typed as
text and read as a Decimal (projects/time_given/money.py), never a float."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from coproduce.forms import DateField, LineField, ParagraphsField
from projects.time_given import money
from projects.time_given.models import MOST_MINUTES, Claim, Contribution, RecognitionPolicy


class DurationInput(forms.MultiWidget):
    """Hours and minutes, two labelled boxes side by side, in a fieldset
    whose legend is the field's label (the date input's template)."""

    template_name = "django/forms/widgets/date_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            {
                "hours": forms.TextInput(attrs={"inputmode": "numeric", "class": "input--month"}),
                "minutes": forms.TextInput(attrs={"inputmode": "numeric", "class": "input--month"}),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, int):
            return [value // 60, value % 60]
        return [None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(
            context["widget"]["subwidgets"], ["Hours", "Minutes"], strict=True
        ):
            subwidget["label"] = label
        return context


class DurationField(forms.MultiValueField):
    """How long, as whole hours and minutes: a number of minutes."""

    widget = DurationInput

    def __init__(self, **kwargs):
        messages = {
            "required": "Enter how long it took, in hours, minutes or both",
            "invalid": "Enter hours and minutes as whole numbers, like 1 and 30",
            "minutes": "Minutes must be a whole number from 0 to 59",
            "zero": "Enter a time longer than 0 minutes",
            "long": "Enter 24 hours or less. For longer, log each day on its own",
        }
        fields = [forms.CharField(required=False) for _ in range(2)]
        kwargs.setdefault("label", "How long did it take?")
        kwargs.setdefault("help_text", "For example, 1 hour and 30 minutes.")
        super().__init__(fields=fields, error_messages=messages, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        hours, minutes = [str(part or "").strip() for part in (data_list or ["", ""])]
        if not hours and not minutes:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if not all(part.isdigit() for part in (hours or "0", minutes or "0")):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        hours, minutes = int(hours or 0), int(minutes or 0)
        if minutes > 59:
            raise ValidationError(self.error_messages["minutes"], code="minutes")
        total = hours * 60 + minutes
        if total == 0:
            raise ValidationError(self.error_messages["zero"], code="zero")
        if total > MOST_MINUTES:
            raise ValidationError(self.error_messages["long"], code="long")
        return total


def _date() -> DateField:
    return DateField(
        what="date",
        label="When was it?",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the date"},
    )


def _note(label: str, help_text: str) -> ParagraphsField:
    return ParagraphsField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the note to 1000 characters or fewer"},
    )


class ContributionForm(forms.Form):
    """A member logs time they gave."""

    kind = forms.ChoiceField(
        label="What did you do?",
        choices=Contribution.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what you did",
            "invalid_choice": "Choose what you did",
        },
    )
    date = _date()
    duration = DurationField()
    note = _note("Anything to add?", "For example, which meeting it was, or what you read.")


class MeetingForm(forms.Form):
    """A facilitator logs a meeting for the members who came. Only the
    members in ``choices`` are shown; the ones sent are checked against
    ``members`` (every current member)."""

    attendees = forms.ModelMultipleChoiceField(
        label="Who came?",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each person will be asked to check the time. It counts once they do.",
        error_messages={
            "required": "Choose who came to the meeting",
            "invalid_choice": "Choose people who are members of this project now",
            "invalid_pk_value": "Choose people who are members of this project now",
        },
    )
    date = _date()
    duration = DurationField(label="How long was the meeting?")
    note = _note("What was the meeting?", "For example, “Planning day at the library”.")

    def __init__(self, *args, members, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
        self.show_members(choices)

    def show_members(self, choices) -> None:
        self.fields["attendees"].widget.choices = [
            (member.pk, member.user.display_name or str(member.user)) for member in choices
        ]


class FindMemberForm(forms.Form):
    """Find members by name (a GET form) when a project has many."""

    find = LineField(
        label="Find people by name",
        max_length=100,
        help_text="Type a name, or part of it. For example: Pat.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter a name, or part of one",
            "max_length": "The name must be 100 characters or fewer",
        },
    )


class CheckForm(forms.Form):
    """A member checks time a facilitator logged for them."""

    was_there = forms.ChoiceField(
        label="Were you there?",
        choices=[
            ("yes", "Yes, and the time below is right (change it if it is not)"),
            ("no", "No, I was not there"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether you were there",
            "invalid_choice": "Say whether you were there",
        },
    )
    duration = DurationField(label="How long were you there?", required=False)
    note = _note("Anything to add?", "Change the note if you want to.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("was_there") == "no":
            self.errors.pop("duration", None)
            self.errors.pop("note", None)
        elif (
            cleaned.get("was_there") == "yes"
            and cleaned.get("duration") is None
            and "duration" not in self.errors
        ):
            self.add_error("duration", "Enter how long you were there, in hours, minutes or both")
        return cleaned


class MoneyField(forms.CharField):
    """An amount typed as text (“12.50”, “£12.50”), read as a Decimal with
    at most the currency's digits after the point."""

    def __init__(self, *, currency: str, what: str, **kwargs):
        self.currency, self.what = currency, what
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > 30:
            raise ValidationError(
                f"Enter the {self.what} as a number, like {money.example(self.currency)}",
                code="invalid",
            )
        return money.parse(text, self.currency, what=self.what)


class PolicyForm(forms.Form):
    """What the project offers for time given."""

    value = forms.ChoiceField(
        label="What does the project offer participants for their time?",
        choices=RecognitionPolicy.Value.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the project offers",
            "invalid_choice": "Choose what the project offers",
        },
    )
    ways = forms.MultipleChoiceField(
        label="How can participants take it?",
        required=False,
        choices=[("payment", "As a payment"), ("voucher", "As a voucher")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose both if people can choose. Not needed if the project offers nothing.",
        error_messages={"invalid_choice": "Choose a payment, a voucher or both"},
    )
    travel_costs = forms.BooleanField(
        label="Travel costs are paid back",
        required=False,
        help_text="Participants type what they spent when they claim.",
    )
    details = _note(
        "Anything participants should know?",
        "For example, which shop the vouchers are for, or who to ask about payments.",
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        rate = MoneyField(
            currency=currency,
            what="amount",
            label=f"How much, in {money.CURRENCIES[currency][2]}?",
            help_text=f"Per hour, or for each activity. For example, {money.example(currency)}.",
            required=False,
        )
        self.fields = {
            "value": self.fields["value"],
            "rate": rate,
            "ways": self.fields["ways"],
            "travel_costs": self.fields["travel_costs"],
            "details": self.fields["details"],
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("value") not in (None, "", RecognitionPolicy.Value.NONE):
            if cleaned.get("rate") is None and "rate" not in self.errors:
                self.add_error("rate", "Enter how much the project offers")
            if not cleaned.get("ways") and "ways" not in self.errors:
                self.add_error("ways", "Choose how participants can take it")
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "value": data["value"],
            "rate": data.get("rate"),
            "as_payment": "payment" in data.get("ways", []),
            "as_voucher": "voucher" in data.get("ways", []),
            "travel_costs": data.get("travel_costs", False),
            "details": data.get("details", ""),
        }


BENEFITS_WARNING = (
    "Payments can affect some benefits. If you get benefits, you can choose a voucher "
    "or say no thanks. Ask your benefits adviser if you are not sure. "
    "Citizens Advice can help too."
)


class ClaimForm(forms.Form):
    """A participant chooses a payment, a voucher or no thanks."""

    how = forms.ChoiceField(
        label="What would you like?",
        widget=forms.RadioSelect,
        help_text=BENEFITS_WARNING,
        error_messages={
            "required": "Choose a payment, a voucher or no thanks",
            "invalid_choice": "Choose one of the ways the project offers",
        },
    )

    def __init__(self, *args, ways: list[str], currency: str, travel_costs: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["how"].choices = [(way, Claim.How(way).label) for way in ways]
        if not any(way == Claim.How.PAYMENT for way in ways):
            self.fields["how"].help_text = ""
        if travel_costs:
            self.fields["travel_costs"] = MoneyField(
                currency=currency,
                what="travel costs",
                label="Travel costs",
                help_text=(
                    f"What you spent on travel for this, in {money.CURRENCIES[currency][2]}. "
                    f"For example, {money.example(currency)}. Keep your tickets or receipts."
                ),
                required=False,
            )

    def service_arguments(self) -> dict:
        travel = self.cleaned_data.get("travel_costs") or Decimal(0)
        return {"how": self.cleaned_data["how"], "travel_costs": travel}


class DecideForm(forms.Form):
    """A facilitator approves a claim, or says why not."""

    decision = forms.ChoiceField(
        label="Do you approve this claim?",
        choices=[("approve", "Yes, approve it"), ("refuse", "No, do not approve it")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether you approve the claim",
            "invalid_choice": "Choose whether you approve the claim",
        },
    )
    reason = ParagraphsField(
        label="Why not?",
        help_text="Only if you do not approve it. The participant will read this.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the reason to 1000 characters or fewer"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason"):
            self.add_error("reason", "Say why the claim is not approved")
        return cleaned


class PaidForm(forms.Form):
    """A manager marks approved claims paid."""

    claims = forms.ModelMultipleChoiceField(
        label="Which claims have been paid?",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose the claims that have been paid",
            "invalid_choice": "Choose claims from the list",
            "invalid_pk_value": "Choose claims from the list",
        },
    )

    def __init__(self, *args, claims, **kwargs):
        super().__init__(*args, **kwargs)
        # The page draws a box on each row of its table of claims.
        self.fields["claims"].queryset = claims
