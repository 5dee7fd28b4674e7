"""A sync run's summary alert: what an import brought from the past, as one alert.

A first import (a connection's first *new orders* run reads a week back) or a historical
import brings POs whose acknowledgement deadline is long gone. Alerting each of them would
bury everything else, so the upsert marks them alerted (see `PageResult.overdue`) and the run
gathers them here: one alert per run, its items the orders, linked to the grid filtered to
them.
"""

from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from orders.models import Order
from shops.alerts import AlertGroup, alert_group_raise, alerts_group_raise
from shops.models import Alert, AlertKind, AlertSeverity


def run_summary_key(run: SyncRun) -> str:
    return f"sync-run:{run.pk}"


def run_is_first_or_historical(run: SyncRun) -> bool:
    """Whether the run imports the past: a historical import, or the first new-orders run
    that finished for the shop (a failed first attempt does not count)."""
    if run.kind == SyncKind.HISTORICAL:
        return True
    return (
        run.kind == SyncKind.NEW
        and not SyncRun.objects.filter(
            shop_id=run.shop_id,
            kind=SyncKind.NEW,
            status__in=(SyncStatus.SUCCEEDED, SyncStatus.PARTIAL),
            pk__lt=run.pk,
        ).exists()
    )


def run_summary_raise(run: SyncRun, overdue_order_ids: list[int]) -> None:
    """While a page is stored: its orders that arrived past their deadline join the run's
    summary alert (idempotent: an order is counted once however often its page is stored)."""
    alerts_group_raise(
        shop=run.shop,
        groups=[
            AlertGroup(
                run_summary_key(run),
                AlertKind.IMPORT,
                AlertSeverity.WARNING,
                f"Sync run #{run.pk} (still running): POs that arrived already past their "
                "acknowledgement deadline.",
                Order,
                overdue_order_ids,
            )
        ],
    )


def run_summary_finish(run: SyncRun) -> Alert | None:
    """The run's final summary: every first or historical import that brought POs, and any
    run that brought POs past their deadline. Safe to call twice (same key, same text)."""
    overdue = (
        Alert.objects.filter(shop_id=run.shop_id, group_key=run_summary_key(run))
        .values_list("count", flat=True)
        .first()
    ) or 0
    past = run_is_first_or_historical(run)
    if not overdue and not (past and run.new_count):
        return None
    late = f"{overdue} {'is' if overdue == 1 else 'are'} past their acknowledgement deadline"
    if not overdue:
        late = "none is past its acknowledgement deadline"
    pos = f"{run.new_count} PO{'' if run.new_count == 1 else 's'}"
    if run.kind == SyncKind.HISTORICAL and run.range_from and run.range_to:
        span = f"{run.range_from:%Y-%m-%d} – {run.range_to:%Y-%m-%d}"
        message = f"Historical import {span}: {pos} imported; {late}."
    elif past:
        message = f"First import: {pos} imported from before the connection; {late}."
    else:
        message = (
            f"Sync run #{run.pk}: {overdue} PO(s) arrived already past their "
            "acknowledgement deadline."
        )
    return alert_group_raise(
        shop=run.shop,
        key=run_summary_key(run),
        kind=AlertKind.IMPORT,
        severity=AlertSeverity.WARNING if overdue else AlertSeverity.INFO,
        message=message,
        item_model=Order,
    )
