"""Template filters to lay out a form's fields in panes, by name."""

from django import forms, template

register = template.Library()


@register.filter
def split_words(value: str) -> list[str]:
    return value.split()


@register.filter
def field_named(form: forms.Form, name: str) -> forms.BoundField | None:
    """The named field, or None where the form leaves it out (custom_base_url without
    SPAPI_ALLOW_CUSTOM_ENDPOINTS)."""
    return form[name] if name in form.fields else None
