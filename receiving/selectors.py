"""Reads for receiving: which POs to ask Amazon about, and the reconciliation of each line
(ordered → accepted → shipped per ASN → received), in bulk queries whatever the number of
orders (the list page has a query budget)."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce

from amazon1p.acknowledgements.models import AcknowledgementLine, AckStatus
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.models import AsnStatus, GroupShipment, Shipment, ShipmentLine
from orders.models import Order, OrderRow
from receiving.models import LineReceipt, OrderReceiving, ReceiveStatus
from shops.models import Shop


def shipped_groups(shop_id: int) -> QuerySet[GroupShipment]:
    """Group shipments with an ASN Amazon accepted (a later Replace in flight included)."""
    return GroupShipment.objects.filter(
        shop_id=shop_id, submissions__status=AsnStatus.SUCCESS
    ).distinct()


def shipped_eaches(order_ids: list[int]) -> dict[int, int]:
    """Order row → eaches shipped in group shipments whose ASN Amazon accepted."""
    if not order_ids:
        return {}
    lines = ShipmentLine.objects.filter(
        shipment__order_id__in=order_ids,
        shipment__group__in=GroupShipment.objects.filter(submissions__status=AsnStatus.SUCCESS),
    )
    return {
        row_id: total
        for row_id, total in lines.values_list("row_id").annotate(total=Sum("quantity"))
    }


class Target(NamedTuple):
    """A shipped PO whose receiving is not complete yet."""

    order_id: int
    po_number: str
    created: datetime


def receiving_targets(shop: Shop, *, oldest: datetime) -> list[Target]:
    """Shipped (ASN accepted) POs not fully received, created after `oldest` (Amazon's
    status API holds six months), oldest first.

    One pass over the shop's POs with two index probes each (shipped? fully received?):
    the receiving sync cannot call Amazon before it has them, so every millisecond here
    adds to its time (bench/README.md, `receiving.py`).
    """
    shipped = Shipment.objects.filter(
        order_id=OuterRef("order_id"), group__in=shipped_groups(shop.pk)
    )
    received = OrderReceiving.objects.filter(order_id=OuterRef("order_id"), fully_received=True)
    # Amazon's creation date; the order's date for a PO stored without one. COALESCE reads
    # the order only for those.
    ordered_at = Order.objects.filter(pk=OuterRef("order_id")).order_by().values("ordered_at")
    found = (
        AmazonPurchaseOrder.objects.filter(shop=shop, order__isnull=False)
        .annotate(created=Coalesce("purchase_order_date", Subquery(ordered_at)))
        .filter(Exists(shipped), ~Exists(received), created__gt=oldest)
        .order_by("created", "po_number")
        .values_list("order_id", "po_number", "created")
    )
    return [Target(*row) for row in found]


def pos_created_between(shop: Shop, start: datetime, end: datetime) -> int:
    """How many of the shop's POs Amazon created in (start, end]: what listing costs."""
    return AmazonPurchaseOrder.objects.filter(
        shop=shop, purchase_order_date__gt=start, purchase_order_date__lte=end
    ).count()


def po_created_nth(shop: Shop, start: datetime, n: int) -> datetime | None:
    """When the shop's `n`-th PO (1-based) created after `start` was created, or None."""
    found = (
        AmazonPurchaseOrder.objects.filter(shop=shop, purchase_order_date__gt=start)
        .order_by("purchase_order_date")
        .values_list("purchase_order_date", flat=True)
    )
    return next(iter(found[n - 1 : n]), None)


# --- reconciliation ----------------------------------------------------------------------

# What was invoiced and credited of each order row, in eaches: each source takes order ids
# and answers {row id: (invoiced, credited)}. The invoicing app (above this one) registers
# its source in its AppConfig.ready().
InvoicedSource = Callable[[list[int]], dict[int, tuple[int, int]]]
invoiced_sources: list[InvoicedSource] = []


@dataclass
class ReconLine:
    """One PO line from order to receipt; quantities in eaches, None where nothing is known."""

    row: OrderRow
    ordered: int
    accepted: int | None
    backordered: int | None
    shipped: int
    received: int | None
    receive_status: str
    last_receive_date: datetime | None
    receiving_started: bool
    invoiced: int = 0  # by invoices Amazon accepted or that are on their way
    credited: int = 0  # by credit notes, likewise

    @property
    def to_invoice(self) -> int:
        """Received (or, before receiving starts, shipped) and not invoiced yet."""
        basis = self.received if self.receiving_started else self.shipped
        return max(0, (basis or 0) - self.invoiced)

    @property
    def to_ship(self) -> int:
        """Accepted or backordered, not in an accepted ASN yet."""
        if self.accepted is None:
            return 0
        return max(0, self.accepted + (self.backordered or 0) - self.shipped)

    @property
    def at_risk(self) -> int:
        """Shipped but not received, once Amazon has begun receiving the PO: what a shortage
        claim would take back if it stays so."""
        if not self.receiving_started:
            return 0
        return max(0, self.shipped - (self.received or 0))

    @property
    def unit_price(self) -> Decimal | None:
        """None where Amazon sent no net cost and staff set none yet (see `priced`)."""
        return self.row.unit_price

    @property
    def priced(self) -> bool:
        return self.row.unit_price is not None

    def value_of(self, units: int) -> Decimal:
        """Units at the row's price; a line without a price adds nothing to the money totals,
        which then say so (`ReconOrder.value_incomplete`), never a silent zero price."""
        return units * self.row.unit_price if self.row.unit_price is not None else Decimal(0)

    @property
    def to_ship_value(self) -> Decimal:
        return self.value_of(self.to_ship)

    @property
    def at_risk_value(self) -> Decimal:
        return self.value_of(self.at_risk)

    @property
    def status_label(self) -> str:
        return ReceiveStatus(self.receive_status).label if self.receive_status else "—"


