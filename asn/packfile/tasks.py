"""The pack inbox's beat job. Registered through `asn.tasks`, which imports it, so that
Celery's autodiscovery (one `tasks` module per app) finds it."""

from celery import shared_task
from django.conf import settings

from asn.packfile.inbox import pack_inbox_process


@shared_task(name="asn.tasks.pack_inbox_process")
def pack_inbox_process_task() -> int:
    """Beat job: apply the pack files in PACK_INBOX_DIR/inbox (see `pack_inbox_process`).

    Idempotency key: the group shipment's state (a file that leaves it as it is writes
    nothing); overlapping passes skip. Returns how many files were handled.
    """
    return len(pack_inbox_process(directory=settings.PACK_INBOX_DIR))
