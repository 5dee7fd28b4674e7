"""The Django template engine for shop-editable document templates.

A shop admin types the template into a textarea, so it is untrusted text. It is rendered by a
dedicated `Engine`, never by the project's engine (settings.TEMPLATES):

* no loaders: `{% include %}` and `{% extends %}` could otherwise read any template file of
  the project (and show its source or settings-dependent output); here the tags do not even
  exist, and without loaders no file can be found anyway;
* no `{% load %}`: no tag library of an installed app (static, humanize, the project's own
  tags...) can be pulled in;
* no `{% debug %}` (prints the context and the list of loaded Python modules), no
  `{% csrf_token %}` and no `{% url %}` (routes are none of a label's business);
* the `pprint` filter is left out (it prints Python reprs);
* the context holds only the plain dataclasses of `asn.documents.data` and strings/numbers,
  so variable lookups cannot reach a model instance or a method with side effects (Django
  calls zero-argument callables it finds in the context: `{{ order.delete }}` would run!).

Every other built-in tag and filter (if, for, with, cycle, firstof, now, regroup, spaceless,
widthratio, filter, date, floatformat, truncatechars, default, join, slice, ...) works as
documented by Django, within a budget (budget.py): `lorem` is left out (it writes any
number of words), the numbers that size a filter's output are capped (ljust, rjust and
center to 200 characters, floatformat to 20 places, stringformat's widths to 100), and no
filter may return more than 100,000 characters (`add` doubling a text in nested `with`s).
Autoescaping is on, so data such as "Pan <28 cm>" cannot break the
markup.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, ClassVar

from django.template import Engine, Library, defaultfilters, defaulttags

from .budget import BudgetExceeded

ALLOWED_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
DENIED_FILTERS = {"pprint"}

MAX_FILTER_OUTPUT = 100_000  # characters (or items) one filter may return
# Filters whose argument sizes their output: the largest argument a document needs.
WIDTH_LIMITS = {"ljust": 200, "rjust": 200, "center": 200, "floatformat": 20}
MAX_FORMAT_WIDTH = 100  # stringformat: "%0999999999d" would build a 1 GB string


def _number(arg: object) -> int:
    digits = re.findall(r"\d+", str(arg))
    return max((int(d) for d in digits), default=0)


def _budgeted(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    limit = WIDTH_LIMITS.get(name, MAX_FORMAT_WIDTH if name == "stringformat" else None)

    @functools.wraps(original)  # keeps is_safe, needs_autoescape... and the signature
    def budgeted(value: Any, *args: Any, **kwargs: Any) -> Any:
        if limit is not None and args and _number(args[0]) > limit:
            raise BudgetExceeded(f"The {name} filter takes at most {limit}, not {args[0]}.")
        result = original(value, *args, **kwargs)
        if isinstance(result, str | list | tuple) and len(result) > MAX_FILTER_OUTPUT:
            raise BudgetExceeded(
                f"The {name} filter made more than {MAX_FILTER_OUTPUT:,} characters; "
                "a document needs far less."
            )
        return result

    return budgeted


register = Library()
for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name, _filter in defaultfilters.register.filters.items():
    if _name not in DENIED_FILTERS:
        register.filters[_name] = _budgeted(_name, _filter)


class SandboxEngine(Engine):
    """An Engine whose only built-ins are this module's curated library."""

    default_builtins: ClassVar[list[str]] = []  # overrides Engine's class attribute


def make_engine(string_if_invalid: str = "") -> SandboxEngine:
    return SandboxEngine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        builtins=["asn.documents.sandbox"],
        autoescape=True,
        debug=True,  # line numbers in syntax errors; enables nothing else
        string_if_invalid=string_if_invalid,
    )
