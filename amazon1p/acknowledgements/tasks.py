"""Acknowledgement tasks: send one acknowledgement from the outbox, follow it to Amazon's
verdict, and the watchdog that hands idle ones back (see outbox.py; the trio is
`core.outbox.outbox_tasks`).

services.acknowledgement_request enqueues the send task it imports from here; this module
imports only outbox.py (the worker side), never services.py, so the imports go one way
(services → tasks → outbox). The other beat jobs (deadlines, rules) are in
amazon1p/tasks.py, which imports this module so that the worker registers these tasks.
"""

from amazon1p.acknowledgements.outbox import (
    acknowledgement_check,
    acknowledgement_send,
    acknowledgements_idle,
)
from amazon1p.spapi.errors import AmazonTransientError
from core.outbox import outbox_tasks

# The names are the ones these tasks had in amazon1p/tasks.py (queued messages, logs, ops,
# the beat schedule).
acknowledgement_send_task, acknowledgement_check_task, acknowledgements_watchdog_task = (
    outbox_tasks(
        send=acknowledgement_send,
        check=acknowledgement_check,
        idle=acknowledgements_idle,
        send_name="amazon1p.tasks.acknowledgement_send",
        check_name="amazon1p.tasks.acknowledgement_check",
        watchdog_name="amazon1p.tasks.acknowledgements_watchdog",
        retry_for=(AmazonTransientError,),
    )
)
