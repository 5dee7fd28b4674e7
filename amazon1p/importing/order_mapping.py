"""Pure mapping from a parsed PurchaseOrder to the field values of our order (PRODUCT.md §3).

No ORM, clock or settings: everything the mapping needs about the shop comes in a
`MappingContext` built once per sync run.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from amazon1p.models import AmazonStatus
from amazon1p.spapi.types import CASES, PurchaseOrder, PurchaseOrderStatus
from shops.models import AlertKind

PARAM_SHIP_TO_REF = "ShipToPartyRef"
PARAM_PO_TYPE = "PurchaseOrderType"
PARAM_DEAL_CODE = "DealCode"
PARAM_SHIP_WINDOW = "ShipWindow"
PARAM_DELIVERY_WINDOW = "DeliveryWindow"


@dataclass(frozen=True)
class FcInfo:
    """A shop's FulfillmentCenter row, as the mapping needs it."""

    code: str
    name: str
    address_line: str
    postal_code: str
    city: str
    country: str
    ship_to_party_ref: str


@dataclass(frozen=True)
class MappingContext:
    """What the mapping knows about the shop; ids instead of model instances."""

    shop_currency: str
    fcs: Mapping[str, FcInfo]
    payment_types: Mapping[str, int]  # PaymentType.code → id
    statuses: Mapping[str, tuple[int | None, int | None]]  # AmazonStatus → (main, payment)
    default_main_status_id: int
    default_payment_status_id: int
    default_vat_id: int | None = None
    credit_reason_rejected_id: int | None = None
    credit_reason_cancelled_id: int | None = None


class RowValues(NamedTuple):
    """One order row. A named tuple, not a frozen dataclass: five a PO are made in every
    import, and a tuple is made in a third of the time."""

    position: int
    asin: str
    ean: str
    quantity: int  # in eaches
    unit_price: Decimal  # net cost per each
    title: str
    cases: int | None  # the quantity Amazon ordered in cases, if it ordered in cases
    case_size: int | None  # eaches per case
    list_price: Decimal | None


@dataclass(frozen=True)
class CreditValues:
    position: int
    quantity: int
    reason_id: int


@dataclass(frozen=True)
class OrderValues:
    """Everything an order made from one PO holds."""

    number: str
    ordered_at: datetime
    currency: str
    amazon_status: str
    main_status_id: int
    payment_status_id: int
    payment_type_id: int | None
    customer_name: str
    address_line: str
    postal_code: str
    city: str
    country: str
    rows: tuple[RowValues, ...]
    parameters: dict[str, str]
    credits: tuple[CreditValues, ...] = ()
    alerts: tuple["MappedAlert", ...] = field(default=())

    def header(self) -> dict[str, Any]:
        """The Order fields an update compares and writes."""
        return {
            "currency": self.currency,
            "main_status_id": self.main_status_id,
            "payment_status_id": self.payment_status_id,
            "payment_type_id": self.payment_type_id,
            "customer_name": self.customer_name,
            "address_line": self.address_line,
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country,
        }


def canonical_json(raw: Mapping[str, Any]) -> str:
    """The PO as compact JSON with sorted keys: what is hashed and stored.

    orjson, because this runs for every PO of every sync (about 6× faster than `json`).
    """
    if not isinstance(raw, dict):  # orjson would hand any other Mapping to `default`
        raw = dict(raw)
    return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS, default=str).decode()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(raw: Mapping[str, Any]) -> str:
    """A stable hash of the PO as Amazon sent it (key order does not matter)."""
    return text_hash(canonical_json(raw))


