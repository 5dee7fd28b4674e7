"""Amazon's JSON → our frozen dataclasses: pure functions (no ORM, clock or settings).

Reading is lenient where Amazon's own examples are sloppy (e.g. `"CASES"` in a sandbox case,
dates without a zone) and strict where a wrong value would corrupt an order (a missing PO
number or quantity, a non-numeric amount): those raise `AmazonMappingError` naming the PO and
the field. Enum values Amazon does not document are kept and listed in `warnings`, so an
importer can raise an alert instead of dropping the PO. The way back is `serialising`.
"""

from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Literal, TypeVar, overload

import orjson

from amazon1p.spapi.errors import AmazonMappingError, ApiError
from amazon1p.spapi.types import (
    CASES,
    EACHES,
    Address,
    ImportDetails,
    ItemStatus,
    Money,
    OrderedQuantityDetail,
    OrderItem,
    Party,
    PurchaseOrder,
    PurchaseOrderStatus,
    Quantity,
    TransactionStatus,
    Window,
)

PO_STATES = ("New", "Acknowledged", "Closed")
PO_TYPES = ("RegularOrder", "ConsignedOrder", "NewProductIntroduction", "RushOrder")
PAYMENT_METHODS = ("Invoice", "Consignment", "CreditCard", "Prepaid")

Json = Mapping[str, Any]


T = TypeVar("T")


class _Memo(Generic[T]):
    """What earlier reads made of a value, by the value: a vendor's POs repeat their parties,
    prices, quantities and windows, so most reads of a big import become lookups.

    Only successful reads are kept, and only immutable results (frozen dataclasses), so a
    result is safe to share between POs and threads. Bounded: emptied when full.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self.values: dict[Hashable, T] = {}

    def read(self, key: Hashable, read: Callable[[], T]) -> T:
        """What an earlier read made of `key`, or what `read()` makes of it now (kept; a
        read that raises keeps nothing)."""
        known = self.values.get(key)
        if known is None:
            if len(self.values) >= self.LIMIT:
                self.values.clear()
            known = self.values[key] = read()
        return known


_parties: _Memo[Party] = _Memo()
_money_read: _Memo[Money] = _Memo()
_quantities: _Memo[Quantity] = _Memo()
_windows: _Memo[Window] = _Memo()


def _plain(value: Any) -> bool:
    """A missing or string field: a memo key may hold it."""
    return value is None or value.__class__ is str


class _Reader:
    """Field access that names the PO and the field in every error."""

    def __init__(self, po_number: str | None) -> None:
        self.po = po_number
        self.warnings: list[str] = []

    def fail(self, field: str, message: str) -> AmazonMappingError:
        return AmazonMappingError(message, po_number=self.po, field=field)

    def obj(self, data: Any, field: str) -> Json:
        if data.__class__ is not dict and not isinstance(data, Mapping):  # dict: the fast test
            raise self.fail(field, f"expected an object, got {type(data).__name__}")
        return data

    def text(self, data: Json, key: str, field: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value.__class__ is str and value:  # the usual case, checked first: parsing is hot
            return value
        if value is None or value == "":
            if required:
                raise self.fail(f"{field}.{key}" if field else key, "is missing")
            return ""
        if not isinstance(value, str | int) or value.__class__ is bool:  # True is no text
            raise self.fail(f"{field}.{key}" if field else key, "must be a string")
        return str(value)

    def enum(self, data: Json, key: str, field: str, allowed: tuple[str, ...]) -> str:
        value = self.text(data, key, field)
        if value and value not in allowed:
            self.warnings.append(f"{field or key}: “{value}” is not a value Amazon documents")
        return value

    @overload
    def when(self, data: Json, key: str, field: str, *, required: Literal[True]) -> datetime: ...

    @overload
    def when(
        self, data: Json, key: str, field: str, *, required: bool = False
    ) -> datetime | None: ...

    def when(self, data: Json, key: str, field: str, *, required: bool = False) -> datetime | None:
        raw = self.text(data, key, field, required=required)
        path = f"{field}.{key}" if field else key
        return parse_datetime(raw, lambda msg: self.fail(path, msg)) if raw else None


def parse_datetime(raw: str, fail: Callable[[str], Exception] | None = None) -> datetime:
    """ISO-8601 → aware UTC datetime; a missing zone (as in sandbox cases) means UTC."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        # A moment at the edge of the calendar (9999-12-31T23:59-05:00) has no UTC form:
        # OverflowError, found by the property tests.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        if fail is None:
            raise ValueError(f"“{raw}” is not an ISO-8601 date-time") from exc
        raise fail(f"“{raw}” is not an ISO-8601 date-time") from exc


