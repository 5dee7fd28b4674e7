"""Cards the apps above `shops` put on the shop dashboard.

The dashboard is the shop's front page, but what it shows (the Bulk Buy Offers pipeline) is
read by higher apps. Each registers a `DashboardCard` in `DASHBOARD_CARDS` from its
`AppConfig.ready()`; the page shows the cards that have something to show, by priority (the
numbers in use: docs/architecture.md).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from core.registry import Registry
from shops.models import Shop


@dataclass(frozen=True)
class DashboardCard:
    key: str  # the context variable the template reads
    title: str  # named in the page head
    template: str  # included with the page's context
    build: Callable[[HttpRequest, Shop], object | None]  # None: the card is not shown


DASHBOARD_CARDS: Registry[DashboardCard] = Registry("dashboard cards")


def dashboard_cards_context(request: HttpRequest, shop: Shop) -> dict[str, Any]:
    """Each card's value under its key, and `cards`: the cards that show, in order."""
    context: dict[str, Any] = {}
    cards: list[DashboardCard] = []
    for card in DASHBOARD_CARDS.entries():
        value = card.build(request, shop)
        context[card.key] = value
        if value is not None:
            cards.append(card)
    context["cards"] = cards
    return context
