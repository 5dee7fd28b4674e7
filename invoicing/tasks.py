"""Invoice tasks: send, poll the transaction, and the watchdog (see invoicing/outbox.py)."""

from amazon1p.spapi.errors import AmazonTransientError
from core.outbox import outbox_tasks
from invoicing.outbox import invoice_check, invoice_send, invoices_idle

invoice_send_task, invoice_check_task, invoices_watchdog_task = outbox_tasks(
    send=invoice_send,
    check=invoice_check,
    idle=invoices_idle,
    send_name="invoicing.tasks.invoice_send",
    check_name="invoicing.tasks.invoice_check",
    watchdog_name="invoicing.tasks.invoices_watchdog",
    retry_for=(AmazonTransientError,),
)
