"""What every app's forms share: the renderer, cleaned text fields, the
GOV.UK date input, a time typed as people write it, and one way to put a
service's refusal on a form."""

import re
from datetime import date, time

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

from coproduce.text import clean_line, clean_paragraphs
from coproduce.timezones import ELSEWHERE, all_zones, short_list, timezone_choices


class AnsweredFirstBoundField(BoundField):
    """A field whose radios and checkboxes carry no ``required`` attribute.

    Chromium exposes each unchecked radio (or checkbox) of a required group to
    screen readers as "invalid" as soon as the page loads, before anyone has
    answered; forms are sent with ``novalidate`` and the server's error
    message says what is missing, as the GOV.UK Design System does. Text
    boxes keep ``required``: they are not announced invalid until typed in.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if getattr(widget or self.field.widget, "input_type", None) in {"radio", "checkbox"}:
            attrs.pop("required", None)
        return attrs


class AccessibleFormRenderer(TemplatesSetting):
    """Renders every form with the project's GOV.UK-style templates
    (templates/django/forms/): label, hint, error message, then the input;
    no radio or checkbox is marked required (AnsweredFirstBoundField)."""

    form_template_name = "django/forms/div.html"
    field_template_name = "django/forms/field.html"
    bound_field_class = AnsweredFirstBoundField


def form_errors_from(
    form: forms.Form,
    error: ValidationError,
    *,
    field_map: dict[str, str] | None = None,
    otherwise: str | None = None,
) -> None:
    """Show a service's ValidationError on the form, with what the person
    typed: each message on the field it is about (through ``field_map`` when
    the service names it differently), the rest on ``otherwise`` (a field of
    the form) or, by default, at the top of the error summary. The codes
    stay, so a view can ask ``form.has_error(NON_FIELD_ERRORS, code)``."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(otherwise, error)
        return
    for field, errors in error.error_dict.items():
        target = field_map.get(field, field)
        form.add_error(target if target in form.fields else otherwise, errors)


class LineField(forms.CharField):
    """One line of text shown to others (a name): cleaned by
    coproduce.text.clean_line, so invisible or control characters alone
    count as nothing typed."""

    def to_python(self, value):
        return clean_line(super().to_python(value))


class ParagraphsField(forms.CharField):
    """Text with line breaks shown to others (a comment), cleaned by
    coproduce.text.clean_paragraphs."""

    def to_python(self, value):
        return clean_paragraphs(super().to_python(value))


# --- the GOV.UK date input ------------------------------------------------------


class DateInput(forms.MultiWidget):
    """Day, month and year as three labelled boxes (the GOV.UK date input,
    templates/django/forms/widgets/date_input.html), in a fieldset whose
    legend is the field's label. Posted as NAME_day, NAME_month, NAME_year."""

    template_name = "django/forms/widgets/date_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            {
                "day": forms.TextInput(attrs={"inputmode": "numeric", "class": "input--day"}),
                "month": forms.TextInput(attrs={"inputmode": "numeric", "class": "input--month"}),
                "year": forms.TextInput(attrs={"inputmode": "numeric", "class": "input--year"}),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(
            context["widget"]["subwidgets"], ["Day", "Month", "Year"], strict=True
        ):
            subwidget["label"] = label
        return context


