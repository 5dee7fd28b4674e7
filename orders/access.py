"""Access helper for orders (see shops.access for the rules)."""

from django.http import HttpRequest

from orders.models import Order
from shops.access import shop_object_for_user
from shops.permissions import Perm


def order_for_user(request: HttpRequest, *, shop_id: int, pk: int, perm: Perm) -> Order:
    return shop_object_for_user(request, Order, shop_id=shop_id, pk=pk, perm=perm)
