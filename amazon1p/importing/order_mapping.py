"""Pure mapping from a parsed PurchaseOrder to the field values of our order
(docs/amazon.md, "Orders in the shop").

No ORM, clock or settings: everything the mapping needs about the shop comes in a
`MappingContext` built once per sync run.
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from amazon1p.connection.models import AmazonStatus
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import CASES, Money, Party, PurchaseOrder, PurchaseOrderStatus
from shops.models import AlertKind

PARAM_SHIP_TO_REF = "ShipToPartyRef"
PARAM_PO_TYPE = "PurchaseOrderType"
PARAM_DEAL_CODE = "DealCode"
PARAM_SHIP_WINDOW = "ShipWindow"
PARAM_DELIVERY_WINDOW = "DeliveryWindow"
# importDetails, one readable parameter each (import POs only).
IMPORT_PARAMETERS = (
    ("method_of_payment", "ImportMethodOfPayment"),
    ("international_commercial_terms", "Incoterms"),
    ("port_of_delivery", "PortOfDelivery"),
    ("import_containers", "ImportContainers"),
    ("shipping_instructions", "ShippingInstructions"),
)
PARAMETER_MAX = 2000  # OrderParameter.value

# Money.unitOfMeasure: the price is per this weight unit, not per each (variable-weight
# items; the weight is only known when shipped). Short labels for "94.97 USD / lb".
WEIGHT_UNITS = {"POUNDS": "lb", "OUNCES": "oz", "GRAMS": "g", "KILOGRAMS": "kg"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# OrderRow.unit_price / list_price: DecimalField(max_digits=12, decimal_places=4).
_PRICE_LIMIT = Decimal(10) ** 8
_PRICE_STEP = Decimal("0.0001")
_QUANTITY_LIMIT = 2_147_483_647  # PositiveIntegerField
_ORDER_NUMBER_MAX = 40  # Order.number, AmazonPurchaseOrder.po_number


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
    unit_price: Decimal | None  # net cost per each or per `price_unit`; None: Amazon sent none
    title: str
    cases: int | None  # the quantity Amazon ordered in cases, if it ordered in cases
    case_size: int | None  # eaches per case
    list_price: Decimal | None
    price_unit: str = ""  # "" per each, else a WEIGHT_UNITS key (net cost per weight unit)
    list_price_unit: str = ""


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
    # Buying, selling, bill-to and ship-to party as Amazon named them (see `party_values`).
    parties: dict[str, dict[str, str]] = field(default_factory=dict)

    def header(self) -> dict[str, Any]:
        """The Order fields an update compares and writes."""
        return {
            "currency": self.currency,
            "parties": self.parties,
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


@lru_cache(maxsize=4096)
def _price_check(money: Money) -> tuple[Decimal, str] | str:
    """(amount, weight unit or "") of a price as stored, or why a row cannot hold it
    faithfully. Cached: a vendor's POs repeat their prices (Money is frozen, and the
    mapping memo hands out the same instances)."""
    unit = money.unit_of_measure or ""
    if unit and unit not in WEIGHT_UNITS:
        return f"unitOfMeasure “{unit}” is not a weight unit Amazon documents"
    if not _CURRENCY.match(money.currency or ""):
        return f"currencyCode “{money.currency}” is not an ISO-4217 code"
    amount = money.amount
    if amount < 0:
        return f"amount {amount} is negative"
    if amount >= _PRICE_LIMIT or amount.quantize(_PRICE_STEP) != amount:
        return f"amount {amount} does not fit (below 100,000,000, at most 4 decimals)"
    return amount, unit


def _price(money: Money | None, field: str, po: PurchaseOrder) -> tuple[Decimal | None, str]:
    """(amount, weight unit or "") of a netCost/listPrice; a value the row cannot hold
    faithfully is the PO's error, naming the field."""
    if money is None:
        return None, ""
    checked = _price_check(money)
    if isinstance(checked, str):
        raise AmazonMappingError(checked, po_number=po.number, field=field)
    return checked


