"""Reads for the offer pages."""

from django.db.models import QuerySet

from bulkbuy.models import Offer, OfferRow
from shops.models import Shop


def offer_list(*, shop: Shop) -> QuerySet[Offer]:
    """The shop's offers, newest first, without their stored workbooks."""
    return Offer.objects.filter(shop=shop).defer("source_file").select_related("created_by")


def offer_rows(*, offer: Offer) -> QuerySet[OfferRow]:
    return offer.rows.select_related("product").order_by("row_number")