@dataclass
class ReconOrder:
    """Reconciliation of one PO."""

    order: Order
    po_number: str
    fc: str
    lines: list[ReconLine] = field(default_factory=list)
    shortage_alerted_at: datetime | None = None

    @property
    def value_incomplete(self) -> bool:
        """Some line has no price yet: the money totals leave it out."""
        return not all(line.priced for line in self.lines)

    def _sum(self, name: str) -> int:
        return sum(getattr(line, name) or 0 for line in self.lines)

    @property
    def ordered(self) -> int:
        return self._sum("ordered")

    @property
    def accepted(self) -> int:
        return self._sum("accepted")

    @property
    def backordered(self) -> int:
        return self._sum("backordered")

    @property
    def shipped(self) -> int:
        return self._sum("shipped")

    @property
    def received(self) -> int:
        return self._sum("received")

    @property
    def to_ship(self) -> int:
        return self._sum("to_ship")

    @property
    def invoiced(self) -> int:
        return self._sum("invoiced")

    @property
    def credited(self) -> int:
        return self._sum("credited")

    @property
    def to_invoice(self) -> int:
        return self._sum("to_invoice")

    @property
    def at_risk(self) -> int:
        return self._sum("at_risk")

    @property
    def shipped_value(self) -> Decimal:
        return sum((line.value_of(line.shipped) for line in self.lines), Decimal(0))

    @property
    def received_value(self) -> Decimal:
        return sum((line.value_of(line.received or 0) for line in self.lines), Decimal(0))

    @property
    def to_ship_value(self) -> Decimal:
        return sum((line.to_ship_value for line in self.lines), Decimal(0))

    @property
    def at_risk_value(self) -> Decimal:
        return sum((line.at_risk_value for line in self.lines), Decimal(0))

    @property
    def receive_status(self) -> str:
        statuses = {line.receive_status for line in self.lines if line.shipped}
        if not statuses or statuses == {""} or statuses == {ReceiveStatus.NOT_RECEIVED}:
            return ReceiveStatus.NOT_RECEIVED if statuses - {""} else ""
        if statuses == {ReceiveStatus.RECEIVED}:
            return ReceiveStatus.RECEIVED
        return ReceiveStatus.PARTIALLY_RECEIVED

    @property
    def status_label(self) -> str:
        return ReceiveStatus(self.receive_status).label if self.receive_status else "—"

    @property
    def last_receive_date(self) -> datetime | None:
        dates = [line.last_receive_date for line in self.lines if line.last_receive_date]
        return max(dates) if dates else None


def accepted_lines(lines: Iterable[AcknowledgementLine]) -> dict[int, AcknowledgementLine]:
    """Order row → its line in the latest successful acknowledgement that answers it, from
    the lines of successful acknowledgements, oldest acknowledgement first."""
    return {line.row_id: line for line in lines}


