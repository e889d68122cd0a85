"""Forms for the pages of Your profile (access needs; about you; what you
offer; email choices), the email preferences page reached from an
email (the same email choices), and display settings."""

from django import forms

from coproduce.forms import LineField, ParagraphsField, TimeField, ask_time_zone, time_zone_chosen
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


class ConditionalTextInput(forms.TextInput):
    """A text box for a question needed only after some answers (the GOV.UK
    conditional question): not marked required, so screen readers do not
    announce it as required to people for whom it does not matter."""

    def use_required_attribute(self, initial):
        return False


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
    # Asked of everyone, as without JavaScript every question shows; each
    # hint says when it matters, and only then is it needed (full_clean).
    digest_time = TimeField(
        label="Time for your daily or weekly email",
        widget=ConditionalTextInput(attrs={"class": "input--short", "autocomplete": "off"}),
        help_text="Only if you choose once a day or once a week. For example, 9am or 17:30.",
        error_messages={
            "required": "Enter a time for your daily or weekly email",
            "invalid": "Enter a time, for example 9am or 17:30",
        },
    )
    digest_weekday = forms.TypedChoiceField(
        label="Day for your weekly email",
        choices=WEEKDAYS,
        coerce=int,
        empty_value=None,
        help_text="Only if you choose once a week.",
        error_messages={
            "required": "Choose a day for your weekly email",
            "invalid_choice": "Choose a day for your weekly email",
        },
    )
    timezone = forms.CharField()  # asked in __init__ (ask_time_zone)

    # Which timings need which of the conditional questions.
    NEEDED_FOR = {
        "digest_time": {User.ReminderTiming.DAILY, User.ReminderTiming.WEEKLY},
        "digest_weekday": {User.ReminderTiming.WEEKLY},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ask_time_zone(
            self,
            label="Your time zone",
            help_text="We send reminders in the daytime where you live, never at night.",
            required_message="Choose your time zone",
            where="Where do you live? Choose the nearest place",
        )

    def clean(self):
        cleaned = super().clean()
        time_zone_chosen(self, cleaned)
        return cleaned

    def full_clean(self):
        """The time and the day are needed only for the timings they are
        about (the GOV.UK conditional question): left empty otherwise, they
        are None and the member keeps the ones they had. Something typed is
        still checked. On the page they are never called "(optional)": the
        hint says when they are needed."""
        timing = self.data.get(self.add_prefix("reminder_timing")) if self.is_bound else None
        for name, timings in self.NEEDED_FOR.items():
            self.fields[name].required = timing in timings
        try:
            super().full_clean()
        finally:
            for name in self.NEEDED_FOR:
                self.fields[name].required = True

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


class AccessNeedsForm(forms.Form):
    """What helps a member take part: for the facilitators of their projects."""

    access_needs = forms.MultipleChoiceField(
        label="What helps you take part?",
        choices=User.AccessNeed.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose access needs from the list"},
        help_text="Tick all that help you, so that meetings and activities can be planned for it.",
    )
    access_needs_other = forms.CharField(
        label="What else do you need?",
        required=False,
        max_length=300,
        # Room to see all of what was written (up to 300 characters).
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only if you ticked “Something else”.",
        error_messages={"max_length": "What else you need must be 300 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "Something else" is the last box, just above the question about it:
        # with JavaScript, the question shows once it is ticked (data-reveal-when,
        # static/js/coproduce.js); without, it always shows, with its hint.
        other = User.AccessNeed.values.index(User.AccessNeed.OTHER)
        boxes = str(self.auto_id) % self.add_prefix("access_needs")
        self.fields["access_needs_other"].reveal_when = f"{boxes}_{other}"

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
            "access_needs": user.access_needs,
            "access_needs_other": user.access_needs_other,
        }


def visibility_field(what: str) -> forms.ChoiceField:
    """Who may see one part of what a member tells about themselves, as
    radios: facilitators only unless they choose otherwise."""
    return forms.ChoiceField(
        label=f"Who can see {what}?",
        choices=User.Visibility.choices,
        widget=forms.RadioSelect,
        initial=User.Visibility.FACILITATORS,
        error_messages={
            "required": f"Choose who can see {what}",
            "invalid_choice": f"Choose who can see {what}",
        },
    )


class AboutYouForm(forms.Form):
    """Who a member is, in their own words: pronouns and a short "about me",
    the languages they use and how they like to be contacted, each part with
    who may see it."""

    pronouns = LineField(
        label="Your pronouns",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "input--short", "autocomplete": "off"}),
        help_text="How people should talk about you. For example, she and her, or they and them.",
        error_messages={"max_length": "Your pronouns must be 40 characters or fewer"},
    )
    about_me = ParagraphsField(
        label="About me",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few words about you, in your own words. For example, what matters to you.",
        error_messages={"max_length": "About me must be 500 characters or fewer"},
    )
    about_visibility = visibility_field("your pronouns and about me")
    languages = LineField(
        label="Languages you use",
        required=False,
        max_length=200,
        help_text="For example, English, Urdu and British Sign Language.",
        error_messages={"max_length": "Languages you use must be 200 characters or fewer"},
    )
    languages_visibility = visibility_field("your languages")
    contact_preference = forms.ChoiceField(
        label="How do you like to be contacted?",
        required=False,
        choices=[("", "I have no preference"), *User.ContactPreference.choices],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose how you like to be contacted from the list"},
    )
    contact_details = ParagraphsField(
        label="How people in your projects can reach you",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "For example, a phone number, or the days you are in the office. The "
            "facilitators of your projects see this. If you help run a project, its "
            "members see it in their emails, under “Do you need help?”. Leave it empty "
            "to share nothing."
        ),
        error_messages={"max_length": "How people can reach you must be 300 characters or fewer"},
    )
    contact_visibility = visibility_field("how to contact you")

    FIELDS = (
        "pronouns",
        "about_me",
        "about_visibility",
        "languages",
        "languages_visibility",
        "contact_preference",
        "contact_details",
        "contact_visibility",
    )

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {name: getattr(user, name) for name in cls.FIELDS}


class OfferForm(forms.Form):
    """What a member offers their projects: strengths and skills (ticked and
    in their own words), who may see them, whether facilitators may find
    them by them, and whether to be thanked by name."""

    strength_tags = forms.MultipleChoiceField(
        label="What can you offer?",
        choices=User.StrengthTag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose strengths from the list"},
        help_text="Tick all that you would like to offer. You can add more in your own words.",
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
    strengths_visibility = visibility_field("your strengths and skills")
    findable_by_strength = forms.BooleanField(
        label="Facilitators may find me by my strengths when planning work",
        required=False,
        help_text="They can then ask you to help with something that needs what you offer.",
    )
    thank_by_name = forms.BooleanField(
        label="Thank me by name when something I took part in is decided",
        required=False,
        help_text=(
            "When we write what will happen after a decision, we thank the people who voted "
            "or commented. Untick this to be counted without your name."
        ),
    )

    FIELDS = (
        "strength_tags",
        "strengths",
        "strengths_visibility",
        "findable_by_strength",
        "thank_by_name",
    )

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {name: getattr(user, name) for name in cls.FIELDS}


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
