"""Acknowledging imported POs to the simulator as the outbox tasks would, and choosing POs
no earlier test has acknowledged (the simulator remembers every acknowledgement)."""

import time

from amazon1p.acknowledgements.outbox import acknowledgement_check, acknowledgement_send
from amazon1p.models import Acknowledgement, AmazonPurchaseOrder
from orders.models import Order

TRANSACTION_DELAY = 0.3  # seconds the simulator takes to decide on a transaction

USED_PO_NUMBERS: set[str] = set()  # POs an earlier test acknowledged (the simulator remembers)


def fresh_order(shop, *, where=lambda po: True) -> Order:
    """An imported order whose PO is New at Amazon, fits `where` (given the parsed PO), and
    no earlier test has acknowledged."""
    from amazon1p.spapi.parsing import parse_purchase_order

    pos = AmazonPurchaseOrder.objects.filter(shop=shop, state="New").select_related("order")
    for apo in pos.order_by("po_number"):
        if apo.po_number not in USED_PO_NUMBERS and where(parse_purchase_order(apo.raw)):
            USED_PO_NUMBERS.add(apo.po_number)
            assert apo.order is not None  # an imported PO has its order
            return apo.order
    raise AssertionError("no fresh New PO fits")


def deliver(ack: Acknowledgement, client, seconds: float = 15) -> Acknowledgement:
    """Run the outbox as the tasks would, until Amazon (the simulator) decides."""
    acknowledgement_send(ack.pk, client)
    deadline = time.monotonic() + seconds
    while True:
        ack.refresh_from_db()
        if not ack.in_flight:
            return ack
        assert time.monotonic() < deadline, f"acknowledgement still {ack.status}"
        time.sleep(0.1)
        acknowledgement_check(ack.pk, client)


def acknowledgement_posts(sim, number: str) -> int:
    """How many submitAcknowledgement calls named PO `number` (the simulator's request log)."""
    return sum(
        1
        for entry in sim.requests()
        if entry.get("operation") == "submitAcknowledgement"
        and any(
            ack.get("purchaseOrderNumber") == number
            for ack in (entry.get("body") or {}).get("acknowledgements", [])
        )
    )
