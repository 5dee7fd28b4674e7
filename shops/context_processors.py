"""Layout data: the shop switcher, the current shop and what the user may do there."""

from functools import partial
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shops.models import Alert, Shop


def _unread_alerts(shop: Shop) -> int:
    return Alert.objects.filter(shop=shop, is_read=False).count()


def shop_navigation(request: HttpRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = getattr(request, "shop", None)
    # shop_for_user has read the user's shops with its access check; other pages ask.
    switchable = getattr(request, "switchable_shops", None)
    if switchable is None:
        switchable = Shop.objects.filter(memberships__user=request.user).only("id", "name")
    context: dict[str, Any] = {
        "switchable_shops": switchable,
        "current_shop": current,
        "perms_here": getattr(request, "shop_permissions", frozenset()),
    }
    if current is not None:
        # Counted when a template shows it (the sidebar), once, and not at all for the htmx
        # fragments that don't.
        context["unread_alert_count"] = SimpleLazyObject(partial(_unread_alerts, current))
    return context