def _rows(po: PurchaseOrder) -> tuple[RowValues, ...]:
    rows = []
    for position, item in enumerate(po.items, start=1):
        field = f"items[{position - 1}]"
        qty = item.ordered_quantity
        is_cases = qty.unit == CASES
        if qty.amount < 0:
            raise AmazonMappingError(
                f"{qty.amount} is negative", po_number=po.number, field=f"{field}.orderedQuantity"
            )
        if is_cases and qty.unit_size is None:
            raise AmazonMappingError(
                "Cases without unitSize: the number of eaches is unknown",
                po_number=po.number,
                field=f"{field}.orderedQuantity.unitSize",
            )
        if qty.eaches > _QUANTITY_LIMIT:
            raise AmazonMappingError(
                f"{qty.eaches} eaches is more than an order row holds",
                po_number=po.number,
                field=f"{field}.orderedQuantity",
            )
        if len(item.asin) > 10:
            raise AmazonMappingError(
                "is longer than an ASIN (10)",
                po_number=po.number,
                field=f"{field}.amazonProductIdentifier",
            )
        if len(item.vendor_product_id) > 14:
            raise AmazonMappingError(
                "is longer than an EAN/GTIN (14)",
                po_number=po.number,
                field=f"{field}.vendorProductIdentifier",
            )
        unit_price, price_unit = _price(item.net_cost, f"{field}.netCost", po)
        list_price, list_price_unit = _price(item.list_price, f"{field}.listPrice", po)
        rows.append(
            RowValues(
                position=position,
                asin=item.asin,
                ean=item.vendor_product_id,
                quantity=qty.eaches,
                unit_price=unit_price,
                title=item.asin or item.vendor_product_id,
                cases=qty.amount if is_cases else None,
                case_size=qty.unit_size,
                list_price=list_price,
                price_unit=price_unit,
                list_price_unit=list_price_unit,
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


def po_currency(po: PurchaseOrder) -> str | None:
    """The PO's currency: its net costs', else its list prices' (None: no price at all).

    Raises AmazonMappingError naming the first price in another currency: one order has one
    currency, and converting is not ours to do.
    """
    prices: list[tuple[int, str, Money]] = [
        (index, name, money)
        for name, key in (("netCost", "net_cost"), ("listPrice", "list_price"))
        for index, item in enumerate(po.items)
        if (money := getattr(item, key)) is not None
    ]
    if not prices:
        return None
    currency = prices[0][2].currency  # a net cost's, when there is one: they come first
    for index, name, money in prices:
        if money.currency != currency:
            raise AmazonMappingError(
                f"{money.currency}, while the PO is priced in {currency}",
                po_number=po.number,
                field=f"items[{index}].{name}.currencyCode",
            )
    return currency


_PARTY_ADDRESS = (
    "name",
    "address_line1",
    "address_line2",
    "address_line3",
    "city",
    "county",
    "district",
    "state_or_region",
    "postal_code",
    "country_code",
    "phone",
)
PARTY_ROLES = (
    ("buying", "buying_party"),
    ("selling", "selling_party"),
    ("bill_to", "bill_to_party"),
    ("ship_to", "ship_to_party"),
)


@lru_cache(maxsize=1024)
def party_values(party: Party) -> dict[str, str]:
    """A party as stored on the order (JSON): id, address and tax registration, empty
    fields left out. Cached (a vendor's POs name the same few parties): treat the result
    as read-only."""
    values = {"party_id": party.party_id}
    if party.address is not None:
        for name in _PARTY_ADDRESS:
            value = getattr(party.address, name)
            if value:
                values[name] = value
    if party.tax_registration_type:
        values["tax_registration_type"] = party.tax_registration_type
    if party.tax_registration_number:
        values["tax_registration_number"] = party.tax_registration_number
    return values


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

    Raises ValueError (AmazonMappingError, naming the field) when the PO lacks what an order
    needs (its date) or holds a value an order cannot keep faithfully (a price with more
    than 4 decimals, an unknown weight unit, two currencies, cases of unknown size...).
    """
    if po.purchase_order_date is None:
        raise AmazonMappingError(
            "is missing", po_number=po.number, field="orderDetails.purchaseOrderDate"
        )
    alerts = [MappedAlert(AlertKind.ORDER_DATA, f"PO {po.number}: {w}") for w in po.warnings]
    rows = _rows(po)
    credits: tuple[CreditValues, ...] = ()
    if status is not None:
        rows, credits = _credits(po, rows, status, ctx, alerts)

    if len(po.number) > _ORDER_NUMBER_MAX:
        raise AmazonMappingError(
            f"is longer than an order number ({_ORDER_NUMBER_MAX})",
            po_number=po.number[:_ORDER_NUMBER_MAX],
            field="purchaseOrderNumber",
        )
    currency = po_currency(po)
    if currency is None:
        currency = ctx.shop_currency
        if po.items:
            alerts.append(
                MappedAlert(
                    AlertKind.ORDER_DATA,
                    f"PO {po.number} names no price at all; its currency is taken as the shop "
                    f"currency {ctx.shop_currency}.",
                )
            )
    elif currency != ctx.shop_currency:
        alerts.append(
            MappedAlert(
                AlertKind.ORDER_DATA,
                f"PO {po.number} is priced in {currency}, not the shop currency "
                f"{ctx.shop_currency}.",
                f"currency:{currency}",
                f"POs priced in {currency}, not the shop currency {ctx.shop_currency}.",
            )
        )
    by_weight = [row for row in rows if row.price_unit]
    if by_weight:
        alerts.append(
            MappedAlert(
                AlertKind.ORDER_DATA,
                f"PO {po.number}: {_rows_named(by_weight)} priced per weight unit "
                f"({', '.join(sorted({WEIGHT_UNITS[r.price_unit] for r in by_weight}))}); the "
                "order total is an estimate until the shipped weight is known.",
                "weight-priced",
                "POs with lines priced per weight unit: their totals are estimates until the "
                "shipped weight is known.",
            )
        )
    unpriced = [row for row in rows if row.unit_price is None]
    if unpriced:
        alerts.append(
            MappedAlert(
                AlertKind.ORDER_DATA,
                f"PO {po.number}: {_rows_named(unpriced)} without a net cost from Amazon; set "
                "the price on the order. Acknowledgement by rule waits for it.",
                "no-net-cost",
                "POs with lines without a net cost from Amazon: set the price on each order; "
                "acknowledgement by rule waits for it.",
            )
        )

    payment_type_id = (
        ctx.payment_types.get(po.payment_method.lower()) if po.payment_method else None
    )
    if payment_type_id is None:
        method = (po.payment_method or "").lower()
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
    if po.import_details is not None:
        for attr, key in IMPORT_PARAMETERS:
            parameters[key] = getattr(po.import_details, attr)
    for key, value in parameters.items():
        if len(value) > PARAMETER_MAX:
            alerts.append(
                MappedAlert(
                    AlertKind.ORDER_DATA,
                    f"PO {po.number}: {key} is longer than {PARAMETER_MAX} characters; the "
                    "order parameter keeps the beginning, the payload all of it.",
                )
            )
    parties = {
        role: party_values(party)
        for role, attr in PARTY_ROLES
        if (party := getattr(po, attr)) is not None
    }

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
        parameters={k: v[:PARAMETER_MAX] for k, v in parameters.items() if v},
        credits=credits,
        alerts=tuple(alerts),
        parties=parties,
    )


def _rows_named(rows: list[RowValues]) -> str:
    positions = ", ".join(str(row.position) for row in rows)
    return f"row {positions}" if len(rows) == 1 else f"rows {positions}"


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
