"""The payload "as Amazon sent it", readable: indented JSON, not a Python repr."""

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """JSON with two-space indents, keys in Amazon's order, non-ASCII kept as is."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)
