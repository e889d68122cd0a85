from django import template

register = template.Library()


@register.filter
def error_target(bound_field) -> str:
    """The id an error summary link should point at: the input itself, or the
    first option of a group of radios or checkboxes."""
    if bound_field.use_fieldset:
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id
