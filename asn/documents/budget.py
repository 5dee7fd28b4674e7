"""A budget for rendering one document from a shop's template: time and output size,
checked while the template renders, not after.

A template is untrusted text (sandbox.py). Before the budget, `{{ "x"|ljust:1000000000 }}`
built a 1 GB string before its length was looked at (1.8 GB of RAM), and three nested
loops over the items held a worker for 9 s. Now:

* every node of a compiled template reports to the budget of the render in progress: text
  and variables add what they output, every node checks the clock, so an endless or huge
  render stops within one node's work of the limit;
* filters and tags that make output from a number in the template (ljust, rjust, center,
  floatformat, stringformat, lorem) refuse numbers no document needs (sandbox.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.template.base import Node, Template, TextNode, VariableNode
from django.template.context import Context
from django.utils.safestring import SafeString

RENDER_SECONDS = 2.0  # per document (one label, one packing list): ~5 ms is usual
MAX_MARKUP_CHARS = 500_000  # per document: the markup a template may produce


class BudgetExceeded(Exception):
    """The render went over its budget; the message is for the shop admin."""


@dataclass
class Budget:
    seconds: float = RENDER_SECONDS
    chars: int = MAX_MARKUP_CHARS
    spent: int = 0
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def check(self, produced: int) -> None:
        self.spent += produced
        if self.spent > self.chars:
            raise BudgetExceeded(
                f"The template produces more than {self.chars:,} characters for one document; "
                "check its loops and filters."
            )
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"The template takes longer than {self.seconds:g} s to render one document; "
                "check its loops (nested loops over the items multiply)."
            )


_CURRENT: ContextVar[Budget | None] = ContextVar("document_budget", default=None)


def render_within(template: Template, context: Context, budget: Budget) -> SafeString:
    """`template.render(context)` under `budget`; raises BudgetExceeded when it is spent."""
    token = _CURRENT.set(budget)
    try:
        return template.render(context)
    finally:
        _CURRENT.reset(token)


def metered(template: Template) -> Template:
    """Makes every node of a compiled template report to the current budget. Done once per
    compiled template (compilations are cached); rendering without a budget is unchanged."""
    for node in template.nodelist.get_nodes_by_type(Node):
        leaf = isinstance(node, TextNode | VariableNode)
        # Wrapping the bound method on the instance is the point: Django's nodes offer no hook.
        node.render_annotated = _meter(node.render_annotated, leaf)  # type: ignore[method-assign,assignment]
    return template


def _meter(render: Callable[[Context], int | str], leaf: bool) -> Callable[[Context], int | str]:
    def render_metered(context: Context) -> int | str:
        output = render(context)
        budget = _CURRENT.get()
        if budget is not None:
            budget.check(len(str(output)) if leaf else 0)  # leaves render text
        return output

    return render_metered
