from django.forms.renderers import TemplatesSetting


class AccessibleFormRenderer(TemplatesSetting):
    """Renders every form with the project's GOV.UK-style templates
    (templates/django/forms/): label, hint, error message, then the input."""

    form_template_name = "django/forms/div.html"
    field_template_name = "django/forms/field.html"
