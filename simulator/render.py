"""Snapshots to Amazon's JSON: `Order` (getPurchaseOrders/getPurchaseOrder) and `OrderStatus`
(getPurchaseOrdersStatus), shaped exactly as the vendorOrders model defines them.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from simulator.catalogue import BILL_TO, Product, buyer_for, vendor_site
from simulator.generator import Line, World
from simulator.lifecycle import LineState, Snapshot


def iso(moment: float) -> str:
    """Amazon's date-time format: UTC, whole seconds, `Z`."""
    return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interval(window: tuple[int, int]) -> str:
    """A `DateTimeInterval`: ISO-8601 start and end joined by a double hyphen."""
    return f"{iso(window[0])}--{iso(window[1])}"


def money(amount: Decimal, currency: str, weight_unit: str | None = None) -> dict[str, str]:
    """A `Money` object; the amount is a Decimal string, never a JSON number."""
    value = {"currencyCode": currency, "amount": str(amount)}
    if weight_unit:  # priced per kilogram etc.; absent means per each
        value["unitOfMeasure"] = weight_unit
    return value


def quantity(amount: int, line: Line) -> dict[str, Any]:
    """An `ItemQuantity` in the line's unit (unitSize is the case pack)."""
    return {"amount": amount, "unitOfMeasure": line.unit, "unitSize": line.unit_size}


def order_json(snap: Snapshot, world: World, *, details: bool = True) -> dict[str, Any]:
    """The PO as Amazon's `Order`; without `details` only number and state (includeDetails)."""
    order, tl, head = snap.order, snap.timeline, snap.header
    result: dict[str, Any] = {"purchaseOrderNumber": head.number, "purchaseOrderState": tl.state}
    if not details:
        return result
    ship, delivery = head.windows(tl.changed)
    fc = head.destination(tl.changed)
    info: dict[str, Any] = {"purchaseOrderDate": iso(head.created)}
    if tl.changed and head.changed_at is not None:
        info["purchaseOrderChangedDate"] = iso(head.changed_at)
    info["purchaseOrderStateChangedDate"] = iso(tl.state_changed_at)
    info["purchaseOrderType"] = order.po_type
    if order.import_details:
        info["importDetails"] = dict(order.import_details)
    if order.deal_code:
        info["dealCode"] = order.deal_code
    info["paymentMethod"] = order.payment_method
    info["buyingParty"] = buyer_for(fc).party()
    info["sellingParty"] = vendor_site(world.seed, head.vendor_code).party()
    info["shipToParty"] = fc.party()
    info["billToParty"] = BILL_TO.party()
    if order.window_fields in ("ship", "both"):
        info["shipWindow"] = interval(ship)
    if order.window_fields in ("delivery", "both"):
        info["deliveryWindow"] = interval(delivery)
    info["items"] = [_item(state, order.currency or world.currency) for state in snap.lines]
    result["orderDetails"] = info
    return result


def _identifiers(product: Product, asin_key: str) -> dict[str, str]:
    """The product's ASIN and EAN, leaving out one an uploaded offer did not give."""
    found = {asin_key: product.asin, "vendorProductIdentifier": product.ean}
    return {key: value for key, value in found.items() if value}


def _item(state: LineState, currency: str) -> dict[str, Any]:
    line, product = state.line, state.line.product
    item: dict[str, Any] = {
        "itemSequenceNumber": str(line.seq),
        **_identifiers(product, "amazonProductIdentifier"),
        "orderedQuantity": quantity(state.quantity, line),
        "isBackOrderAllowed": product.backorder_allowed,
        **_prices(line, currency),
    }
    return item


def _prices(line: Line, currency: str) -> dict[str, Any]:
    """netCost (unless Amazon leaves it out) and listPrice (when known), per each or per the
    line's weight unit. A line without netCost always has a listPrice, as in Amazon's
    examples."""
    product, prices = line.product, {}
    if not line.without_net_cost:
        prices["netCost"] = money(line.net_cost, currency, line.weight_unit)
    list_price = product.list_price
    if list_price is None and line.without_net_cost:
        list_price = line.net_cost
    if list_price is not None:
        prices["listPrice"] = money(list_price, currency, line.weight_unit)
    return prices


def status_json(snap: Snapshot, world: World) -> dict[str, Any]:
    """The PO as Amazon's `OrderStatus` (getPurchaseOrdersStatus)."""
    head, tl = snap.header, snap.timeline
    return {
        "purchaseOrderNumber": head.number,
        # OPEN until Amazon has received everything (or the PO closed otherwise).
        "purchaseOrderStatus": "CLOSED" if tl.state == "Closed" else "OPEN",
        "purchaseOrderDate": iso(head.created),
        "lastUpdatedDate": iso(tl.last_updated),
        "sellingParty": {"partyId": head.vendor_code},
        "shipToParty": {"partyId": head.destination(tl.changed).party_id},
        "itemStatus": [
            _item_status(snap, state, snap.order.currency or world.currency) for state in snap.lines
        ],
    }


def _item_status(snap: Snapshot, state: LineState, currency: str) -> dict[str, Any]:
    line, product, head = state.line, state.line.product, snap.header
    details: list[dict[str, Any]] = [
        {"updatedDate": iso(head.created), "orderedQuantity": quantity(line.quantity, line)}
    ]
    if snap.timeline.changed and state.quantity != line.quantity and head.changed_at:
        details.append(
            {
                "updatedDate": iso(head.changed_at),
                "orderedQuantity": quantity(state.quantity, line),
                "cancelledQuantity": quantity(line.quantity - state.quantity, line),
            }
        )
    ack: dict[str, Any] = {"confirmationStatus": state.confirmation}
    if state.accepted is not None and state.rejected is not None and state.ack_date:
        accepted, rejected = quantity(state.accepted, line), quantity(state.rejected, line)
        ack["acceptedQuantity"] = accepted
        ack["rejectedQuantity"] = rejected
        ack["acknowledgementStatusDetails"] = [
            {
                "acknowledgementDate": iso(state.ack_date),
                "acceptedQuantity": accepted,
                "rejectedQuantity": rejected,
            }
        ]
    receiving: dict[str, Any] = {
        "receiveStatus": state.receive_status,
        "receivedQuantity": quantity(state.received, line),
    }
    if state.received and snap.timeline.last_receipt:
        receiving["lastReceiveDate"] = iso(snap.timeline.last_receipt)
    prices = _prices(line, currency)
    return {
        "itemSequenceNumber": str(line.seq),
        # the status API's name for the ASIN
        **_identifiers(product, "buyerProductIdentifier"),
        **prices,
        "orderedQuantity": {
            "orderedQuantity": quantity(state.quantity, line),
            "orderedQuantityDetails": details,
        },
        "acknowledgementStatus": ack,
        "receivingStatus": receiving,
    }
