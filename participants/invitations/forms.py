"""The forms facilitators invite people with: one row for each person, with
the label they join as (InvitationRowsForm), or many addresses pasted at
once, all joining with one label (InvitationForm)."""

from django import forms

from participants.invitations.services import (
    MAX_ADDRESSES,
    address_problems,
    addresses_taken,
    parse_addresses,
)
from projects.models import Membership

FACILITATORS_TOO = "Make them facilitators too (they can invite people and move stages)"
LABEL_HINT = "This is for showing the balance of the project. Everyone has the same say."

# How many rows for people the form shows at first, and how many more each
# press of "Add rows" shows (never more than MAX_ADDRESSES in all).
ROWS_AT_FIRST = 5
ROWS_ADDED = 5


def rows_shown(data) -> int:
    """How many rows the form shows: as many as the page sent had (its hidden
    ``rows``), at least ROWS_AT_FIRST, at most MAX_ADDRESSES."""
    try:
        rows = int((data or {}).get("rows", ROWS_AT_FIRST))
    except (TypeError, ValueError):
        rows = ROWS_AT_FIRST
    return min(max(rows, ROWS_AT_FIRST), MAX_ADDRESSES)


class InvitationRowsForm(forms.Form):
    """One row for each person: their email address (``email_N``) and the
    label they join as (``label_N``), N counting from 1. A row with no
    address is left out, even with a label chosen: a radio button cannot be
    unticked without JavaScript. ``cleaned_data["people"]`` is the list of
    (email address, label) pairs, in the order of the rows."""

    is_facilitator = forms.BooleanField(label=FACILITATORS_TOO, required=False)

    def __init__(self, data=None, *, project, rows: int | None = None, **kwargs):
        kwargs.setdefault("auto_id", "rows_%s")  # ids apart from InvitationForm's
        super().__init__(data, **kwargs)
        self.project = project
        self.row_count = rows if rows is not None else rows_shown(data)
        row_fields = {}
        for number in range(1, self.row_count + 1):
            row_fields[f"email_{number}"] = forms.EmailField(
                label=f"Email address for person {number}",
                required=False,
                max_length=254,  # as Invitation.email
                widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                error_messages={
                    "invalid": (
                        f"Enter a real email address for person {number}, like name@example.org"
                    ),
                    "max_length": f"The email address for person {number} is too long",
                },
            )
            row_fields[f"label_{number}"] = forms.ChoiceField(
                label=f"Person {number} joins as",
                choices=Membership.Label.choices,
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": self._label_missing(number)},
            )
        self.fields = {**row_fields, **self.fields}

    @staticmethod
    def _label_missing(number: int) -> str:
        return f"Choose whether person {number} joins as a participant or a professional"

    def person_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        """Each row: its number, its email address field and its label field."""
        return [
            (number, self[f"email_{number}"], self[f"label_{number}"])
            for number in range(1, self.row_count + 1)
        ]

    def rows_to_add(self) -> int:
        """How many more rows "Add rows" would show (0 at MAX_ADDRESSES)."""
        return min(ROWS_ADDED, MAX_ADDRESSES - self.row_count)

    def with_more_rows(self) -> "InvitationRowsForm":
        """The same form, not sent, with ROWS_ADDED more empty rows and
        everything typed so far kept."""
        kept = {
            name: self.data.get(name)
            for name in self.fields
            if self.data.get(name) not in (None, "")
        }
        kept["is_facilitator"] = "is_facilitator" in kept  # ticked, or not
        return InvitationRowsForm(
            project=self.project, rows=self.row_count + self.rows_to_add(), initial=kept
        )

    def clean(self):
        cleaned = super().clean()
        people = []  # (number, address, label)
        first_row_of = {}
        for number in range(1, self.row_count + 1):
            email_field, label_field = f"email_{number}", f"label_{number}"
            typed = (self.data.get(email_field) or "").strip()
            if not typed:
                continue  # an empty row (a label alone cannot be unticked)
            label = cleaned.get(label_field)
            if not label and label_field not in self.errors:
                self.add_error(label_field, self._label_missing(number))
            address = cleaned.get(email_field)
            if not address:
                continue  # not a real address: its field says so
            earlier = first_row_of.setdefault(address.lower(), number)
            if earlier != number:
                self.add_error(
                    email_field,
                    f"Person {number} has the same email address as person {earlier}. "
                    f"Delete the address for person {number}.",
                )
                continue
            people.append((number, address, label))
        if not people and not self.errors:
            self.add_error("email_1", "Enter an email address for at least one person")
        taken = addresses_taken(project=self.project, addresses=[a for _, a, _ in people])
        for number, address, _ in people:
            if address.lower() in taken:
                self.add_error(f"email_{number}", taken[address.lower()])
        cleaned["people"] = [(address, label) for _, address, label in people]
        return cleaned


class InvitationForm(forms.Form):
    """Many addresses pasted at once, everyone joining with one label."""

    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off", "spellcheck": "false"}),
        help_text=(
            f"Put each address on its own line, or separate them with commas. "
            f"You can invite up to {MAX_ADDRESSES} people at once."
        ),
        error_messages={"required": "Enter at least one email address"},
    )
    label = forms.ChoiceField(
        label="Everyone in the list joins as",
        choices=Membership.Label.choices,
        widget=forms.RadioSelect,
        help_text=LABEL_HINT,
        error_messages={"required": "Choose participant or professional"},
    )
    is_facilitator = forms.BooleanField(label=FACILITATORS_TOO, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_emails(self):
        addresses = parse_addresses(self.cleaned_data["emails"])
        problems = address_problems(project=self.project, addresses=addresses)
        if problems:
            raise forms.ValidationError(problems)
        return addresses
