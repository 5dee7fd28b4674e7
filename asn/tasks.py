"""ASN tasks: send, poll the transaction, and the watchdog (see asn/outbox.py)."""

from amazon1p.spapi.errors import AmazonTransientError
from asn.outbox import asn_check, asn_send, asns_idle
from asn.packfile.tasks import pack_inbox_process_task  # noqa: F401 (registers the beat job)
from core.outbox import outbox_tasks

asn_send_task, asn_check_task, asns_watchdog_task = outbox_tasks(
    send=asn_send,
    check=asn_check,
    idle=asns_idle,
    send_name="asn.tasks.asn_send",
    check_name="asn.tasks.asn_check",
    watchdog_name="asn.tasks.asns_watchdog",
    retry_for=(AmazonTransientError,),
)
