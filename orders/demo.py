"""Demo data: sample orders of the demo shop, the way an Amazon 1P vendor's book looks.

Deterministic (seeded) and idempotent: running it again adds only what is missing. Called by
the demo command (shopctrl/demo.py).
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Channel, Order, PurchaseType
from orders.services import CustomerInput, OrderInput, RowInput, order_create
from shops.models import AlertSeverity, Shop
from shops.services import alert_raise

PRODUCTS = [
    ("4006381333931", "B00EXAMPL1", "KT-100", "Stainless kettle 1.7 l", Decimal("18.40")),
    ("4006381333948", "B00EXAMPL2", "TP-220", "Toaster 2-slot, brushed steel", Decimal("22.10")),
    ("4006381333955", "B00EXAMPL3", "CM-310", "Drip coffee maker 10 cups", Decimal("31.75")),
    ("4006381333962", "B00EXAMPL4", "BL-450", "Blender 1.5 l glass jar", Decimal("27.90")),
    ("4006381333979", "B00EXAMPL5", "HM-050", "Hand mixer 5 speeds", Decimal("12.60")),
    ("4006381333986", "B00EXAMPL6", "SC-800", "Slow cooker 6 l", Decimal("39.20")),
]
FULFILLMENT_CENTERS = [
    ("Amazon EU SARL – DTM2", "Kaltbandstraße 4", "44145", "Dortmund"),
    ("Amazon EU SARL – LEJ1", "Amazonstraße 1", "04347", "Leipzig"),
    ("Amazon EU SARL – MUC3", "Amazonstraße 1", "85386", "Eching"),
    ("Amazon EU SARL – FRA7", "Am Schloss Eichhof 1", "36251", "Bad Hersfeld"),
]


def orders_demo_build(*, shop: Shop, orders: int, seed: int, amazon_samples: bool) -> int:
    """Sample orders up to `orders` in all (older ones have moved on: shipped, paid, some
    cancelled), and an alert on the newest the first time. Returns how many it created.

    Without `amazon_samples` the samples are manual orders only: the Amazon ones then come
    from the Vendor Central simulator.
    """
    existing = Order.objects.filter(shop=shop).count()
    rng = random.Random(seed)
    now = timezone.now().replace(second=0, microsecond=0)
    for i in range(existing, orders):
        fc_name, street, postal, city = rng.choice(FULFILLMENT_CENTERS)
        picks = rng.sample(PRODUCTS, rng.randint(1, 4))
        amazon = amazon_samples and i % 5 != 0
        order = order_create(
            shop=shop,
            data=OrderInput(
                number=f"{'PO' if amazon else 'M'}{8_000_000 + i}",
                ordered_at=now - timedelta(hours=3 * (orders - i)),
                channel=Channel.AMAZON_1P if amazon else Channel.MANUAL,
                external_reference=f"{rng.randint(10**7, 10**8 - 1):X}" if amazon else "",
                purchase_type=rng.choice(
                    [PurchaseType.WEEKLY, PurchaseType.WEEKLY, PurchaseType.BULK_BUY]
                )
                if amazon
                else PurchaseType.NONE,
                customer=CustomerInput(
                    name=fc_name, address_line=street, postal_code=postal, city=city, country="DE"
                ),
                rows=[
                    RowInput(
                        ean=ean,
                        asin=asin,
                        sku=sku,
                        title=title,
                        unit_price=price,
                        quantity=rng.choice([6, 12, 24, 48, 96, 120]),
                    )
                    for ean, asin, sku, title, price in picks
                ],
                parameters={"ShipToPartyRef": fc_name[-4:]} if amazon else {},
            ),
        )
        _age_statuses(order, rng, fresh=i > orders - 20)
    last = Order.objects.filter(shop=shop).first()
    if existing == 0 and last is not None:
        alert_raise(
            shop=shop,
            severity=AlertSeverity.WARNING,
            target=last,
            message=f"Order {last.number} ships to an unknown fulfillment center.",
        )
    return max(orders - existing, 0)


def _age_statuses(order: Order, rng: random.Random, *, fresh: bool) -> None:
    """Older demo orders have moved on: acknowledged, shipped, paid, some cancelled."""
    if fresh:
        return
    statuses = {s.name: s for s in order.shop.order_statuses.all()}
    payments = {s.name: s for s in order.shop.payment_statuses.all()}
    roll = rng.random()
    if roll < 0.05:
        order.main_status, order.payment_status = statuses["Cancelled"], payments["Fully credited"]
    elif roll < 0.55:
        order.main_status, order.payment_status = statuses["Completed"], payments["Paid"]
    elif roll < 0.8:
        order.main_status, order.payment_status = statuses["Shipped"], payments["Unpaid"]
    else:
        order.main_status = statuses["Acknowledged"]
    Order.objects.filter(pk=order.pk).update(
        main_status=order.main_status, payment_status=order.payment_status
    )
