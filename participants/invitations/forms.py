"""The form facilitators invite people with."""

from django import forms

from participants.invitations.services import MAX_ADDRESSES, address_problems, parse_addresses
from projects.models import Membership


class InvitationForm(forms.Form):
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
        label="They will join as",
        choices=Membership.Label.choices,
        widget=forms.RadioSelect,
        help_text="This is for showing the balance of the project. Everyone has the same say.",
        error_messages={"required": "Choose participant or professional"},
    )
    is_facilitator = forms.BooleanField(
        label="Make them facilitators too (they can invite people and move stages)",
        required=False,
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_emails(self):
        addresses = parse_addresses(self.cleaned_data["emails"])
        problems = address_problems(project=self.project, addresses=addresses)
        if problems:
            raise forms.ValidationError(problems)
        return addresses
