"""Automatic acknowledgement by rule (docs/amazon.md, "Acknowledgements"): accept a New PO
in full when every line is in stock and priced at the agreed cost, per the shop's Products
catalogue.

`rule_findings` is pure (what stands in the way of one PO); `acknowledge_by_rule` applies
the rule to a shop's New POs that nobody acknowledged yet, oldest deadline first, keeping a
running count of the stock it promised so two POs cannot both take the last units. Nothing
here changes stock: the catalogue's figure is what is available to promise, kept by the
warehouse.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef

from amazon1p.acknowledgements.models import Acknowledgement, AckOrigin
from amazon1p.acknowledgements.services import acknowledgement_blocker, acknowledgement_request
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.spapi import parsing
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import PurchaseOrder
from core.errors import ShopCtrlError
from orders.models import Order, Product

RULE_STOCK_AND_COST = "stock_and_cost"


@dataclass
class RuleRun:
    acknowledged: list[str] = field(default_factory=list)  # PO numbers
    held: dict[str, list[str]] = field(default_factory=dict)  # PO number → why not


def _product_for(item, by_ean: Mapping[str, Product], by_asin: Mapping[str, Product]):
    return by_ean.get(item.vendor_product_id) or by_asin.get(item.asin)


def rule_findings(
    po: PurchaseOrder,
    by_ean: Mapping[str, Product],
    by_asin: Mapping[str, Product],
    promised: Mapping[int, int],
    row_prices: Mapping[int, Decimal | None] | None = None,
) -> list[str]:
    """Why the rule does not accept `po` ([] = it does). `promised`: eaches per product id
    already promised to other POs in this pass. `row_prices`: the order's unit price by
    row position, for lines Amazon sent without netCost (staff set those)."""
    findings = []
    wanted: dict[int, int] = {}
    for position, item in enumerate(po.items, start=1):
        product = _product_for(item, by_ean, by_asin)
        if product is None:
            findings.append(f"line {position}: not in the Products catalogue")
            continue
        cost = item.net_cost.amount if item.net_cost else (row_prices or {}).get(position)
        if item.net_cost is None and cost is None:
            findings.append(
                f"line {position}: Amazon sent no net cost; set the price on the order first"
            )
        elif item.net_cost is not None and item.net_cost.unit_of_measure:
            # The agreed cost is per each; a price per pound cannot be compared with it.
            findings.append(
                f"line {position}: priced per {item.net_cost.unit_of_measure.lower()}, "
                "not per each; acknowledge it by hand"
            )
        elif product.agreed_cost is None:
            findings.append(f"line {position}: no agreed cost for {product}")
        elif cost is None or cost != product.agreed_cost:
            findings.append(f"line {position}: cost {cost} ≠ agreed {product.agreed_cost:.2f}")
        wanted[product.pk] = wanted.get(product.pk, 0) + item.ordered_quantity.eaches
    for product_id, eaches in wanted.items():
        product = next(p for p in (*by_ean.values(), *by_asin.values()) if p.pk == product_id)
        available = (product.stock_quantity or 0) - promised.get(product_id, 0)
        if product.stock_quantity is None or available < eaches:
            findings.append(f"{product}: {eaches} wanted, {max(available, 0)} in stock")
    return findings


def _catalogue(shop_id: int, pos: list[PurchaseOrder]):
    eans = {i.vendor_product_id for po in pos for i in po.items if i.vendor_product_id}
    asins = {i.asin for po in pos for i in po.items if i.asin}
    products = Product.objects.filter(shop_id=shop_id, ean__in=eans) | Product.objects.filter(
        shop_id=shop_id, asin__in=asins
    )
    found = list(products)
    return {p.ean: p for p in found if p.ean}, {p.asin: p for p in found if p.asin}


def acknowledge_by_rule(connection: AmazonConnection) -> RuleRun:
    """Acknowledge every qualifying New PO of the shop (see the module doc).

    Idempotent: a PO with any acknowledgement is not a candidate, and the outbox's one-in-
    flight constraint refuses a second one from a concurrent run (that PO is then skipped).
    """
    result = RuleRun()
    if connection.auto_acknowledge_rule != RULE_STOCK_AND_COST or not connection.enabled:
        return result
    candidates = (
        AmazonPurchaseOrder.objects.filter(
            shop_id=connection.shop_id, state="New", is_malformed=False, order__isnull=False
        )
        .exclude(Exists(Acknowledgement.objects.filter(purchase_order=OuterRef("pk"))))
        .select_related("order")
        .order_by("ack_due_at", "pk")
    )
    candidates = candidates.prefetch_related("order__rows")
    parsed: list[tuple[AmazonPurchaseOrder, PurchaseOrder]] = []
    for apo in candidates:
        try:
            parsed.append((apo, parsing.parse_purchase_order(apo.raw)))
        except AmazonMappingError:
            continue  # reported by the import; staff handle it
    by_ean, by_asin = _catalogue(connection.shop_id, [po for _, po in parsed])
    promised: dict[int, int] = {}
    for apo, po in parsed:
        order = apo.order
        if order is None:  # the candidates all have one
            continue
        findings = rule_findings(po, by_ean, by_asin, promised, _row_prices(order))
        blocker = acknowledgement_blocker(order, connection)
        if blocker:
            findings.append(blocker)
        if findings:
            result.held[po.number] = findings
            continue
        try:
            acknowledgement_request(actor=None, order=order, origin=AckOrigin.RULE)
        except ShopCtrlError as error:
            result.held[po.number] = [error.message]
            continue
        for item in po.items:
            product = _product_for(item, by_ean, by_asin)
            promised[product.pk] = promised.get(product.pk, 0) + item.ordered_quantity.eaches
        result.acknowledged.append(po.number)
    return result


def order_rule_findings(
    order: Order,
    connection: AmazonConnection,
    *,
    purchase_order: AmazonPurchaseOrder | None = None,
    acknowledged: bool | None = None,
) -> list[str] | None:
    """For the order page: why the rule has not acknowledged this order, or None when the
    rule is off or does not apply (not a New PO, or already acknowledged). The page passes
    the order's PO and whether it has an acknowledgement, which it has read already."""
    if connection.auto_acknowledge_rule != RULE_STOCK_AND_COST:
        return None
    if purchase_order is None:
        apo = AmazonPurchaseOrder.objects.filter(order=order, state="New").first()
    else:
        apo = purchase_order if purchase_order.state == "New" else None
    if apo is None:
        return None
    if acknowledged is None:
        acknowledged = Acknowledgement.objects.filter(purchase_order=apo).exists()
    if acknowledged:
        return None
    try:
        po = parsing.parse_purchase_order(apo.raw)
    except AmazonMappingError:
        return None
    by_ean, by_asin = _catalogue(order.shop_id, [po])
    return rule_findings(po, by_ean, by_asin, {}, _row_prices(order))


def _row_prices(order: Order) -> dict[int, Decimal | None]:
    return {row.position: row.unit_price for row in order.rows.all()}
