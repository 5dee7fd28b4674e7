"""Invoices in tests: the outbox run as the tasks would, receiving waited for, and what the
simulator accepted."""

import time
from decimal import Decimal

import httpx
from django.utils import timezone

from invoicing.models import InvoiceSubmission
from invoicing.outbox import invoice_check, invoice_send
from receiving.services import receiving_sync
from tests.support.receiving import ship  # the shared shipping helper

__all__ = ["follow", "invoices_at_amazon", "received", "ship"]

RECEIVE_DELAY = 0.5  # the invoicing tests' simulator receives this long after an ASN


def received(shop, api, seconds: float = RECEIVE_DELAY + 0.3) -> None:
    """Wait for the FC to receive, then sync receiving."""
    time.sleep(seconds)
    receiving_sync(shop=shop, client=api)


def follow(submission: InvoiceSubmission, client, seconds: float = 15) -> InvoiceSubmission:
    """Run the outbox as the tasks would, until the simulator decides."""
    invoice_send(submission.pk, client)
    deadline = time.monotonic() + seconds
    while True:
        submission.refresh_from_db()
        if not submission.in_flight:
            return submission
        assert time.monotonic() < deadline, f"invoice still {submission.status}"
        time.sleep(0.1)
        invoice_check(submission.pk, client)


def invoices_at_amazon(sim, number: str) -> list[dict]:
    """Every invoice or credit note numbered `number` the simulator accepted."""
    answer = httpx.get(f"{sim.base_url}/_simulator/invoices", timeout=10)
    answer.raise_for_status()
    return [i for i in answer.json() if i["id"] == number]


def shipped_in_db(shop, group, number: str, received: dict[int, int] | None, rows=None):
    """An acknowledged order shipped in full in `group` (its ASN accepted, the group
    confirmed) and received as given (row position → eaches; None: nothing heard yet), built
    in the database only; `rows` as `make_order` takes them."""
    from asn.models import AsnStatus, AsnSubmission, GroupShipmentStatus, Shipment, ShipmentLine
    from tests.support.asn import acknowledged_order  # the shared order builder

    order = acknowledged_order(shop, number, fc=group.fc_code, rows=rows)
    shipment = Shipment.objects.create(group=group, order=order)
    for row in order.rows.all():
        ShipmentLine.objects.create(shipment=shipment, row=row, quantity=row.quantity)
    if received is not None:
        received_in_db(order, received)
    if not group.submissions.filter(status=AsnStatus.SUCCESS).exists():
        AsnSubmission.objects.create(
            group=group,
            confirmation_type="Original",
            asn_number=group.code,
            status=AsnStatus.SUCCESS,
            payload={},
        )
    group.status = GroupShipmentStatus.CONFIRMED
    group.save(update_fields=["status"])
    return order


def received_in_db(order, received: dict[int, int]) -> None:
    """Amazon's FC counted `order`: row position → eaches (rows not named: in full)."""
    from receiving.models import LineReceipt, ReceiveStatus

    for row in order.rows.all():
        got = received.get(row.position, row.quantity)
        LineReceipt.objects.create(
            shop=order.shop,
            order=order,
            row=row,
            receive_status=ReceiveStatus.RECEIVED
            if got >= row.quantity
            else ReceiveStatus.PARTIALLY_RECEIVED,
            received_quantity=got,
            last_receive_date=timezone.now(),
        )


def weighed(invoice, actor):
    """`invoice` with a weight on each line priced by weight (1 unit of weight per each, as
    staff would enter from the scale), so pre-flight has what it needs; returns it."""
    from invoicing.services import invoice_line_set

    for line in invoice.lines.exclude(price_unit=""):
        invoice_line_set(
            line=line,
            quantity=line.quantity,
            net_cost=line.net_cost,
            weight=Decimal(line.quantity),
            actor=actor,
        )
    return invoice
