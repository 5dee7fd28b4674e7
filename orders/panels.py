"""Panels the apps above `orders` add to the order page.

The order page lives in `orders`, but what an Amazon PO needs next (its acknowledgement),
its Bulk Buy link, what Amazon received of it and the PO as Amazon sent it are read by
higher apps. Each of them registers an `OrderPanel` in `ORDER_PANELS` from its
`AppConfig.ready()`; the page builds every panel and shows those that have something to
show, by slot and priority (the numbers in use: docs/architecture.md).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.http import HttpRequest

from core.registry import Registry
from orders.models import Order

T = TypeVar("T")


class PanelSlot(StrEnum):
    TOP = "top"  # under the page head: the next step an order waits for
    BOTTOM = "bottom"  # after rows, credit rows and parameters, before the history


@dataclass(frozen=True)
class OrderPage:
    """What a panel gets: the request (its `shop_permissions`), the order as the page shows
    it (its rows, their credit rows and its parameters read with it:
    `orders.selectors.order_detail`), the bound forms a failed POST carries back with their
    errors (by context name, e.g. `ack_form`) and the catalogue's title of each row (by row
    id, `orders.catalogue.row_titles`)."""

    request: HttpRequest
    order: Order
    forms: Mapping[str, Any]
    row_titles: Mapping[int, str] | None = None  # None: not read yet
    _shared: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def shared(self, key: str, read: Callable[[], T]) -> T:
        """`read()` once per page: panels that need the same row (the Amazon PO) share it."""
        if key not in self._shared:
            self._shared[key] = read()
        return self._shared[key]


@dataclass(frozen=True)
class OrderPanel:
    key: str  # the context variable the template reads
    template: str  # included with the page's context
    slot: PanelSlot
    build: Callable[[OrderPage], object | None]  # None (or empty): the panel is not shown
    # One-to-one relations of the order the panel reads (its own app's related names, as
    # `select_related` takes them): the page reads them with the order, in its one query,
    # instead of the panel reading each in a query of its own. One level only: each join
    # costs PostgreSQL planning time, more with every table (bench/README.md, order_page.py).
    related: tuple[str, ...] = ()


ORDER_PANELS: Registry[OrderPanel] = Registry("order page panels")


def order_panels_related() -> list[str]:
    """What the panels read with the order (`select_related` names)."""
    return [name for panel in ORDER_PANELS.entries() for name in panel.related]


def order_panels_context(page: OrderPage) -> dict[str, Any]:
    """Each panel's value under its key, and `panels` ({slot: templates to include}) for
    the panels that show, in priority order."""
    context: dict[str, Any] = {}
    panels: dict[str, list[str]] = {slot.value: [] for slot in PanelSlot}
    for panel in ORDER_PANELS.entries():
        value = panel.build(page)
        context[panel.key] = value
        if value:
            panels[panel.slot].append(panel.template)
    context["panels"] = panels
    return context