class DateField(forms.MultiValueField):
    """A date typed into the GOV.UK date input. ``what`` names it in the
    messages ("Enter the closing date"); ``error_messages`` may say it in
    other words (keys: required, incomplete, invalid)."""

    widget = DateInput

    def __init__(self, *, what: str, error_messages=None, **kwargs):
        self.what = what
        messages = {
            "required": f"Enter the {what}",
            "incomplete": f"Enter the {what} in full: day, month and year",
            "invalid": f"The {what} must be a real date, for example 27 3 2027",
            **(error_messages or {}),
        }
        fields = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(fields=fields, error_messages=messages, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        if not all(data_list):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            day, month, year = (int(str(part).strip()) for part in data_list)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


# --- a time, typed -----------------------------------------------------------------


TIME_PATTERN = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


class TimeField(forms.Field):
    """A time as people write it: 5pm, 5:30pm, 9.30 am, 17:30, 21.30,
    midday, midnight. Typed in a text box (a browser's own time box shows
    "09:00 AM" in some places and not others); a time already saved is shown
    the 24-hour way ("09:00"), which the field reads back."""

    widget = forms.TextInput(attrs={"class": "input--short", "autocomplete": "off"})
    default_error_messages = {"invalid": "Enter a real time, for example 5pm or 17:30"}

    def prepare_value(self, value):
        return value.strftime("%H:%M") if isinstance(value, time) else value

    def to_python(self, value):
        value = (value or "").strip().lower()
        if value in self.empty_values:
            return None
        if value in {"midday", "noon", "12 noon"}:
            return time(12, 0)
        if value == "midnight":
            return time(0, 0)
        match = TIME_PATTERN.match(value)
        invalid = ValidationError(self.error_messages["invalid"], code="invalid")
        if not match:
            raise invalid
        hour, minute = int(match[1]), int(match[2] or 0)
        suffix = (match[3] or "").replace(".", "")
        if suffix:
            if not 1 <= hour <= 12:
                raise invalid
            hour = hour % 12 + (12 if suffix == "pm" else 0)
        if hour > 23 or minute > 59:
            raise invalid
        return time(hour, minute)


# --- radios with a hint under each answer ----------------------------------------


class RadioSelectWithHints(forms.RadioSelect):
    """Radios with a line of hint under an answer (the GOV.UK radio item
    hint), tied to its radio by ``aria-describedby``. ``hints`` maps a
    choice's value to its hint; answers without one have none."""

    option_template_name = "django/forms/widgets/radio_option_hint.html"

    def __init__(self, attrs=None, choices=(), *, hints=None):
        super().__init__(attrs, choices)
        self.hints = dict(hints or {})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        hint = self.hints.get(str(value), "")
        if hint and option["attrs"].get("id"):
            option["hint"] = hint
            option["hint_id"] = f"{option['attrs']['id']}_hint"
            described = option["attrs"].get("aria-describedby", "")
            option["attrs"]["aria-describedby"] = f"{described} {option['hint_id']}".strip()
        return option


# --- time zones: a short list, the whole list one step away --------------------


class TimeZoneRadios(forms.ChoiceField):
    """The short list of time zones (coproduce.timezones.short_list) as
    radios, ending with "Somewhere else". A place from the whole list is
    taken too, as a form sent before this question had its short list."""

    widget = forms.RadioSelect

    def valid_value(self, value):
        return value == ELSEWHERE or value in all_zones() or super().valid_value(value)


def ask_time_zone(
    form: forms.BaseForm, *, label: str, help_text: str, required_message: str, where: str
):
    """Ask a form's ``timezone`` question the GOV.UK way: the places of the
    site's country (and the one chosen before) as radios, and "Somewhere
    else" revealing the whole list, grouped by part of the world
    (``timezone_elsewhere``, asked as ``where``). Call from the form's
    __init__; the form's clean() calls ``time_zone_chosen``."""
    current = form.initial.get("timezone") or form.fields["timezone"].initial
    choices = [*short_list(current), (ELSEWHERE, "Somewhere else")]
    radios = TimeZoneRadios(
        label=label,
        help_text=help_text,
        choices=choices,
        initial=current,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )
    elsewhere = forms.ChoiceField(
        label=where,
        help_text="Places are grouped by part of the world, then in order of their names.",
        choices=[("", "Choose a place"), *timezone_choices()],
        required=False,
        error_messages={"invalid_choice": "Choose a place from the list"},
    )
    radio_id = str(form.auto_id) % form.add_prefix("timezone")
    elsewhere.reveal_when = f"{radio_id}_{len(choices) - 1}"
    fields = {}
    for name, field in form.fields.items():
        fields[name] = radios if name == "timezone" else field
        if name == "timezone":
            fields["timezone_elsewhere"] = elsewhere
    form.fields = fields


def time_zone_chosen(form: forms.BaseForm, cleaned: dict) -> None:
    """Put the place chosen "somewhere else" in ``cleaned["timezone"]``, or
    say that one is needed. The answer is then in ``timezone`` alone."""
    place = cleaned.pop("timezone_elsewhere", "")
    if cleaned.get("timezone") != ELSEWHERE:
        return
    if place:
        cleaned["timezone"] = place
    elif "timezone_elsewhere" not in form.errors:
        form.add_error("timezone_elsewhere", "Choose the place nearest to you from the list")
