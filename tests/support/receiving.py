"""Shipping an order to a simulator that receives it: an ASN Amazon accepted, then the
receipt after the simulator's receive delay."""

import time

from amazon1p.models import AmazonStatus, StatusMapping
from asn.models import AsnStatus
from asn.submission import asn_submit
from shops.models import OrderStatus, PaymentStatus
from tests.support.asn import follow, packed_group

RECEIVE_DELAY = 0.5


def map_partially_received(shop) -> None:
    StatusMapping.objects.update_or_create(
        connection=shop.amazon_connection,
        amazon_status=AmazonStatus.PARTIALLY_RECEIVED,
        defaults={
            "main_status": OrderStatus.objects.get(shop=shop, name="Acknowledged"),
            "payment_status": PaymentStatus.objects.get(shop=shop, name="Unpaid"),
        },
    )


def ship(shop, order, admin_user, api):
    """Pack `order` in full into a group shipment and have Amazon accept its ASN."""
    group, _ = packed_group(shop, order, admin_user)
    sent = asn_submit(group=group, actor=admin_user)
    assert follow(sent, api).status == AsnStatus.SUCCESS
    map_partially_received(shop)
    return group


def wait_for_receipt() -> None:
    time.sleep(RECEIVE_DELAY + 0.3)
