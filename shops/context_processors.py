"""Layout data: the shop switcher, the current shop and what the user may do there."""

from typing import Any

from django.http import HttpRequest

from shops.models import Alert, Shop


def shop_navigation(request: HttpRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = getattr(request, "shop", None)
    context: dict[str, Any] = {
        "switchable_shops": Shop.objects.filter(memberships__user=request.user).only("id", "name"),
        "current_shop": current,
        "perms_here": getattr(request, "shop_permissions", frozenset()),
    }
    if current is not None:
        context["unread_alert_count"] = Alert.objects.filter(shop=current, is_read=False).count()
    return context
