"""Forms validate input only; the services in projects/services.py write."""

from django import forms
from django.contrib.auth import get_user_model

from coproduce.forms import DateField, ask_time_zone, time_zone_chosen
from projects.models import Membership, Organisation, Project, Rung, Stage


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class DetailsForm(forms.ModelForm):
    """A form for a model a service saves: it checks the input only (the
    service validates the model), including that one date is not before
    another. Text fields are stripped, so a name of spaces is a blank name."""

    # (earlier field, later field, message when the later one comes first)
    dates_in_order: tuple[str, str, str]

    def clean(self):
        cleaned = super().clean()
        earlier, later, message = self.dates_in_order
        if cleaned.get(earlier) and cleaned.get(later) and cleaned[later] < cleaned[earlier]:
            self.add_error(later, message)
        return cleaned

    def _post_clean(self):
        pass


def _date(what: str, label: str, help_text: str = "") -> DateField:
    """An optional date, typed into the GOV.UK date input."""
    return DateField(
        what=what,
        label=label,
        help_text=help_text,
        required=False,
        error_messages={"invalid": f"Enter a real {what}"},
    )


class ProjectForm(DetailsForm):
    dates_in_order = ("starts_on", "ends_on", "The end date must be on or after the start date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ask_time_zone(
            self,
            label="Time zone",
            help_text="Dates and times in the project are shown in this time zone.",
            required_message="Choose a time zone",
            where="Where is the project? Choose the nearest place",
        )

    def clean(self):
        cleaned = super().clean()
        time_zone_chosen(self, cleaned)
        return cleaned

    starts_on = _date("start date", "Start date")
    ends_on = _date("end date", "Planned end date", "You can change this later.")

    class Meta:
        model = Project
        fields = ["name", "summary", "audience", "starts_on", "ends_on", "timezone"]
        labels = {
            "name": "Project name",
            "summary": "What is the project about?",
            "audience": "Who is it for?",
            "starts_on": "Start date",
            "ends_on": "Planned end date",
            "timezone": "Time zone",
        }
        help_texts = {
            "summary": "Say it in plain words, so everyone can understand it.",
            "ends_on": "You can change this later.",
            "timezone": "Dates and times in the project are shown in this time zone.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "name": {
                **_required("Enter a name for the project"),
                "max_length": "The project name must be 200 characters or fewer",
            },
            "summary": _required("Say what the project is about"),
            "audience": {"max_length": "Keep “Who is it for?” to 300 characters or fewer"},
            "timezone": {
                "required": "Choose a time zone",
                "invalid_choice": "Choose a time zone from the list",
            },
        }


class ProjectCreateForm(ProjectForm):
    organisation = forms.ModelChoiceField(
        label="Which organisation is it for?",
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organisation",
            "invalid_choice": "Choose one of your organisations",
        },
    )
    creator_label = forms.ChoiceField(
        label="How do you take part?",
        help_text=(
            "You join the project as its first facilitator. "
            "This is only used to show the balance of who takes part."
        ),
        choices=Membership.Label.choices,
        initial=Membership.Label.PROFESSIONAL,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose participant or professional"},
    )

    class Meta(ProjectForm.Meta):
        fields = ["organisation", *ProjectForm.Meta.fields]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        # With only one organisation, the question is answered already.
        only = list(organisations[:2])
        if len(only) == 1:
            self.fields["organisation"].initial = only[0].pk
        self.order_fields(
            ["organisation", *ProjectForm.Meta.fields, "timezone_elsewhere", "creator_label"]
        )


class StageForm(DetailsForm):
    dates_in_order = (
        "planned_start",
        "planned_end",
        "The planned end date must be on or after the planned start date",
    )

    planned_start = _date("planned start date", "Planned start date")
    planned_end = _date("planned end date", "Planned end date")

    class Meta:
        model = Stage
        fields = ["name", "aims", "planned_start", "planned_end", "what_was_done", "outcomes"]
        labels = {
            "name": "Stage name",
            "aims": "Aims",
            "planned_start": "Planned start date",
            "planned_end": "Planned end date",
            "what_was_done": "What was done",
            "outcomes": "Outcomes",
        }
        help_texts = {
            "aims": "What this stage is for. Start a new line for each aim.",
            "what_was_done": "Meetings, surveys, visits: anything people did in this stage.",
            "outcomes": "What came out of this stage.",
        }
        widgets = {
            "aims": forms.Textarea(attrs={"rows": 4}),
            "what_was_done": forms.Textarea(attrs={"rows": 4}),
            "outcomes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "name": {
                **_required("Enter a name for the stage"),
                "max_length": "The stage name must be 120 characters or fewer",
            },
        }


class StageAddForm(StageForm):
    class Meta(StageForm.Meta):
        fields = ["name", "aims", "planned_start", "planned_end"]


class LabelForm(forms.Form):
    label = forms.ChoiceField(
        label="How do you take part in this project?",
        help_text=(
            "This is only used to show the balance of who takes part. Everyone has the same say."
        ),
        choices=Membership.Label.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose participant or professional",
            "invalid_choice": "Choose participant or professional",
        },
    )


