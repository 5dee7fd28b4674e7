"""submitAcknowledgement and getTransaction (SubmitShipmentConfirmations: `asn.py`,
submitInvoices: `invoices.py`, both through `submit_in_order`).

Like Amazon, a POST answers 202 with a transactionId once the body passes the schema; the
business checks decide the transaction's outcome, which getTransaction reports after
`transaction_delay` seconds of Processing. A transaction fails as a whole: nothing from a
failed acknowledgement is applied.
"""

import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from simulator.generator import Line
from simulator.lifecycle import LineAck, VendorAck, snapshot
from simulator.orders_api import known_index
from simulator.state import Transaction
from simulator.validation import parse_date_time, schema_errors
from simulator.wire import (
    Context,
    Request,
    Response,
    error,
    error_response,
    json_response,
)

R = TypeVar("R")  # the record of an accepted document


def invalid_body(problems: list[str]) -> Response:
    """400 InvalidInput for a body that breaks the model (first problem, then up to five)."""
    return error_response(400, "InvalidInput", problems[0], "; ".join(problems[1:6]))


def submit_in_order(
    ctx: Context,
    request: Request,
    *,
    schema: tuple[str, str],
    documents: tuple[str, str],
    lock: threading.Lock,
    earlier: Callable[[], list[R]],
    check: Callable[
        [Context, Mapping[str, Any], float, list[R]], tuple[list[dict[str, str]], R | None]
    ],
    store: Callable[[float, list[dict[str, str]], list[R]], Transaction],
) -> Response:
    """A submission whose documents are checked in arrival order, each against the records
    stored before and those accepted earlier in the same request: 400 for a body that breaks
    the model (`schema`: the API and its request model) or has none of its `documents` (the
    body's field, and what one is called), else 202 with the transaction `store` made.

    `earlier` is read and `store` called under `lock`, so two submissions never both pass on
    the same earlier state (a duplicate number, a quantity already used)."""
    field, noun = documents
    body = request.json_body()
    problems = schema_errors(*schema, body)
    if not problems and not body.get(field):
        problems = [f"{field}: at least one {noun} is required"]
    if problems:
        return invalid_body(problems)
    now = request.now
    with lock:
        before = earlier()
        errors: list[dict[str, str]] = []
        accepted: list[R] = []
        for document in body[field]:
            found, record = check(ctx, document, now, before + accepted)
            errors += found
            if record is not None:
                accepted.append(record)
        transaction = store(now, errors, accepted)
    return json_response(202, {"payload": {"transactionId": transaction.transaction_id}})


def _find_line(lines: tuple[Line, ...], item: dict[str, Any]) -> Line | None:
    """The PO line an acknowledgement item refers to: by sequence number, else ASIN, else EAN."""
    for line in lines:
        if "itemSequenceNumber" in item:
            if item["itemSequenceNumber"].lstrip("0") == str(line.seq):
                return line
        elif item.get("amazonProductIdentifier") == line.product.asin or (
            "amazonProductIdentifier" not in item
            and item.get("vendorProductIdentifier") == line.product.ean
        ):
            return line
    return None


def _eaches(quantity: dict[str, Any], line: Line) -> int:
    """An ItemQuantity in single units; a case holds unitSize (default: the line's case pack)."""
    amount = int(quantity.get("amount", 0))
    if quantity.get("unitOfMeasure", line.unit) == "Cases":
        return amount * int(quantity.get("unitSize") or line.unit_size)
    return amount


def _check_item(
    number: str, item: dict[str, Any], line: Line, ordered: int
) -> Iterator[dict[str, str]]:
    where = f"PO {number}, item {line.seq}"
    # Amazon takes an acknowledgement without netCost (its PO may have had none); a cost it
    # is given must be positive and per the PO's unit (each, or its weight unit).
    if "netCost" in item:
        cost = item["netCost"].get("amount")
        try:
            positive = cost is not None and Decimal(cost) > 0
        except InvalidOperation:
            positive = False
        if not positive:
            yield error("INVALID_NET_COST", "netCost must be greater than zero.", where)
        unit = item["netCost"].get("unitOfMeasure")
        if unit != line.weight_unit:
            yield error(
                "INVALID_NET_COST",
                "netCost must be per the purchase order's unit of measure.",
                f"{where}: per {unit or 'each'}, the PO prices per {line.weight_unit or 'each'}",
            )
    entries = item["itemAcknowledgements"]
    if any(int(e["acknowledgedQuantity"].get("amount", 0)) < 0 for e in entries):
        yield error("INVALID_QUANTITY", "Acknowledged quantities cannot be negative.", where)
    if not line.product.backorder_allowed and any(
        e["acknowledgementCode"] == "Backordered" for e in entries
    ):
        yield error(
            "BACKORDER_NOT_ALLOWED", "This item does not accept backorder confirmations.", where
        )
    total = sum(_eaches(e["acknowledgedQuantity"], line) for e in entries)
    if total > ordered * (line.unit_size if line.unit == "Cases" else 1):
        yield error(
            "QUANTITY_EXCEEDS_ORDERED",
            "The acknowledged quantity is greater than the ordered quantity.",
            f"{where}: acknowledged {total} units, ordered {ordered} {line.unit}",
        )


