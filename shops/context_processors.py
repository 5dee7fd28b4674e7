"""Layout data: the shop switcher, the current shop and what the user may do there, and
the sidebar's links.

The sidebar's links are reversed once per process and shop (`_links`), not on every page:
they depend only on the URL configuration, the script prefix and the shop's id.
"""

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from shops.alerts import alert_unread_count
from shops.models import Shop

# Sidebar link → URL name. Pages of higher apps are linked by name only (no import).
SHOP_LINKS = {
    "dashboard": "shops:dashboard",
    "cockpit": "cockpit:dashboard",
    "orders": "orders:order-list",
    "offers": "bulkbuy:offer-list",
    "shipments": "asn:group-list",
    "receiving": "receiving:reconciliation-list",
    "invoices": "invoicing:invoice-list",
    "products": "orders:product-list",
    "alerts": "shops:alert-list",
    "settings": "shops:settings-general",
    "members": "shops:member-list",
}
SITE_LINKS = {
    "shops": "shops:shop-list",
    "operations": "ops:operations",
    "account": "accounts:account",
    "logout": "logout",
}


@lru_cache(maxsize=2048)
def _links(shop_id: int | None, urlconf: Any, script_prefix: str) -> dict[str, str]:
    """The sidebar's URLs of one shop (or, for None, the site-wide ones)."""
    if shop_id is None:
        return {key: reverse(name, urlconf=urlconf) for key, name in SITE_LINKS.items()}
    return {key: reverse(name, args=[shop_id], urlconf=urlconf) for key, name in SHOP_LINKS.items()}


def links(shop_id: int | None = None) -> dict[str, str]:
    """`_links` for the current URL configuration and script prefix (both are part of the
    cache key: a test may override ROOT_URLCONF, a deployment may serve under a prefix)."""
    return _links(shop_id, get_urlconf(settings.ROOT_URLCONF), get_script_prefix())


def active_links(request: HttpRequest) -> frozenset[str]:
    """The sidebar links to highlight on this page (by the page's app, URL name or path)."""
    match = request.resolver_match
    app = match.app_name if match else ""
    name = match.url_name if match else ""
    path = request.path
    active = {
        "dashboard": name == "dashboard" and app == "shops",
        "cockpit": app == "cockpit",
        "orders": app == "orders" and "products" not in path,
        "offers": app == "bulkbuy",
        "shipments": app == "asn",
        "receiving": app == "receiving",
        "invoices": app == "invoicing",
        "products": "products" in path,
        "alerts": name == "alert-list",
        "settings": "settings" in path,
        "shops": name == "shop-list",
        "operations": app == "ops",
    }
    return frozenset(key for key, on in active.items() if on)


@dataclass(frozen=True)
class ShopLink:
    """A shop in the switcher: it opens the shop's orders."""

    pk: int
    name: str
    url: str


def _switchable(request: HttpRequest) -> list[ShopLink]:
    # shop_for_user has read the user's shops with its access check; other pages ask.
    shops = getattr(request, "switchable_shops", None)
    if shops is None:
        user = request.user
        if not user.is_authenticated:  # shop_navigation offers the switcher to members only
            return []
        shops = Shop.objects.filter(memberships__user=user).only("id", "name")
    return [ShopLink(shop.pk, shop.name, links(shop.pk)["orders"]) for shop in shops]


def shop_navigation(request: HttpRequest) -> dict:
    context: dict[str, Any] = {
        # Reversed once per process; highlighted when a template shows them (the sidebar).
        "site_links": SimpleLazyObject(links),
        "active_links": SimpleLazyObject(partial(active_links, request)),
    }
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return context
    current = getattr(request, "shop", None)
    context |= {
        # Built when a template shows it (the sidebar), not for the htmx fragments.
        "switchable_shops": SimpleLazyObject(partial(_switchable, request)),
        "current_shop": current,
        "perms_here": getattr(request, "shop_permissions", frozenset()),
    }
    if current is not None:
        context["shop_links"] = SimpleLazyObject(partial(links, current.pk))
        # Counted when a template shows it (the sidebar), once, and not at all for the htmx
        # fragments that don't.
        context["unread_alert_count"] = SimpleLazyObject(partial(alert_unread_count, current.pk))
    return context