def _money(r: _Reader, data: Any, field: str) -> Money | None:
    if data is None:
        return None
    data = r.obj(data, field)
    amount, currency, unit = data.get("amount"), data.get("currencyCode"), data.get("unitOfMeasure")
    if amount.__class__ is str and _plain(currency) and _plain(unit):  # hashable, as read
        return _money_read.read((amount, currency, unit), lambda: _read_money(r, data, field))
    return _read_money(r, data, field)


def _read_money(r: _Reader, data: Json, field: str) -> Money:
    raw = data.get("amount")
    if raw.__class__ is not str or not raw:  # the slow path names the problem
        raw = r.text(data, "amount", field, required=True)
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise r.fail(f"{field}.amount", f"“{raw}” is not a number") from exc
    if not amount.is_finite():
        raise r.fail(f"{field}.amount", f"“{raw}” is not a number")
    unit = data.get("unitOfMeasure")
    return Money(
        amount=amount,
        currency=r.text(data, "currencyCode", field),
        unit_of_measure=None if unit is None else (r.text(data, "unitOfMeasure", field) or None),
    )


_UNITS = {"cases": CASES, "eaches": EACHES}


@overload
def _quantity(r: _Reader, data: Any, field: str, *, required: Literal[True] = True) -> Quantity: ...


@overload
def _quantity(r: _Reader, data: Any, field: str, *, required: bool) -> Quantity | None: ...


def _quantity(r: _Reader, data: Any, field: str, *, required: bool = True) -> Quantity | None:
    if data is None:
        if required:
            raise r.fail(field, "is missing")
        return None
    data = r.obj(data, field)
    # An absent unit means eaches; an explicit null is an error: they must not share a key.
    amount, unit, size = data.get("amount"), data.get("unitOfMeasure", EACHES), data.get("unitSize")
    if (
        amount.__class__ is int
        and unit.__class__ is str
        and (size is None or size.__class__ is int)
    ):
        # (A bool is not an int by __class__: it takes the slow path.)
        return _quantities.read((amount, unit, size), lambda: _read_quantity(r, data, field))
    return _read_quantity(r, data, field)


def _read_quantity(r: _Reader, data: Json, field: str) -> Quantity:
    amount = data.get("amount")
    if amount.__class__ is not int:  # bool is an int subclass, and not a quantity
        if isinstance(amount, str) and amount.isdigit():
            amount = int(amount)
        else:
            raise r.fail(f"{field}.amount", f"{amount!r} is not a whole number")
    # Amazon's sandbox writes "CASES"; the model says "Cases".
    unit = _UNITS.get(str(data.get("unitOfMeasure", EACHES)).lower())
    if unit is None:
        raise r.fail(f"{field}.unitOfMeasure", f"{data.get('unitOfMeasure')!r} is unknown")
    size = data.get("unitSize")
    if size is not None and (size.__class__ is not int or size < 1):
        raise r.fail(f"{field}.unitSize", f"{size!r} is not a positive whole number")
    return Quantity(amount=amount, unit=unit, unit_size=size)


_ADDRESS_FIELDS = (
    ("name", "name"),
    ("address_line1", "addressLine1"),
    ("address_line2", "addressLine2"),
    ("address_line3", "addressLine3"),
    ("city", "city"),
    ("county", "county"),
    ("district", "district"),
    ("state_or_region", "stateOrRegion"),
    ("postal_code", "postalCode"),
    ("country_code", "countryCode"),
    ("phone", "phone"),
)


def _address(r: _Reader, data: Any, field: str) -> Address | None:
    if data is None:
        return None
    data = r.obj(data, field)
    # Absent keys are the norm (a PO names 4 parties, each with 11 optional fields): look up
    # only the keys present instead of asking for every field.
    values = {attr: r.text(data, key, field) for attr, key in _ADDRESS_FIELDS if key in data}
    return Address(**{"name": "", "address_line1": "", "country_code": "", **values})