def _acknowledgement(
    ctx: Context, ack: dict[str, Any], now: float
) -> tuple[list[dict[str, str]], tuple[int, VendorAck] | None]:
    """Business checks of one OrderAcknowledgement: (errors, (PO index, ack) if valid)."""
    number = ack["purchaseOrderNumber"]
    index = known_index(ctx, number, now)
    if index is None:
        return [error("INVALID_ORDER_ID", "Invalid order ID.", f"PO {number} not found.")], None
    order = ctx.purchase_order(index)
    snap = snapshot(order, now, ctx.state.vendor_ack(index, now))
    if snap.timeline.state == "Closed":
        return [error("PO_CLOSED", "The purchase order is closed.", f"PO {number}")], None
    if ack["sellingParty"]["partyId"] != order.header.vendor_code:
        details = f"PO {number} belongs to {order.header.vendor_code}"
        return [error("INVALID_VENDOR_CODE", "sellingParty does not match the PO.", details)], None
    ordered = {state.line.seq: state.quantity for state in snap.lines}
    errors: list[dict[str, str]] = []
    answers: dict[int, tuple[int, int]] = {}
    for item in ack["items"]:
        line = _find_line(order.lines, item)
        if line is None:
            errors.append(error("INVALID_ITEM", "The item is not on the purchase order.", number))
            continue
        errors.extend(_check_item(number, item, line, ordered[line.seq]))
        factor = line.unit_size if line.unit == "Cases" else 1
        accepted, rejected = answers.get(line.seq, (0, 0))
        for entry in item["itemAcknowledgements"]:
            units = _eaches(entry["acknowledgedQuantity"], line) // factor
            if entry["acknowledgementCode"] == "Rejected":
                rejected += units
            else:  # Accepted and Backordered both commit the vendor to ship
                accepted += units
        answers[line.seq] = (accepted, rejected)
    missing = [str(line.seq) for line in order.lines if line.seq not in answers]
    if missing:
        errors.append(
            error(
                "MISSING_ITEMS",
                "Every item of the purchase order must be acknowledged.",
                f"PO {number}: no acknowledgement for item(s) {', '.join(missing)}.",
            )
        )
    if errors:
        return errors, None
    acknowledged_at = parse_date_time(ack["acknowledgementDate"]) or now
    vendor_ack = VendorAck(
        effective_at=now + ctx.config.transaction_delay,
        acknowledged_at=int(acknowledged_at),
        lines={seq: LineAck(a, r) for seq, (a, r) in answers.items()},
    )
    return [], (index, vendor_ack)


def submit_acknowledgement(ctx: Context, request: Request, _: dict[str, str]) -> Response:
    """POST /vendor/orders/v1/acknowledgements."""
    body = request.json_body()
    problems = schema_errors("vendorOrders", "SubmitAcknowledgementRequest", body)
    if not problems and not body.get("acknowledgements"):
        problems = ["acknowledgements: at least one acknowledgement is required"]
    if problems:
        return invalid_body(problems)
    now = request.now
    errors: list[dict[str, str]] = []
    acks: dict[int, VendorAck] = {}
    for ack in body["acknowledgements"]:
        problems_for_po, accepted = _acknowledgement(ctx, ack, now)
        errors.extend(problems_for_po)
        if accepted:
            acks[accepted[0]] = accepted[1]
    transaction = ctx.state.add_transaction(
        kind="acknowledgement",
        now=request.now,
        delay=ctx.config.transaction_delay,
        errors=errors,
        acks=acks,
    )
    return json_response(202, {"payload": {"transactionId": transaction.transaction_id}})


def get_transaction(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    """GET /vendor/transactions/v1/transactions/{transactionId}."""
    transaction = ctx.state.transaction(params["transactionId"])
    if transaction is None:
        return error_response(
            404,
            "ResourceNotFound",
            "The requested transaction was not found.",
            f"No transaction {params['transactionId']}.",
        )
    status = transaction.status(request.now)
    result: dict[str, Any] = {"transactionId": transaction.transaction_id, "status": status}
    if status == "Failure":
        result["errors"] = list(transaction.errors)
    return json_response(200, {"payload": {"transactionStatus": result}})
