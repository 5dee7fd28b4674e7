"""The registries through which higher apps plug into lower ones (core/registry.py) and the
order they fill them in (docs/architecture.md, "When a lower app needs a higher one")."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from amazon1p.importing.events import PURCHASE_ORDERS_IMPORTED
from core.registry import Registry
from orders.panels import ORDER_PANELS, PanelSlot
from shops.dashboard import DASHBOARD_CARDS
from shops.guards import SHOP_CHANGE_CHECKS


def test_entries_come_in_priority_order_whatever_the_registration_order():
    registry: Registry[str] = Registry("test")
    registry.register("late", "c", priority=30)
    registry.register("early", "a", priority=10)
    registry.register("middle", "b", priority=20)
    assert registry.entries() == ["a", "b", "c"]
    assert registry.names() == ["early", "middle", "late"]


def test_registering_a_name_again_replaces_its_entry():
    registry: Registry[str] = Registry("test")
    registry.register("one", "first", priority=10)
    registry.register("one", "again", priority=10)  # ready() run twice
    assert registry.entries() == ["again"]


def test_two_names_may_not_share_a_priority():
    registry: Registry[str] = Registry("test")
    registry.register("one", "a", priority=10)
    with pytest.raises(ImproperlyConfigured, match="'two' and 'one' both ask for priority 10"):
        registry.register("two", "b", priority=10)
    assert registry.entries() == ["a"]


def test_the_order_page_shows_the_panels_in_the_documented_order():
    assert ORDER_PANELS.names() == [
        "amazon1p.acknowledgement",
        "bulkbuy.order-link",
        "receiving.order",
        "amazon1p.purchase-order",
    ]
    assert [panel.slot for panel in ORDER_PANELS.entries()] == [
        PanelSlot.TOP,
        PanelSlot.BOTTOM,
        PanelSlot.BOTTOM,
        PanelSlot.BOTTOM,
    ]


def test_the_higher_apps_fill_the_other_registries_in_ready():
    assert DASHBOARD_CARDS.names() == ["bulkbuy.pipeline"]
    assert PURCHASE_ORDERS_IMPORTED.names() == ["bulkbuy.link"]
    assert SHOP_CHANGE_CHECKS.names() == ["amazon1p.contact-info"]