def _party(r: _Reader, data: Any, field: str) -> Party | None:
    if data is None:
        return None
    data = r.obj(data, field)
    try:
        key = orjson.dumps(data)  # parties are nested objects: their JSON is the key
    except TypeError:  # not from JSON: read it, without the memo
        return _read_party(r, data, field)
    return _parties.read(key, lambda: _read_party(r, data, field))


def _read_party(r: _Reader, data: Json, field: str) -> Party:
    tax = data.get("taxInfo") or {}
    return Party(
        party_id=r.text(data, "partyId", field, required=True),
        address=_address(r, data.get("address"), f"{field}.address"),
        tax_registration_type=r.text(tax, "taxRegistrationType", f"{field}.taxInfo"),
        tax_registration_number=r.text(tax, "taxRegistrationNumber", f"{field}.taxInfo"),
    )


def _window(r: _Reader, data: Json, key: str) -> Window | None:
    raw = r.text(data, key, "orderDetails")
    if not raw:
        return None
    return _windows.read(raw, lambda: _read_window(r, raw, key))


def _read_window(r: _Reader, raw: str, key: str) -> Window:
    start, sep, end = raw.partition("--")
    if not sep:
        raise r.fail(f"orderDetails.{key}", f"“{raw}” is not a start--end interval")

    def fail(msg: str) -> AmazonMappingError:
        return r.fail(f"orderDetails.{key}", msg)

    return Window(parse_datetime(start, fail), parse_datetime(end, fail))


def _item(r: _Reader, data: Any, index: int) -> OrderItem:
    field = f"items[{index}]"
    data = r.obj(data, field)
    backorder = data.get("isBackOrderAllowed")
    if not isinstance(backorder, bool):
        raise r.fail(f"{field}.isBackOrderAllowed", f"{backorder!r} is not true or false")
    return OrderItem(
        sequence_number=r.text(data, "itemSequenceNumber", field, required=True),
        ordered_quantity=_quantity(r, data.get("orderedQuantity"), f"{field}.orderedQuantity"),
        is_back_order_allowed=backorder,
        asin=r.text(data, "amazonProductIdentifier", field),
        vendor_product_id=r.text(data, "vendorProductIdentifier", field),
        net_cost=_money(r, data.get("netCost"), f"{field}.netCost"),
        list_price=_money(r, data.get("listPrice"), f"{field}.listPrice"),
    )


def parse_purchase_order(data: Any) -> PurchaseOrder:
    """One `Order` of getPurchaseOrders/getPurchaseOrder → PurchaseOrder."""
    if not isinstance(data, Mapping):
        raise AmazonMappingError(f"expected an object, got {type(data).__name__}")
    number = data.get("purchaseOrderNumber")
    r = _Reader(number if isinstance(number, str) else None)
    number = r.text(data, "purchaseOrderNumber", "", required=True)
    state = r.enum(data, "purchaseOrderState", "purchaseOrderState", PO_STATES)
    if not state:
        # Required by the model, yet Amazon's own catch-all sandbox example omits it.
        r.warnings.append("purchaseOrderState: missing")
    details = data.get("orderDetails")
    if details is None:
        return PurchaseOrder(number=number, state=state, warnings=tuple(r.warnings), raw=data)
    d = r.obj(details, "orderDetails")
    items = d.get("items")
    if not isinstance(items, list):
        raise r.fail("orderDetails.items", "is missing")
    imp = d.get("importDetails")
    import_details = None
    if imp is not None:
        imp = r.obj(imp, "orderDetails.importDetails")
        f = "orderDetails.importDetails"
        import_details = ImportDetails(
            method_of_payment=r.text(imp, "methodOfPayment", f),
            international_commercial_terms=r.text(imp, "internationalCommercialTerms", f),
            port_of_delivery=r.text(imp, "portOfDelivery", f),
            import_containers=r.text(imp, "importContainers", f),
            shipping_instructions=r.text(imp, "shippingInstructions", f),
        )
    # Keyword arguments are evaluated in order: `warnings` last, once every field was read.
    return PurchaseOrder(
        number=number,
        state=state,
        purchase_order_date=r.when(d, "purchaseOrderDate", "orderDetails", required=True),
        changed_date=r.when(d, "purchaseOrderChangedDate", "orderDetails"),
        state_changed_date=r.when(d, "purchaseOrderStateChangedDate", "orderDetails"),
        purchase_order_type=r.enum(d, "purchaseOrderType", "purchaseOrderType", PO_TYPES),
        payment_method=r.enum(d, "paymentMethod", "paymentMethod", PAYMENT_METHODS),
        deal_code=r.text(d, "dealCode", "orderDetails"),
        import_details=import_details,
        buying_party=_party(r, d.get("buyingParty"), "buyingParty"),
        selling_party=_party(r, d.get("sellingParty"), "sellingParty"),
        ship_to_party=_party(r, d.get("shipToParty"), "shipToParty"),
        bill_to_party=_party(r, d.get("billToParty"), "billToParty"),
        ship_window=_window(r, d, "shipWindow"),
        delivery_window=_window(r, d, "deliveryWindow"),
        items=tuple(_item(r, item, i) for i, item in enumerate(items)),
        warnings=tuple(r.warnings),
        raw=data,
    )


