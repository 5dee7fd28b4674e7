"""Completed offers and Amazon POs for the linking tests.

POs go through the real import (`purchase_orders_upsert`), so the order, its rows, its
DeliveryWindow parameter and the stored PO with its content hash are what a sync stores.
Offers go through the import and every approval stage to Complete.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from amazon1p.connection.models import AmazonConnection, FulfillmentCenter
from amazon1p.importing.sync import mapping_context
from amazon1p.importing.upsert import purchase_orders_upsert
from amazon1p.spapi.mapping import parse_purchase_order
from bulkbuy.models import Offer, OfferRow
from bulkbuy.services import offer_import
from bulkbuy.stages import (
    offer_commerce_decide,
    offer_complete,
    offer_quantities_set,
    offer_stage_approve,
)
from orders.catalogue import products_fill_from_rows
from orders.models import Order
from shops.models import OrderStatus
from tests.bulkbuy.factories import offer_row, offer_xlsx, upload

STAGE1 = (date(2027, 1, 4), date(2027, 1, 10))
STAGE2 = (date(2027, 2, 1), date(2027, 2, 7))
PO_DATE = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # 34 days before stage 1 starts
PRICE = Decimal("10.50")


def ean(n: int) -> str:
    return f"40000000000{n:02d}"


def asin(n: int) -> str:
    return f"B{n:09d}"


def connect(shop, **settings) -> AmazonConnection:
    """The shop's Amazon settings: on, acknowledging New and Acknowledged orders, with the
    FC the POs ship to (so the import raises no alert of its own)."""
    connection = AmazonConnection.objects.create(
        shop=shop, enabled=True, acknowledge_orders=True, **settings
    )
    connection.acknowledgeable_statuses.set(
        OrderStatus.objects.filter(shop=shop, name__in=["New", "Acknowledged"])
    )
    FulfillmentCenter.objects.create(connection=connection, code="LEJ1", ship_to_party_ref="L1")
    return connection


@dataclass(frozen=True)
class Line:
    product: int  # n of ean(n) / asin(n)
    quantity: int
    price: Decimal = PRICE


def po_payload(
    number: str,
    lines: list[Line],
    *,
    window: tuple[date, date] | None = (date(2027, 1, 5), date(2027, 1, 8)),
    ordered: datetime = PO_DATE,
    state: str = "New",
) -> dict:
    details = {
        "purchaseOrderDate": ordered.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "purchaseOrderType": "RegularOrder",
        "paymentMethod": "Invoice",
        "sellingParty": {"partyId": "VNDR1"},
        "shipToParty": {"partyId": "LEJ1"},
        "items": [
            {
                "itemSequenceNumber": str(i),
                "amazonProductIdentifier": asin(line.product),
                "vendorProductIdentifier": ean(line.product),
                "orderedQuantity": {"amount": line.quantity, "unitOfMeasure": "Eaches"},
                "netCost": {"amount": str(line.price), "currencyCode": "EUR"},
                "isBackOrderAllowed": False,
            }
            for i, line in enumerate(lines, start=1)
        ],
    }
    if window is not None:
        details["deliveryWindow"] = f"{window[0]}T08:00:00Z--{window[1]}T17:00:00Z"
    return {"purchaseOrderNumber": number, "purchaseOrderState": state, "orderDetails": details}


def import_po(shop, number: str, lines: list[Line], **payload) -> Order:
    """Store the PO as a sync does (a second call with other values is a change at Amazon)."""
    connection = AmazonConnection.objects.select_related("shop").get(shop=shop)
    po = parse_purchase_order(po_payload(number, lines, **payload))
    purchase_orders_upsert(shop=shop, ctx=mapping_context(connection), orders=[po])
    return Order.objects.get(shop=shop, number=number)


def completed_offer(
    shop,
    actor,
    *,
    products: tuple[int, ...] = (1, 2),
    final: int = 100,
    final2: int | None = None,
    cost: Decimal = PRICE,
    name: str = "OFFER-1",
    rows: list[dict] | None = None,
) -> Offer:
    """An offer of `products` at `cost`, stage 1 in STAGE1 (and stage 2 in STAGE2 when
    `final2` is given), taken through every stage with the Warehouse's final quantities
    `final` (and `final2`). `rows` (by header, see `offer_row`) replace the products."""
    stage2 = (
        {"Stage 2 start": STAGE2[0], "Stage 2 end": STAGE2[1], "Stage 2 quantity": 200}
        if final2 is not None
        else {}
    )
    rows = rows or [
        offer_row(
            n,
            **{
                "Unit cost": float(cost),
                "Stage 1 start": STAGE1[0],
                "Stage 1 end": STAGE1[1],
                "Stage 1 quantity": 200,
                **stage2,
            },
        )
        for n in products
    ]
    products_fill_from_rows(shop, [(r["EAN"], r["ASIN"], r["Title"]) for r in rows])
    offer = offer_import(actor=actor, shop=shop, upload=upload(offer_xlsx(rows)), name=name)
    offer = offer_commerce_decide(actor=actor, offer_id=offer.pk, revision=1, approve="all")
    offer = offer_stage_approve(
        actor=actor, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )
    for stage in ("manufacture", "warehouse"):
        offer = offer_quantities_set(
            actor=actor,
            offer_id=offer.pk,
            stage=stage,
            revision=offer.revision,
            quantities={r.pk: (final, final2) for r in OfferRow.objects.filter(offer=offer)},
        )
        if stage == "manufacture":
            offer = offer_stage_approve(
                actor=actor, offer_id=offer.pk, stage=stage, revision=offer.revision
            )
    return offer_complete(actor=actor, offer_id=offer.pk, revision=offer.revision)
