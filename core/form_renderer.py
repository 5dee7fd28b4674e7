"""A form renderer that draws the commonest widgets in Python (settings.FORM_RENDERER).

Django draws every widget through templates: a `<select>` renders one template per option,
and each of them includes the attributes template. The orders grid's filter bar alone (two
status lists, purchase types, channels, the cockpit's filters) cost about 7 ms of CPU per
page that way, on the page staff open most. Here `<input>`s and `<select>`s (single and
multiple, with option groups) give the same markup as Django's templates, character for
character (tests/test_form_renderer.py compares the two on every such widget); any other
widget, and any project that overrides these templates, goes through the templates as
before.
"""

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "checkbox",
        "search",
        "tel",
        "color",
    )
}
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False leaves a name out, True writes it bare."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', value) if value is not None else "",
        mark_safe(_attrs(widget["attrs"])),  # built by format_html
    )


def _option(option: dict[str, Any]) -> str:
    return format_html(
        '<option value="{}"{}>{}</option>\n',
        option["value"],
        mark_safe(_attrs(option["attrs"])),  # built by format_html
        option["label"],
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts: list[str] = [
        format_html('<select name="{}"{}>', widget["name"], mark_safe(_attrs(widget["attrs"])))
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            if option["template_name"] != _OPTION_TEMPLATE:
                return None  # a custom option template: let the templates draw it
            parts.append("\n  ")
            parts.append(_option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # Django strips what a widget template draws
    return "".join(parts)  # markup from format_html, and whitespace


class FastWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with `<input>` and `<select>` drawn in Python."""

    def render(self, template_name: str, context: dict[str, Any], request=None) -> SafeString:
        widget = context.get("widget")
        if widget is not None:
            drawn: str | None = None
            if template_name in _INPUT_TEMPLATES:
                drawn = _input(widget)
            elif template_name == _SELECT_TEMPLATE:
                drawn = _select(widget)
            if drawn is not None:
                return mark_safe(drawn)  # every value above went through format_html
        return mark_safe(super().render(template_name, context, request))  # Django's own
