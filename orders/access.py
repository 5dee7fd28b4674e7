"""Access helper for orders (see shops.access for the rules)."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from orders.models import Order
from orders.panels import order_panels_related
from orders.selectors import order_detail_queryset
from shops.access import shop_for_user, shop_object_for_user
from shops.permissions import Perm


def order_for_user(request: HttpRequest, *, shop_id: int, pk: int, perm: Perm) -> Order:
    return shop_object_for_user(request, Order, shop_id=shop_id, pk=pk, perm=perm)


def order_page_for_user(request: HttpRequest, *, shop_id: int, pk: int, perm: Perm) -> Order:
    """`order_for_user` (same rules), read as the order page shows it, with what its panels
    read of it (`orders.selectors.order_detail`): the page reads the order once, not twice."""
    shop = shop_for_user(request, shop_id, perm)
    order = get_object_or_404(order_detail_queryset(shop, related=order_panels_related()), pk=pk)
    order.shop = shop
    return order
