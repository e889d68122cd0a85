from django import forms
from django.forms.renderers import TemplatesSetting

from coproduce.text import clean_line, clean_paragraphs


class AccessibleFormRenderer(TemplatesSetting):
    """Renders every form with the project's GOV.UK-style templates
    (templates/django/forms/): label, hint, error message, then the input."""

    form_template_name = "django/forms/div.html"
    field_template_name = "django/forms/field.html"


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
