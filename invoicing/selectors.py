"""Reads for invoicing: what each order row has been invoiced and credited, the quantities a
new invoice may bill, the net cost Amazon acknowledged, and the shop's invoices."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from amazon1p.models import Acknowledgement, AckStatus, AmazonPurchaseOrder
from asn.models import GroupShipment, ShipmentLine
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, InvoiceType
from orders.models import Order
from receiving.models import LineReceipt
from receiving.selectors import shipped_eaches
from shops.models import Shop, VatTariff

# An invoice counts once it is on its way: Amazon holds it, or may soon.
BILLED = (InvoiceStatus.SENT, InvoiceStatus.ACCEPTED)


def rows_on_an_invoice() -> Q:
    """Order rows an invoice or credit note bills, drafts included: they keep their VAT
    tariff when a product's category changes (registered with
    `orders.catalogue.rows_keeping_tariff` in InvoicingConfig.ready())."""
    return Q(invoice_lines__isnull=False)


def invoiced_and_credited(order_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Order row → (eaches invoiced, eaches credited) by invoices sent or accepted (the
    reconciliation's source, registered in InvoicingConfig.ready())."""
    if not order_ids:
        return {}
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row_id, kind, total in (
        InvoiceLine.objects.filter(row__order_id__in=order_ids, invoice__status__in=BILLED)
        .values_list("row_id", "invoice__invoice_type")
        .annotate(total=Sum("quantity"))
    ):
        found[row_id][0 if kind == InvoiceType.INVOICE else 1] += total
    return {row_id: (pair[0], pair[1]) for row_id, pair in found.items()}


def invoiced_eaches(row_ids: list[int], *, exclude: Invoice | None = None) -> dict[int, int]:
    """Order row → eaches billed by invoices (not credit notes) sent or accepted, or still
    drafts (a draft holds its quantities until it is sent or refused)."""
    lines = InvoiceLine.objects.filter(
        row_id__in=row_ids,
        invoice__invoice_type=InvoiceType.INVOICE,
        invoice__status__in=(*BILLED, InvoiceStatus.DRAFT),
    )
    if exclude is not None:
        lines = lines.exclude(invoice=exclude)
    return dict(lines.values_list("row_id").annotate(total=Sum("quantity")))


def received_eaches(row_ids: list[int]) -> dict[int, int | None]:
    """Order row → eaches Amazon received; None while it reports none."""
    return {
        row_id: (quantity if last is not None or quantity else None)
        for row_id, quantity, last in LineReceipt.objects.filter(row_id__in=row_ids).values_list(
            "row_id", "received_quantity", "last_receive_date"
        )
    }


def group_shipped_eaches(group: GroupShipment) -> dict[int, int]:
    """Order row → eaches this group shipment ships."""
    return dict(
        ShipmentLine.objects.filter(shipment__group=group)
        .values_list("row_id")
        .annotate(total=Sum("quantity"))
    )


def shipped_by_row(order_ids: list[int]) -> dict[int, int]:
    """Order row → eaches shipped in ASNs Amazon accepted."""
    return shipped_eaches(order_ids)


def unit_weights_kg(row_ids: list[int]) -> dict[int, Decimal]:
    """Order row → the weight of one each (kg) as the pack file gave it, where known."""
    return {
        row_id: weight
        for row_id, weight in ShipmentLine.objects.filter(
            row_id__in=row_ids, unit_weight_kg__isnull=False
        ).values_list("row_id", "unit_weight_kg")
        if weight is not None  # as the filter: narrows the nullable column's type
    }


def acknowledged_net_costs(order_ids: list[int]) -> dict[tuple[int, int], tuple[Decimal, str]]:
    """(order, item sequence number) → (net cost, weight unit or "") as the latest
    successful acknowledgement of each order sent it."""
    found: dict[tuple[int, int], tuple[Decimal, str]] = {}
    for ack in Acknowledgement.objects.filter(
        order_id__in=order_ids, status=AckStatus.SUCCESS
    ).order_by("created_at", "id"):
        for entry in ack.payload.get("items", ()):
            cost = entry.get("netCost")
            sequence = str(entry.get("itemSequenceNumber", ""))
            if cost and cost.get("amount") not in (None, "") and sequence.isdigit():
                key = (ack.order_id, int(sequence))
                found[key] = (Decimal(cost["amount"]), cost.get("unitOfMeasure") or "")
    return found


def po_numbers(order_ids: list[int]) -> dict[int, str]:
    """Order → its Amazon PO number."""
    return dict(
        AmazonPurchaseOrder.objects.filter(order_id__in=order_ids).values_list(
            "order_id", "po_number"
        )
    )


def ship_to_of(order: Order) -> str:
    """The order's ship-to party (Amazon's FC) id, or ""."""
    party = (order.parties or {}).get("ship_to") or {}
    if party.get("party_id"):
        return party["party_id"]
    apo = AmazonPurchaseOrder.objects.filter(order=order).only("raw").first()
    raw = apo.raw if apo else {}
    return ((raw.get("orderDetails") or {}).get("shipToParty") or {}).get("partyId", "")


def shop_invoices(shop: Shop) -> QuerySet[Invoice]:
    """The shop's invoices and credit notes, newest first."""
    return Invoice.objects.filter(shop=shop).select_related("reference", "group")


def invoice_usual_tax_rate(invoice: Invoice) -> Decimal:
    """The tax rate a new charge or allowance most likely bears: the lines' rate when they
    share one, else the shop's default VAT tariff's (0 without one)."""
    rates = set(invoice.lines.values_list("tax_rate", flat=True).distinct())
    if len(rates) == 1:
        return rates.pop()
    tariff = VatTariff.objects.filter(shop_id=invoice.shop_id, is_default=True).first()
    return tariff.rate if tariff is not None else Decimal(0)


def vat_categories(shop: Shop) -> QuerySet[VatTariff]:
    """The shop's VAT tariffs, its products' VAT categories, each with `product_count`:
    how many catalogue products are filed under it (the default also serves the rest)."""
    return VatTariff.objects.filter(shop=shop).annotate(product_count=Count("products"))