class MemberFilterForm(forms.Form):
    """Find members on the members page (a GET form): by name, and
    participants or professionals only."""

    name = forms.CharField(
        label="Name",
        help_text="Part of a name is enough.",
        required=False,
        max_length=100,
        error_messages={"max_length": "Enter 100 characters or fewer"},
    )
    label = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "Everyone"),
            (Membership.Label.PARTICIPANT, "Participants only"),
            (Membership.Label.PROFESSIONAL, "Professionals only"),
        ],
        error_messages={"invalid_choice": "Choose who to show from the list"},
    )

    def __init__(self, *args, **kwargs):
        # Ids of their own: the page also has the form for your own label.
        kwargs.setdefault("auto_id", "find_%s")
        super().__init__(*args, **kwargs)

    def filters(self) -> dict:
        """What to show, for projects.selectors.members_page: everyone
        until the form is filled in validly."""
        return dict(self.cleaned_data) if self.is_bound and self.is_valid() else {}


def _strength_choices():
    return [("", "Choose a strength"), *get_user_model().StrengthTag.choices]


class StrengthFilterForm(forms.Form):
    """Find members by a strength they offer (a GET form on the members
    page, for facilitators): only members who let facilitators find them
    by their strengths are found."""

    strength = forms.ChoiceField(
        label="Strength",
        choices=_strength_choices,
        required=False,
        help_text="Only members who said facilitators may find them by their strengths are shown.",
        error_messages={"invalid_choice": "Choose a strength from the list"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "strength_%s")
        super().__init__(*args, **kwargs)

    def filters(self) -> dict:
        """The strength to find, for projects.selectors.members_page."""
        if self.is_bound and self.is_valid() and self.cleaned_data["strength"]:
            return {"strength": self.cleaned_data["strength"]}
        return {}

    @property
    def strength_label(self) -> str:
        return dict(get_user_model().StrengthTag.choices).get(
            self.filters().get("strength", ""), ""
        )


class LadderRadioSelect(forms.RadioSelect):
    """The steps as a ladder: each radio beside a piece of ladder drawn in
    SVG, step 7 at the top (templates/projects/widgets/ladder_radios.html)."""

    template_name = "projects/widgets/ladder_radios.html"


class LadderAnswerForm(forms.Form):
    # The steps from the top of the ladder down, as a ladder is seen.
    rung = forms.TypedChoiceField(
        label="Which step of the ladder is this stage on?",
        help_text=(
            "Step 7 is an equal say. Step 1 is no say at all. "
            "Nobody else will see your answer: members only see how many people chose each step."
        ),
        choices=[(value, f"Step {value}: {label}") for value, label in reversed(Rung.choices)],
        coerce=int,
        widget=LadderRadioSelect,
        error_messages={
            "required": "Choose a step from 1 to 7",
            "invalid_choice": "Choose a step from 1 to 7",
        },
    )
    comment = forms.CharField(
        label="Why did you choose this step?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "You do not have to say. Members can read the comments, "
            "but not who wrote them or which step they chose."
        ),
        error_messages={"max_length": "Your comment must be 2000 characters or fewer"},
    )


class StageMoveForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={
            "required": "Choose to move the stage up or down",
            "invalid_choice": "Choose to move the stage up or down",
        },
    )


class FacilitatorForm(forms.Form):
    is_facilitator = forms.TypedChoiceField(
        choices=[("1", "Make facilitator"), ("0", "No longer facilitator")],
        coerce=lambda value: value == "1",
        error_messages={
            "required": "Choose whether they are a facilitator",
            "invalid_choice": "Choose whether they are a facilitator",
        },
    )


class ConfirmForm(forms.Form):
    """A confirmation step: nothing to fill in, only a button to press."""


class StageAdvanceForm(forms.Form):
    """The stage the person saw as current, so two facilitators pressing the
    button at once move the project on only one step."""

    OUT_OF_DATE = "This page was out of date. Check where the project is now, then try again."

    from_stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(), widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_stage"].queryset = Stage.objects.filter(project=project)

    def clean(self):
        # A stage that is not in this project (a forged or very old form) is
        # treated like a page that is out of date: said at the top, as the
        # field is hidden.
        if "from_stage" in self.errors:
            del self.errors["from_stage"]
            self.add_error(None, self.OUT_OF_DATE)
        return super().clean()


class ReminderHoursField(forms.CharField):
    """Hours before a vote closes, written as "48, 24" and kept as [48, 24]."""

    MOST = 24 * 30
    MESSAGE = (
        f"Write whole numbers of hours from 1 to {MOST}, with commas between them, such as 48, 24"
    )

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(f"{hours:g}" for hours in value)
        return value

    def to_python(self, value):
        text = super().to_python(value).strip().strip("[]")
        hours = set()
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= self.MOST:
                raise forms.ValidationError(self.MESSAGE, code="invalid")
            hours.add(int(part))
        return sorted(hours, reverse=True)


class ProjectAdminForm(forms.ModelForm):
    """The project form of the admin dashboard, in plain words."""

    closing_reminder_hours = ReminderHoursField(
        label="Reminders before a vote closes (hours, comma-separated)",
        required=False,
        help_text=(
            "Members who have not voted get a reminder this many hours before a vote "
            "closes. For example: 48, 24. Leave it empty to send no reminders."
        ),
    )

    class Meta:
        model = Project
        fields = [
            "organisation",
            "name",
            "summary",
            "audience",
            "starts_on",
            "ends_on",
            "timezone",
            "closing_reminder_hours",
        ]
        labels = {**ProjectForm.Meta.labels, "organisation": "Organisation"}
        help_texts = ProjectForm.Meta.help_texts
