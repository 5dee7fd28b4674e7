"""A form renderer that draws the plain widgets in Python instead of through templates.

Django draws every widget through templates: an input renders input.html and attrs.html, a
select renders select.html and then select_option.html and attrs.html for each option, a
label label.html and attrs.html, each with a context of its own. On our 2-CPU servers that
is about 0.1 ms an input and 0.05 ms an option, and the order page draws some 30 widgets
for a staff member who may edit (issue #19: about 8 ms of a 45 ms page). `FastWidgets`
writes the same HTML, byte for byte, for the templates in `DRAWN` (inputs, selects with
their options, labels, empty error lists) and hands every other template, and every case
it does not draw (a custom option template, an error list with errors), to Django's
renderer. tests/test_form_renderer.py compares the two on every kind of widget it draws.

Every form uses it: it is the project's FORM_RENDERER.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, SafeString, mark_safe

# `{{ value }}` as a template with autoescaping renders it: localised, then escaped.
_CONTEXT = Context(autoescape=True)


def _out(value: Any) -> str:
    return render_value_in_context(value, _CONTEXT)


def _stringformat(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe string safe."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 - the filter's own formatting
    except (ValueError, TypeError):
        text = ""
    return _out(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html)."""
    html = []
    for name, value in (attrs or {}).items():
        if value is not False:
            html.append(" " + _out(name))
            if value is not True:
                html.append('="' + _stringformat(value) + '"')
    return "".join(html)


def _input(context: Mapping[str, Any]) -> str | None:
    widget = context["widget"]
    value = widget["value"]
    shown = ' value="' + _stringformat(value) + '"' if value != None else ""  # noqa: E711 - as the template compares
    return (
        f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _option(option: Mapping[str, Any]) -> str:
    """select_option.html, which ends with a newline (kept: only the outer render strips)."""
    return (
        f'<option value="{_stringformat(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_out(option['label'])}</option>\n"
    )


def _select(context: Mapping[str, Any]) -> str | None:
    widget = context["widget"]
    html = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None  # a custom option template: Django draws the select
            html.append("\n  " + _option(option))
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


def _label(context: Mapping[str, Any]) -> str | None:
    if not context["use_tag"]:
        return _out(context["label"])
    tag = _out(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_out(context['label'])}</{tag}>"


def _errors(context: Mapping[str, Any]) -> str | None:
    return "" if not context["errors"] else None  # errors to show: Django draws them


INPUT = "django/forms/widgets/input.html"
# Template → how to draw it (None: leave it to Django). Each of these inputs' templates is
# `{% include "django/forms/widgets/input.html" %}`.
DRAWN: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    INPUT: _input,
    **{
        f"django/forms/widgets/{kind}.html": _input
        for kind in ("text", "number", "email", "url", "tel", "password", "hidden", "date")
    },
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
}


class FastWidgets(DjangoTemplates):
    """Django's default form renderer, except that the templates in `DRAWN` are drawn in
    Python. The project's FORM_RENDERER (shopctrl/settings.py): every form uses it."""

    def render(
        self, template_name: str, context: dict[str, Any], request: Any = None
    ) -> SafeString | str:
        draw = DRAWN.get(template_name)
        html = draw(context) if draw is not None else None
        if html is None:
            return super().render(template_name, context, request=request)
        return html.strip()


FAST_WIDGETS = FastWidgets()
