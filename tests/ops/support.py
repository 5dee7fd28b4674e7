"""Hand-made rows for the ops tests (made directly: ops only reads them)."""

from datetime import timedelta

from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement
from amazon1p.importing.models import AmazonPurchaseOrder, SyncRun
from tests.factories import make_order


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
