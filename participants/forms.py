from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from participants.models import User


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with the member's name first."""

    display_name = forms.CharField(
        label="Your name",
        max_length=100,
        help_text="How other members will see you. It can be a first name or a nickname.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["display_name", "email"]

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name")
        return name


class DisplayPreferencesForm(forms.Form):
    text_size = forms.ChoiceField(
        label="Text size",
        choices=User.TextSize.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a text size", "invalid_choice": "Choose a text size"},
    )
    high_contrast = forms.BooleanField(
        label="High contrast: black text on a white background with thicker lines",
        required=False,
    )
    reduced_motion = forms.BooleanField(
        label="Reduce motion: no animations or smooth scrolling",
        required=False,
    )