def reconcile(
    orders: list[Order],
    *,
    purchase_orders: Mapping[int, AmazonPurchaseOrder] | None = None,
    shipped: Mapping[int, int] | None = None,
    answers: Mapping[int, AcknowledgementLine] | None = None,
    alerted: Mapping[int, datetime | None] | None = None,
) -> list[ReconOrder]:
    """Reconciliation of `orders` (each with its shop's data), in six queries (plus one per
    invoiced source); fewer when the orders come with their rows (`prefetch_related`) or
    the caller has read, for these orders, their Amazon POs (`purchase_orders`, by order
    id), what accepted ASNs shipped (`shipped`: see `shipped_eaches`), what Amazon's
    acknowledgements accepted (`answers`: see `accepted_lines`) or when a shortage was
    alerted (`alerted`, by order id)."""
    ids = [order.pk for order in orders]
    if not ids:
        return []
    prefetch_related_objects(orders, "rows")  # nothing to read where the page has them
    rows: dict[int, list[OrderRow]] = {order.pk: list(order.rows.all()) for order in orders}
    if shipped is None:
        shipped = shipped_eaches(ids)
    if answers is None:
        # The latest successful acknowledgement of each order wins (ordered oldest first).
        answers = accepted_lines(
            AcknowledgementLine.objects.filter(
                acknowledgement__order_id__in=ids, acknowledgement__status=AckStatus.SUCCESS
            ).order_by("acknowledgement__created_at", "acknowledgement_id")
        )
    receipts = {r.row_id: r for r in LineReceipt.objects.filter(order_id__in=ids)}
    pos = purchase_orders
    if pos is None:
        pos = {
            apo.order_id: apo
            for apo in AmazonPurchaseOrder.objects.filter(order_id__in=ids).only(
                "order_id", "po_number", "raw"
            )
            if apo.order_id is not None  # it is: filtered by it
        }
    if alerted is None:
        alerted = dict(
            OrderReceiving.objects.filter(order_id__in=ids).values_list(
                "order_id", "shortage_alerted_at"
            )
        )
    billed: dict[int, tuple[int, int]] = {}
    for source in invoiced_sources:
        billed.update(source(ids))
    result = []
    for order in orders:
        apo = pos.get(order.pk)
        raw = apo.raw if apo else {}
        fc = ((raw.get("orderDetails") or {}).get("shipToParty") or {}).get("partyId", "")
        started = any(
            receipts[row.pk].last_receive_date for row in rows[order.pk] if row.pk in receipts
        )
        recon = ReconOrder(
            order=order,
            po_number=apo.po_number if apo else order.number,
            fc=fc,
            shortage_alerted_at=alerted.get(order.pk),
        )
        for row in rows[order.pk]:
            answer, receipt = answers.get(row.pk), receipts.get(row.pk)
            recon.lines.append(
                ReconLine(
                    row=row,
                    ordered=row.quantity,
                    accepted=answer.accepted if answer else None,
                    backordered=answer.backordered if answer else None,
                    shipped=shipped.get(row.pk, 0),
                    received=receipt.received_quantity if receipt else None,
                    receive_status=receipt.receive_status if receipt else "",
                    last_receive_date=receipt.last_receive_date if receipt else None,
                    receiving_started=bool(started),
                    invoiced=billed.get(row.pk, (0, 0))[0],
                    credited=billed.get(row.pk, (0, 0))[1],
                )
            )
        result.append(recon)
    return result


def order_reconciliation(
    order: Order,
    *,
    purchase_order: AmazonPurchaseOrder | None = None,
    answers: Mapping[int, AcknowledgementLine] | None = None,
) -> ReconOrder | None:
    """The order page's panel: None unless an accepted ASN ships part of the order. The page
    passes what it has read already: the order's Amazon PO and what its acknowledgements
    accepted (`accepted_lines`)."""
    # Whether an accepted ASN ships the order and what it ships, in one query: a shipment
    # without lines is a row of its own (row None).
    found = list(
        Shipment.objects.filter(order=order, group__in=shipped_groups(order.shop_id))
        .values_list("lines__row_id")
        .annotate(total=Sum("lines__quantity"))
        .order_by()
    )
    if not found:
        return None
    shipped = {row_id: total for row_id, total in found if row_id is not None}
    known = {order.pk: purchase_order} if purchase_order is not None else None
    alerted = None
    if Order.receiving.is_cached(order):  # read with the order (receiving/apps.py)
        receiving = getattr(order, "receiving", None)  # None: cached as absent
        alerted = {order.pk: receiving.shortage_alerted_at if receiving else None}
    return reconcile(
        [order], purchase_orders=known, shipped=shipped, answers=answers, alerted=alerted
    )[0]


@dataclass(frozen=True)
class ReconFilters:
    status: str = ""  # a ReceiveStatus, or "" for all
    fc: str = ""
    ordered_from: datetime | None = None
    ordered_to: datetime | None = None
    at_risk_only: bool = False


LIST_LIMIT = 500


def shop_reconciliation(shop: Shop, filters: ReconFilters) -> list[ReconOrder]:
    """The shop's shipped POs (newest first, at most LIST_LIMIT), filtered."""
    orders = Order.objects.filter(
        shop=shop,
        pk__in=Shipment.objects.filter(group__in=shipped_groups(shop.pk)).values("order_id"),
    )
    if filters.fc:
        orders = orders.filter(shipments__group__fc_code=filters.fc).distinct()
    if filters.ordered_from:
        orders = orders.filter(ordered_at__gte=filters.ordered_from)
    if filters.ordered_to:
        orders = orders.filter(ordered_at__lt=filters.ordered_to)
    if filters.status == ReceiveStatus.RECEIVED:
        orders = orders.filter(receiving__fully_received=True)
    elif filters.status:
        orders = orders.exclude(receiving__fully_received=True)
    found = reconcile(list(orders.order_by("-ordered_at", "-pk")[:LIST_LIMIT]))
    if filters.status:
        found = [r for r in found if r.receive_status == filters.status]
    if filters.at_risk_only:
        found = [r for r in found if r.at_risk]
    return found


def group_reconciliation(group: GroupShipment) -> list[ReconOrder]:
    """The orders a group shipment carries (all their lines: receipts are per PO line)."""
    orders = Order.objects.filter(shipments__group=group).order_by("number")
    return reconcile(list(orders))
