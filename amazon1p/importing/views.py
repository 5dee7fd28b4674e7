"""Sync runs page: runs with live progress, per-PO errors, "Sync now" and "Import history"."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.forms import HistoryImportForm
from amazon1p.importing.models import ACTIVE_SYNC_STATUSES, SyncKind, SyncRun
from amazon1p.importing.selectors import sync_health, sync_run_list, sync_run_running
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_waiting_behind
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from shops.access import permissions_for, shop_for_user
from shops.models import Shop
from shops.permissions import Perm
from shops.views import render_settings_page

POLL_SECONDS = 2


def _context(request: HttpRequest, shop: Shop, **extra: Any) -> dict[str, Any]:
    return {
        "shop": shop,
        "active": "sync-runs",
        "can_sync": Perm.SYNC_CONFIGURE in permissions_for(request, shop),
        "poll_seconds": POLL_SECONDS,
        **extra,
    }


@login_required
@require_GET
def sync_run_list_view(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Every run of the shop, newest first, with the health badge and the sync buttons."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    page = Paginator(sync_run_list(shop), 25).get_page(request.GET.get("page"))
    connection = AmazonConnection.objects.filter(shop=shop).first()
    context = _context(
        request,
        shop,
        page=page,
        health=sync_health(shop),
        connection=connection,
        running=sync_run_running(shop),  # what the waiting runs wait behind
        polling=any(run.status in ACTIVE_SYNC_STATUSES for run in page.object_list),
    )
    template = "amazon1p/sync_run_table.html" if request.htmx else "amazon1p/sync_run_list.html"
    return render_settings_page(request, template, context)


@login_required
@require_GET
def sync_run_detail_view(
    request: AuthenticatedRequest, shop_id: int, run_id: str | None = None
) -> HttpResponse:
    """One run (the latest when no id is given): counts, calls, duration, per-PO errors.

    htmx requests get the live part only; it polls itself while the run is active.
    """
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    runs = SyncRun.objects.filter(shop=shop).select_related("created_by")
    run = get_object_or_404(runs, pk=int(run_id)) if run_id else runs.first()
    errors = run.errors.all()[:200] if run else []
    context = _context(
        request,
        shop,
        run=run,
        errors=errors,
        health=sync_health(shop),
        behind=sync_run_waiting_behind(run) if run else None,
    )
    template = (
        "amazon1p/sync_run_progress.html" if request.htmx else "amazon1p/sync_run_detail.html"
    )
    return render_settings_page(request, template, context)


def _connection_or_message(request: HttpRequest, shop: Shop) -> AmazonConnection | None:
    connection = AmazonConnection.objects.filter(shop=shop).first()
    if connection is None or not connection.enabled:
        messages.error(request, "Turn the Amazon 1P connection on in the settings first.")
        return None
    return connection


def _queued(request: HttpRequest, run: SyncRun, created: bool) -> None:
    behind = sync_run_running(run.shop)
    if created and behind is not None:
        messages.success(
            request,
            f"{run.get_kind_display()} run #{run.pk} is queued behind run #{behind.pk} "
            f"({behind.get_kind_display().lower()}); it starts when that one ends.",
        )
    elif created:
        messages.success(request, f"{run.get_kind_display()} run #{run.pk} is queued.")
    else:
        messages.info(
            request, f"Run #{run.pk} ({run.get_kind_display().lower()}) is already active."
        )


@login_required
@require_POST
def sync_now_view(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Queue a new-orders run now; a second click while one is active gives the same run."""
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    if _connection_or_message(request, shop):
        run, created = sync_run_request(shop=shop, kind=SyncKind.NEW, actor=request.user)
        _queued(request, run, created)
    return redirect("amazon1p:sync-run-list", shop_id=shop.pk)


@login_required
@require_POST
def import_history_view(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Queue a historical import of the posted date range."""
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    # The settings page's historical import pane posts its own field names.
    data = request.POST.copy()
    for ours, settings_name in (("date_from", "history_from"), ("date_to", "history_to")):
        if not data.get(ours) and data.get(settings_name):
            data[ours] = data[settings_name]  # type: ignore[assignment]  # the last value: a str
    form = HistoryImportForm(data)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, str(error))
        return redirect("amazon1p:sync-run-list", shop_id=shop.pk)
    if _connection_or_message(request, shop):
        start, end = form.range()
        try:
            run, created = sync_run_request(
                shop=shop,
                kind=SyncKind.HISTORICAL,
                range_from=start,
                range_to=end,
                actor=request.user,
            )
        except ShopCtrlError as exc:
            messages.error(request, exc.message)
        else:
            _queued(request, run, created)
    return redirect("amazon1p:sync-run-list", shop_id=shop.pk)