def amazon_status(po: PurchaseOrder, status: PurchaseOrderStatus | None = None) -> str:
    """The PO's AmazonStatus: purchaseOrderState refined by item data and the status API."""
    if po.items and all(item.ordered_quantity.amount == 0 for item in po.items):
        return AmazonStatus.CANCELLED
    confirmations = {i.confirmation_status for i in status.items} if status else set()
    if confirmations and confirmations <= {"REJECTED"}:
        return AmazonStatus.REJECTED
    if po.state == "Closed":
        if status and any(i.receive_status == "RECEIVED" for i in status.items):
            return AmazonStatus.RECEIVED
        return AmazonStatus.CLOSED
    if po.state == "Acknowledged":
        if "PARTIALLY_ACCEPTED" in confirmations or {"ACCEPTED", "REJECTED"} <= confirmations:
            return AmazonStatus.PARTIALLY_ACCEPTED
        return AmazonStatus.ACKNOWLEDGED
    return AmazonStatus.NEW


def _window(value: Any) -> str:
    return f"{value.start.isoformat()}--{value.end.isoformat()}" if value else ""


def _rows(po: PurchaseOrder) -> tuple[RowValues, ...]:
    rows = []
    for position, item in enumerate(po.items, start=1):
        qty = item.ordered_quantity
        is_cases = qty.unit == CASES
        rows.append(
            RowValues(
                position=position,
                asin=item.asin[:10],
                ean=item.vendor_product_id[:14],
                quantity=qty.eaches,
                unit_price=item.net_cost.amount if item.net_cost else Decimal(0),
                title=item.asin or item.vendor_product_id,
                cases=qty.amount if is_cases else None,
                case_size=qty.unit_size,
                list_price=item.list_price.amount if item.list_price else None,
            )
        )
    return tuple(rows)


class MappedAlert(NamedTuple):
    """An alert a PO calls for. With a `group` (e.g. the FC code) the POs that share it are
    raised as one grouped alert reading `group_text`; otherwise one alert reading `text`."""

    kind: str
    text: str
    group: str = ""
    group_text: str = ""


def _credits(
    po: PurchaseOrder,
    rows: tuple[RowValues, ...],
    status: PurchaseOrderStatus,
    ctx: MappingContext,
    alerts: list[MappedAlert],
) -> tuple[tuple[RowValues, ...], tuple[CreditValues, ...]]:
    """Rows at their original quantity, with credit rows for cancelled and rejected parts."""
    by_seq = {item.sequence_number: item for item in status.items}
    new_rows, credits = [], []
    for item, row in zip(po.items, rows, strict=True):
        item_status = by_seq.get(item.sequence_number)
        if item_status is None:
            new_rows.append(row)
            continue
        cancelled = sum(
            d.cancelled.eaches for d in item_status.ordered_quantity_details if d.cancelled
        )
        rejected = item_status.rejected_quantity.eaches if item_status.rejected_quantity else 0
        quantity = row.quantity + cancelled
        new_rows.append(_replace_quantity(row, quantity))
        for amount, reason_id, label in (
            (cancelled, ctx.credit_reason_cancelled_id, "cancelled"),
            (min(rejected, quantity - cancelled), ctx.credit_reason_rejected_id, "rejected"),
        ):
            if amount <= 0:
                continue
            if reason_id is None:
                alerts.append(
                    MappedAlert(
                        AlertKind.ORDER_DATA,
                        f"PO {po.number} row {row.position}: {amount} {label} at Amazon, but "
                        f"no credit reason for {label} rows is configured.",
                        f"credit-reason:{label}",
                        f"Rows {label} at Amazon were not credited: no credit reason for "
                        f"{label} rows is configured (Amazon 1P Synchronization › Order Sync "
                        "Settings).",
                    )
                )
                continue
            credits.append(CreditValues(row.position, amount, reason_id))
    return tuple(new_rows), tuple(credits)


def _replace_quantity(row: RowValues, quantity: int) -> RowValues:
    return row._replace(quantity=quantity)


