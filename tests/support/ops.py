"""Hand-made rows for the ops tests (made directly: ops only reads them)."""

from datetime import timedelta

from django.utils import timezone

from amazon1p.models import Acknowledgement, AmazonPurchaseOrder, SyncRun
from tests.support.factories import make_order


def run(shop, *, kind="new", status="succeeded", minutes_ago=0, **fields) -> SyncRun:
    made = SyncRun.objects.create(shop=shop, kind=kind, status=status, **fields)
    finished = timezone.now() - timedelta(minutes=minutes_ago)
    if status in ("succeeded", "partial", "failed"):
        SyncRun.objects.filter(pk=made.pk).update(finished_at=finished)
    made.refresh_from_db()
    return made


def acknowledgement(shop, number: str, *, status="pending", minutes_ago=0, attempts=0):
    order = make_order(shop, number)
    po = AmazonPurchaseOrder.objects.create(
        shop=shop, po_number=number, order=order, content_hash=number, raw={}
    )
    ack = Acknowledgement.objects.create(
        shop=shop,
        order=order,
        purchase_order=po,
        acknowledgement_date=timezone.now(),
        payload={},
        status=status,
        attempts=attempts,
    )
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Acknowledgement.objects.filter(pk=ack.pk).update(
        created_at=at, finished_at=at if status in ("success", "error") else None
    )
    ack.refresh_from_db()
    return ack


def invoice_submission(shop, number: str, *, status="pending", minutes_ago=0, attempts=0):
    """An invoice of order `number`'s first row, and one outbox row sending it."""
    from decimal import Decimal

    from invoicing.models import Invoice, InvoiceLine, InvoiceSubmission

    row = make_order(shop, number).rows.order_by("position").first()
    invoice = Invoice.objects.create(
        shop=shop, number=f"INV-{number}", ship_to_party_id="LEJ1", currency="EUR"
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        row=row,
        po_number=number,
        item_sequence_number=1,
        quantity=1,
        net_cost=Decimal("1.00"),
        net_amount=Decimal("1.00"),
        tax_amount=Decimal("0.19"),
    )
    sent = InvoiceSubmission.objects.create(
        invoice=invoice, payload={}, status=status, attempts=attempts
    )
    at = timezone.now() - timedelta(minutes=minutes_ago)
    InvoiceSubmission.objects.filter(pk=sent.pk).update(
        created_at=at, finished_at=at if status in ("success", "error") else None
    )
    sent.refresh_from_db()
    return sent
