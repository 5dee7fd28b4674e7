"""Receiving tasks: beat fans out over the shops that send ASNs; each shop's sync is its own
task, retried on transient Amazon errors."""

from celery import shared_task

from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection
from amazon1p.spapi.errors import AmazonTransientError
from amazon1p.spapi.factory import vendor_client_for
from core.tasks import delay_on_commit
from receiving.services import receiving_shops, receiving_sync


@shared_task(
    name="receiving.tasks.receiving_sync",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def receiving_sync_task(shop_id: int) -> dict:
    """Sync one shop's receiving (see `receiving_sync`).

    Idempotency key: the shop; a second delivery, or one overlapping another, skips (lock)
    or stores the same rows again. A transient Amazon error retries with backoff; what was
    stored before it stays and the retry reads only what is still open.
    """
    connection = AmazonConnection.objects.select_related("shop").get(shop_id=shop_id)
    with vendor_client_for(spapi_connection(connection)) as client:
        result = receiving_sync(shop=connection.shop, client=client)
    return {"targets": result.targets, "changed": result.lines_changed, "alerts": result.alerts}


@shared_task(name="receiving.tasks.receiving_sync_due")
def receiving_sync_due_task() -> int:
    """Beat job: one receiving sync task per shop that sends ASNs. Returns how many."""
    shop_ids = list(receiving_shops().values_list("pk", flat=True))
    for shop_id in shop_ids:
        delay_on_commit(receiving_sync_task, shop_id)
    return len(shop_ids)
