"""Access helper for offers (see shops.access for the rules)."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from bulkbuy.models import Offer
from shops.access import shop_for_user
from shops.permissions import Perm


def offer_for_user(
    request: HttpRequest, *, shop_id: int, pk: int, perm: Perm, with_file: bool = False
) -> Offer:
    """The shop's offer under `shop_for_user` rules; the stored workbook only if asked."""
    shop = shop_for_user(request, shop_id, perm)
    offers = Offer.objects.select_related("shop", "created_by")
    return get_object_or_404(offers if with_file else offers.defer("source_file"), pk=pk, shop=shop)
