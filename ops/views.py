"""Ops endpoints: /metrics (token or network), /readyz, /livez, and the Operations page
(Django staff, site-wide)."""

import hmac
import ipaddress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from amazon1p.importing.sync import AUTO_RESUME_DELAYS
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from ops import health, selectors, services
from ops.metrics import registry


def _metrics_allowed(request: HttpRequest) -> bool:
    """True, or raise: 404 while /metrics is not configured, 403 for a wrong caller."""
    token = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        raise Http404
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").encode() if header.startswith("Bearer ") else b""
    if token and given and hmac.compare_digest(given, token.encode()):
        return True
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            address = None
        if address is not None and any(address in network for network in networks):
            return True
    raise PermissionDenied


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, read from the database and the broker at scrape time."""
    _metrics_allowed(request)
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve and to run jobs: database, Redis, broker and a fresh beat tick.
    503 names the failing check(s) in the body."""
    checks = health.readiness()
    failing = sorted(name for name, value in checks.items() if value != "ok")
    body = {"status": "error" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)


@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """The process answers; touches nothing else (restart only when this fails)."""
    return JsonResponse({"status": "ok"})


def _staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


@login_required
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    """Workers, queues, beat, and what is stuck, with a re-queue button for each."""
    _staff(request)
    try:
        queues = selectors.queue_lengths()
        queue_error = ""
    except Exception as exc:
        queues, queue_error = {}, type(exc).__name__
    return render(
        request,
        "ops/operations.html",
        {
            "workers": selectors.workers_alive(),
            "queues": queues,
            "queue_error": queue_error,
            "beat_tick": health.beat_last_tick(),
            "beat_check": health.check_beat(),
            "checks": health.readiness(),
            "stuck_runs": selectors.sync_runs_stuck(),
            "failed_imports": selectors.historical_imports_failed(),
            "auto_resume_limit": len(AUTO_RESUME_DELAYS),
            "stuck_outbox": selectors.outbox_rows_stuck(),
        },
    )


@login_required
@require_POST
def sync_run_requeue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _staff(request)
    try:
        run = services.sync_run_requeue(actor=request.user, run_id=pk)
        messages.success(request, f"Sync run #{run.pk} handed to a worker again.")
    except ShopCtrlError as exc:
        messages.error(request, exc.message)
    return redirect("ops:operations")


@login_required
@require_POST
def outbox_requeue(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    _staff(request)
    try:
        message = services.outbox_requeue(actor=request.user, kind=kind, message_id=pk)
        messages.success(request, f"{message} handed to its task again.")
    except ShopCtrlError as exc:
        messages.error(request, exc.message)
    return redirect("ops:operations")