# getPurchaseOrdersStatus enums (vendorOrders.json): unlike a PO's, a status drives what the
# sync concludes (what Amazon accepted, received), so an undocumented value is refused.
ORDER_STATUSES = ("OPEN", "CLOSED")
CONFIRMATION_STATUSES = ("ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "UNCONFIRMED")
RECEIVE_STATUSES = ("NOT_RECEIVED", "PARTIALLY_RECEIVED", "RECEIVED")


def _objects(r: _Reader, data: Json, key: str, field: str, *, required: bool = False) -> list[Json]:
    """`data[key]`, an array of objects (absent: empty); `field` is `data`'s path."""
    path = f"{field}.{key}" if field else key
    value = data.get(key)
    if value is None:
        if required:
            raise r.fail(path, "is missing")
        return []
    if not isinstance(value, list):
        raise r.fail(path, f"expected an array, got {type(value).__name__}")
    return [r.obj(item, f"{path}[{i}]") for i, item in enumerate(value)]


def _member(r: _Reader, data: Json, key: str, field: str) -> Json:
    """`data[key]`, an optional object (absent: empty)."""
    value = data.get(key)
    return {} if value is None else r.obj(value, f"{field}.{key}" if field else key)


def _strict_enum(
    r: _Reader,
    data: Json,
    key: str,
    field: str,
    allowed: tuple[str, ...],
    *,
    required: bool = False,
) -> str:
    value = r.text(data, key, field, required=required)
    if value and value not in allowed:
        raise r.fail(
            f"{field}.{key}" if field else key, f"“{value}” is not a value Amazon documents"
        )
    return value


def _item_status(r: _Reader, data: Json, field: str) -> ItemStatus:
    ordered = _member(r, data, "orderedQuantity", field)
    ordered_at = f"{field}.orderedQuantity"
    ack = _member(r, data, "acknowledgementStatus", field)
    ack_at = f"{field}.acknowledgementStatus"
    receiving = _member(r, data, "receivingStatus", field)
    receiving_at = f"{field}.receivingStatus"
    details_at = f"{ordered_at}.orderedQuantityDetails"
    details = tuple(
        OrderedQuantityDetail(
            updated_date=r.when(detail, "updatedDate", f"{details_at}[{i}]"),
            ordered=_quantity(
                r,
                detail.get("orderedQuantity"),
                f"{details_at}[{i}].orderedQuantity",
                required=False,
            ),
            cancelled=_quantity(
                r,
                detail.get("cancelledQuantity"),
                f"{details_at}[{i}].cancelledQuantity",
                required=False,
            ),
        )
        for i, detail in enumerate(_objects(r, ordered, "orderedQuantityDetails", ordered_at))
    )
    ack_details_at = f"{ack_at}.acknowledgementStatusDetails"
    return ItemStatus(
        sequence_number=r.text(data, "itemSequenceNumber", field, required=True),
        asin=r.text(data, "buyerProductIdentifier", field),
        vendor_product_id=r.text(data, "vendorProductIdentifier", field),
        net_cost=_money(r, data.get("netCost"), f"{field}.netCost"),
        list_price=_money(r, data.get("listPrice"), f"{field}.listPrice"),
        ordered_quantity=_quantity(
            r, ordered.get("orderedQuantity"), f"{ordered_at}.orderedQuantity", required=False
        ),
        ordered_quantity_details=details,
        confirmation_status=_strict_enum(
            r, ack, "confirmationStatus", ack_at, CONFIRMATION_STATUSES
        ),
        accepted_quantity=_quantity(
            r, ack.get("acceptedQuantity"), f"{ack_at}.acceptedQuantity", required=False
        ),
        rejected_quantity=_quantity(
            r, ack.get("rejectedQuantity"), f"{ack_at}.rejectedQuantity", required=False
        ),
        acknowledgement_dates=tuple(
            moment
            for i, detail in enumerate(_objects(r, ack, "acknowledgementStatusDetails", ack_at))
            if (moment := r.when(detail, "acknowledgementDate", f"{ack_details_at}[{i}]"))
        ),
        receive_status=_strict_enum(r, receiving, "receiveStatus", receiving_at, RECEIVE_STATUSES),
        received_quantity=_quantity(
            r, receiving.get("receivedQuantity"), f"{receiving_at}.receivedQuantity", required=False
        ),
        last_receive_date=r.when(receiving, "lastReceiveDate", receiving_at),
    )


def _item_receiving(r: _Reader, data: Json, field: str) -> ItemStatus:
    """Only what the receiving sync reads of an item: its sequence number and its
    receivingStatus (checked as strictly as `_item_status` does); the rest stays empty."""
    receiving = _member(r, data, "receivingStatus", field)
    receiving_at = f"{field}.receivingStatus"
    return ItemStatus(
        sequence_number=r.text(data, "itemSequenceNumber", field, required=True),
        receive_status=_strict_enum(r, receiving, "receiveStatus", receiving_at, RECEIVE_STATUSES),
        received_quantity=_quantity(
            r, receiving.get("receivedQuantity"), f"{receiving_at}.receivedQuantity", required=False
        ),
        last_receive_date=r.when(receiving, "lastReceiveDate", receiving_at),
    )


def _required_party_id(r: _Reader, data: Json, key: str) -> str:
    value = data.get(key)
    if value is None:
        raise r.fail(key, "is missing")
    return r.text(r.obj(value, key), "partyId", key, required=True)


def parse_order_status(data: Any, *, receiving_only: bool = False) -> PurchaseOrderStatus:
    """One `OrderStatus` of getPurchaseOrdersStatus → PurchaseOrderStatus.

    Faithful or refused: every field the model requires must be there, every enum value
    documented and every value of its type; otherwise AmazonMappingError names the PO and
    the field by its JSON path (e.g. `itemStatus[2].acknowledgementStatus.confirmationStatus`).

    `receiving_only`: of each item, read only its sequence number and receivingStatus (the
    receiving sync's view; costs, ordered and acknowledged quantities stay empty). Parsing
    every item field is most of the CPU a 10,000-PO receiving sync spends (bench/README.md).
    """
    if not isinstance(data, Mapping):
        raise AmazonMappingError(f"expected an object, got {type(data).__name__}")
    number = data.get("purchaseOrderNumber")
    r = _Reader(number if isinstance(number, str) and number else None)
    item_parse = _item_receiving if receiving_only else _item_status
    return PurchaseOrderStatus(
        number=r.text(data, "purchaseOrderNumber", "", required=True),
        status=_strict_enum(r, data, "purchaseOrderStatus", "", ORDER_STATUSES, required=True),
        purchase_order_date=r.when(data, "purchaseOrderDate", "", required=True),
        last_updated_date=r.when(data, "lastUpdatedDate", ""),
        selling_party_id=_required_party_id(r, data, "sellingParty"),
        ship_to_party_id=_required_party_id(r, data, "shipToParty"),
        items=tuple(
            item_parse(r, item, f"itemStatus[{i}]")
            for i, item in enumerate(_objects(r, data, "itemStatus", "", required=True))
        ),
    )


def parse_api_errors(data: Any) -> tuple[ApiError, ...]:
    if not isinstance(data, list):
        return ()
    return tuple(
        ApiError(
            code=str(e.get("code", "")),
            message=str(e.get("message", "")),
            details=str(e.get("details") or ""),
        )
        for e in data
        if isinstance(e, Mapping)
    )


def parse_transaction(payload: Any) -> TransactionStatus:
    """getTransaction's payload (`{"transactionStatus": {...}}`) → TransactionStatus."""
    r = _Reader(None)
    status = r.obj(r.obj(payload, "payload").get("transactionStatus"), "transactionStatus")
    return TransactionStatus(
        transaction_id=r.text(status, "transactionId", "transactionStatus", required=True),
        status=r.text(status, "status", "transactionStatus", required=True),
        errors=parse_api_errors(status.get("errors")),
    )
