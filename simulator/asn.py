"""SubmitShipmentConfirmations (ASN), checked as Amazon checks it, and what the simulator
shows of the confirmations it accepted.

Like Amazon, the POST answers 202 with a transactionId once the body passes the schema; the
business rules (`asn_rules`, `asn_orders`, `asn_history`) decide the transaction's outcome,
which getTransaction reports after `transaction_delay` seconds of Processing. A transaction
fails as a whole: no confirmation of a failed request is kept. Confirmations are checked in
arrival order, each against the ones accepted before it (also earlier in the same request).
"""

from collections.abc import Mapping
from typing import Any

from simulator.asn_history import history_errors, shipped_elsewhere
from simulator.asn_orders import order_check
from simulator.asn_rules import confirmation_errors, ssccs_of
from simulator.render import iso
from simulator.state import ReceivedShipment, ShipmentRecord, SimulatorState
from simulator.transactions import submit_in_order
from simulator.wire import Context, Request, Response

Json = Mapping[str, Any]


def check_confirmation(
    ctx: Context, confirmation: Json, now: float, earlier: list[ShipmentRecord]
) -> tuple[list[dict[str, str]], ShipmentRecord | None]:
    """Every business rule `confirmation` breaks, and its record when it breaks none."""
    identifier = confirmation["shipmentIdentifier"]
    orders = order_check(ctx, confirmation, now, shipped_elsewhere(identifier, earlier, now))
    errors = [
        *orders.errors,
        *confirmation_errors(confirmation, now, lambda item: orders.case_sizes.get(item, 1)),
        *history_errors(confirmation, orders.quantities, earlier, now),
    ]
    if errors:
        return errors, None
    return [], ShipmentRecord(
        identifier=identifier,
        confirmation_type=confirmation["shipmentConfirmationType"],
        selling_party=confirmation["sellingParty"]["partyId"],
        received_at=now,
        quantities=dict(orders.quantities),
        ssccs=frozenset(number for _, number in ssccs_of(confirmation)),
        confirmation=confirmation,
    )


def submit_shipment_confirmations(ctx: Context, request: Request, _: dict[str, str]) -> Response:
    """POST /vendor/shipping/v1/shipmentConfirmations (ASN)."""
    state, delay = ctx.state, ctx.config.transaction_delay
    return submit_in_order(
        ctx,
        request,
        schema=("vendorShipments", "SubmitShipmentConfirmationsRequest"),
        documents=("shipmentConfirmations", "shipment confirmation"),
        lock=state.shipment_lock,  # the rules read what earlier confirmations stored
        earlier=lambda: [received.record for received in state.shipments()],
        check=check_confirmation,
        store=lambda now, errors, accepted: state.add_transaction(
            kind="shipmentConfirmation", now=now, delay=delay, errors=errors, shipments=accepted
        ),
    )


def received_shipments(state: SimulatorState, now: float) -> list[ReceivedShipment]:
    """The confirmations whose transaction has succeeded by `now`, oldest first."""
    return [r for r in state.shipments() if r.transaction.status(now) == "Success"]


def received_json(state: SimulatorState, now: float) -> list[dict[str, Any]]:
    """What `GET /_simulator/shipment-confirmations` answers: every accepted version, with
    `current` false once a later Replace of the same shipment has succeeded."""
    received = received_shipments(state, now)
    latest = {r.record.identifier: r.transaction.transaction_id for r in received}
    return [
        {
            "shipmentIdentifier": r.record.identifier,
            "shipmentConfirmationType": r.record.confirmation_type,
            "sellingParty": r.record.selling_party,
            "transactionId": r.transaction.transaction_id,
            "receivedAt": iso(r.record.received_at),
            "current": latest[r.record.identifier] == r.transaction.transaction_id,
            "shippedEaches": [
                {"purchaseOrderNumber": number, "itemSequenceNumber": str(seq), "eaches": eaches}
                for (number, seq), eaches in sorted(r.record.quantities.items())
            ],
            "ssccs": sorted(r.record.ssccs),
            "shipmentConfirmation": r.record.confirmation,
        }
        for r in received
    ]
