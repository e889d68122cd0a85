"""Forms for the profile page (access needs, strengths, reminder choices),
the email preferences page reached from an email, and display settings."""

from django import forms

from coproduce.timezones import timezone_choices
from participants.models import User
from participants.reminders.registry import choices_to_turn_off

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class ReminderPreferencesForm(forms.Form):
    """Which reminder emails, how they look, and when they come."""

    wanted = forms.MultipleChoiceField(
        label="Which emails do you want?",
        choices=choices_to_turn_off,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose emails from the list"},
        help_text=(
            "Untick all of them to stop these emails. "
            "You will still get invitations, and emails you ask for to sign in."
        ),
    )
    reminder_format = forms.ChoiceField(
        label="How should your emails look?",
        choices=User.ReminderFormat.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how your emails should look",
            "invalid_choice": "Choose how your emails should look",
        },
    )
    reminder_timing = forms.ChoiceField(
        label="When should we send them?",
        choices=User.ReminderTiming.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when we should send your emails",
            "invalid_choice": "Choose when we should send your emails",
        },
    )
    digest_time = forms.TimeField(
        label="Time for your daily or weekly email",
        help_text="For example, 09:00, or 17:30 for half past 5 in the afternoon.",
        # 24-hour times, and 12-hour ones as people also write them ("5pm").
        input_formats=["%H:%M", "%H:%M:%S", "%I%p", "%I %p", "%I:%M%p", "%I:%M %p", "%H.%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Enter a time for your daily or weekly email",
            "invalid": "Enter a time like 09:00 or 17:30",
        },
    )
    digest_weekday = forms.TypedChoiceField(
        label="Day for your weekly email",
        choices=WEEKDAYS,
        coerce=int,
        error_messages={
            "required": "Choose a day for your weekly email",
            "invalid_choice": "Choose a day for your weekly email",
        },
    )
    timezone = forms.ChoiceField(
        label="Your time zone",
        choices=timezone_choices,
        help_text="We send reminders in the daytime where you live, never at night.",
        error_messages={
            "required": "Choose your time zone",
            "invalid_choice": "Choose your time zone from the list",
        },
    )

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {
            "wanted": [
                name
                for name, _label in choices_to_turn_off()
                if name not in (user.reminders_turned_off or [])
            ],
            "reminder_format": user.reminder_format,
            "reminder_timing": user.reminder_timing,
            "digest_time": user.digest_time,
            "digest_weekday": user.digest_weekday,
            "timezone": user.timezone,
        }


class ProfileForm(ReminderPreferencesForm):
    """The whole profile: access needs and strengths, then reminder choices."""

    access_needs = forms.MultipleChoiceField(
        label="Access needs",
        choices=User.AccessNeed.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose access needs from the list"},
        help_text=(
            "Tick what helps you take part, so that meetings and activities can be planned for it."
        ),
    )
    access_needs_other = forms.CharField(
        label="What else do you need?",
        required=False,
        max_length=300,
        # Room to see all of what was written (up to 300 characters).
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Fill this in if you ticked “Something else”.",
        error_messages={"max_length": "What else you need must be 300 characters or fewer"},
    )
    strengths = forms.CharField(
        label="Your strengths and skills",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you are good at, or would like to bring to a project.",
        error_messages={
            "max_length": "Your strengths and skills must be 2,000 characters or fewer"
        },
    )

    field_order = ["access_needs", "access_needs_other", "strengths"]

    def clean(self):
        cleaned = super().clean()
        needs = cleaned.get("access_needs") or []
        other = (cleaned.get("access_needs_other") or "").strip()
        if User.AccessNeed.OTHER in needs and not other:
            self.add_error("access_needs_other", "Tell us what else you need")
        return cleaned

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {
            **super().initial_for(user),
            "access_needs": user.access_needs,
            "access_needs_other": user.access_needs_other,
            "strengths": user.strengths,
        }


class DisplayPreferencesForm(forms.Form):
    text_size = forms.ChoiceField(
        label="Text size",
        choices=User.TextSize.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a text size", "invalid_choice": "Choose a text size"},
    )
    contrast = forms.ChoiceField(
        label="Contrast",
        choices=User.Contrast.choices,
        widget=forms.RadioSelect,
        help_text="High contrast also makes lines thicker.",
        # Not sent (as a page from before this choice did not): standard.
        required=False,
        error_messages={"invalid_choice": "Choose a contrast"},
    )
    reduced_motion = forms.BooleanField(
        label="Reduce motion: no animations or smooth scrolling",
        required=False,
    )

    def clean_contrast(self) -> str:
        return self.cleaned_data.get("contrast") or User.Contrast.STANDARD