def map_purchase_order(
    po: PurchaseOrder, ctx: MappingContext, status: PurchaseOrderStatus | None = None
) -> OrderValues:
    """The order values of a PO. `status` (historical import) adds credit rows.

    Raises ValueError when the PO lacks what an order needs (its date).
    """
    if po.purchase_order_date is None:
        raise ValueError(f"PO {po.number}: no purchaseOrderDate")
    alerts = [MappedAlert(AlertKind.ORDER_DATA, f"PO {po.number}: {w}") for w in po.warnings]
    rows = _rows(po)
    credits: tuple[CreditValues, ...] = ()
    if status is not None:
        rows, credits = _credits(po, rows, status, ctx, alerts)

    currencies = {i.net_cost.currency for i in po.items if i.net_cost}
    currency = next(iter(currencies)) if len(currencies) == 1 else ctx.shop_currency
    if currencies and currencies != {ctx.shop_currency}:
        priced = ", ".join(sorted(currencies))
        alerts.append(
            MappedAlert(
                AlertKind.ORDER_DATA,
                f"PO {po.number} is priced in {priced}, not the shop currency {ctx.shop_currency}.",
                f"currency:{priced}",
                f"POs priced in {priced}, not the shop currency {ctx.shop_currency}.",
            )
        )

    payment_type_id = (
        ctx.payment_types.get(po.payment_method.lower()) if po.payment_method else None
    )
    if payment_type_id is None:
        method = po.payment_method.lower()
        alerts.append(
            MappedAlert(
                AlertKind.ORDER_DATA,
                f"PO {po.number}: no payment type with code {method!r}; the order has none.",
                f"payment-type:{method}",
                f"No payment type with code {method!r}: these orders have none "
                "(Shop settings › Payment types).",
            )
        )

    ship_to = po.ship_to_party
    code = ship_to.party_id if ship_to else ""
    fc = ctx.fcs.get(code)
    parameters: dict[str, str] = {}
    if fc is not None:
        name, line, postal, city, country = (
            fc.name or code,
            fc.address_line,
            fc.postal_code,
            fc.city,
            fc.country,
        )
        parameters[PARAM_SHIP_TO_REF] = fc.ship_to_party_ref
    else:
        address = ship_to.address if ship_to else None
        shown = code or "(none)"
        alerts.append(
            MappedAlert(
                AlertKind.FULFILLMENT_CENTER,
                f"PO {po.number}: unknown fulfillment center {shown}.",
                f"fc-unknown:{code}",
                f"Unknown fulfillment center {shown}: add it under Amazon 1P Synchronization › "
                "Amazon Fulfillment Centers.",
            )
        )
        name = (address.name if address else "") or code
        line = address.street if address else ""
        postal = address.postal_code if address else ""
        city = address.city if address else ""
        country = address.country_code if address else ""
        parameters[PARAM_SHIP_TO_REF] = ""
    parameters[PARAM_PO_TYPE] = po.purchase_order_type
    parameters[PARAM_DEAL_CODE] = po.deal_code
    parameters[PARAM_SHIP_WINDOW] = _window(po.ship_window)
    parameters[PARAM_DELIVERY_WINDOW] = _window(po.delivery_window)

    status_code = amazon_status(po, status)
    main_id, payment_id = ctx.statuses.get(status_code, (None, None))
    return OrderValues(
        number=po.number,
        ordered_at=po.purchase_order_date,
        currency=currency,
        amazon_status=status_code,
        main_status_id=main_id or ctx.default_main_status_id,
        payment_status_id=payment_id or ctx.default_payment_status_id,
        payment_type_id=payment_type_id,
        customer_name=name[:200],
        address_line=line[:250],
        postal_code=postal[:20],
        city=city[:100],
        country=country[:2],
        rows=rows,
        # Empty values are left out: a blank parameter says nothing and costs a row.
        parameters={k: v[:500] for k, v in parameters.items() if v},
        credits=credits,
        alerts=tuple(alerts),
    )


def raw_diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """What changed between two payloads: [{"field": "a.b[0].c", "old": …, "new": …}]."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(old) | set(new)):
            changes += raw_diff(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changes = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            changes += raw_diff(a, b, f"{path}[{i}]")
        return changes
    return [] if old == new else [{"field": path, "old": old, "new": new}]
