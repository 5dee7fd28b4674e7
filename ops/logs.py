"""Logs ops can search: JSON lines carrying the shop, run and PO where known, never a secret.

- `log_context(shop_id=..., run_id=..., po=...)` sets context variables for a block; the
  `ContextFilter` copies them onto every record (omitted when unknown).
- Celery's task_prerun/task_postrun signals set that context for the Amazon tasks from
  their arguments (a run, an acknowledgement, an ASN or an invoice submission id), so task
  code needs no change; a request's `shop_id` URL argument is set by `LogContextMiddleware`.
- `RedactFilter` and the formatters mask what looks like an LWA secret or token, or an
  Authorization header, in the message, its arguments and tracebacks.
"""

import contextvars
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter

FIELDS = ("shop_id", "run_id", "po", "task")
_vars: dict[str, contextvars.ContextVar[object]] = {
    name: contextvars.ContextVar(f"shopctrl_log_{name}", default=None) for name in FIELDS
}

MASK = "[redacted]"
_SECRET_PATTERNS = [
    # LWA refresh tokens (Atzr|…), access tokens (Atza|…) and client secrets (amzn1.oa2-cs.v1.…)
    re.compile(r"Atz[ar]\|[^\s\"',;&}\]]+"),
    re.compile(r"amzn1\.oa2-cs\.v1\.[^\s\"',;&}\]]+"),
    # header or field name, then its value: Authorization / x-amz-access-token / secrets
    re.compile(
        r"(?i)((?:authorization|x-amz-access-token|client_secret|refresh_token|access_token)"
        r"[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|token|basic)\s+)?(?!\[redacted\])[^\s\"',;&}\]]+"
    ),
]


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by MASK."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Within the block, every log record carries these fields (shop_id, run_id, po, task)."""
    tokens = [(_vars[name], _vars[name].set(value)) for name, value in fields.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_context() -> dict[str, object]:
    return {name: var.get() for name, var in _vars.items() if var.get() is not None}


class ContextFilter(logging.Filter):
    """Adds the current log context's fields to the record (never overrides `extra=`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current_context().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class RedactFilter(logging.Filter):
    """Masks secrets in the message (after %-formatting) and in the traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message and the context fields. The
    whole line is redacted again, for values a handler added after the filters."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def formatException(self, ei) -> str:
        text = super().formatException(ei)  # a list only with exc_info_as_array, unused here
        return redact(text if isinstance(text, str) else "\n".join(text))

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingTextFormatter(logging.Formatter):
    """The demo's plain lines, with the known context appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{n}={getattr(record, n)}" for n in FIELDS if hasattr(record, n))
        return redact(f"{line} [{context}]" if context else line)


# --- where the context comes from ------------------------------------------------------------


def _sync_run_context(run_id: int) -> dict[str, object]:
    from amazon1p.importing.models import SyncRun

    shop_id = SyncRun.objects.filter(pk=run_id).values_list("shop_id", flat=True).first()
    return {"shop_id": shop_id, "run_id": run_id}


def _acknowledgement_context(ack_id: int) -> dict[str, object]:
    from amazon1p.acknowledgements.models import Acknowledgement

    row = (
        Acknowledgement.objects.filter(pk=ack_id)
        .values_list("shop_id", "purchase_order__po_number")
        .first()
    )
    return {"shop_id": row[0], "po": row[1]} if row else {}


def _asn_context(submission_id: int) -> dict[str, object]:
    from asn.models import AsnSubmission

    shop_id = (
        AsnSubmission.objects.filter(pk=submission_id).values_list("group__shop_id", flat=True)
    ).first()
    return {"shop_id": shop_id}


def _invoice_context(submission_id: int) -> dict[str, object]:
    from invoicing.models import InvoiceLine, InvoiceSubmission

    row = (
        InvoiceSubmission.objects.filter(pk=submission_id)
        .values_list("invoice_id", "invoice__shop_id")
        .first()
    )
    if row is None:
        return {}
    # An invoice may bill several POs: the log names them all, in order.
    pos = sorted(
        set(InvoiceLine.objects.filter(invoice_id=row[0]).values_list("po_number", flat=True))
    )
    return {"shop_id": row[1], "po": ",".join(pos) or None}


# task name → how to find its context from the first positional argument (an id)
TASK_CONTEXT: dict[str, Callable[[int], dict[str, object]]] = {
    "amazon1p.tasks.amazon1p_sync_run": _sync_run_context,
    "amazon1p.tasks.acknowledgement_send": _acknowledgement_context,
    "amazon1p.tasks.acknowledgement_check": _acknowledgement_context,
    "asn.tasks.asn_send": _asn_context,
    "asn.tasks.asn_check": _asn_context,
    "invoicing.tasks.invoice_send": _invoice_context,
    "invoicing.tasks.invoice_check": _invoice_context,
}
_task_tokens: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "shopctrl_log_task_tokens", default=None
)


def task_context(task_name: str, args: tuple) -> dict[str, object]:
    """The log context of a task call: its name, and its shop/run/PO where it has an id."""
    fields: dict[str, object] = {"task": task_name}
    lookup = TASK_CONTEXT.get(task_name)
    if lookup and args:
        try:
            fields.update({k: v for k, v in lookup(int(args[0])).items() if v is not None})
        except Exception:  # logging context must never stop a task
            logging.getLogger(__name__).warning("No log context for %s%r", task_name, args)
    return fields


def _on_task_prerun(sender=None, args=None, **_) -> None:
    fields = task_context(getattr(sender, "name", ""), tuple(args or ()))
    _task_tokens.set([(_vars[name], _vars[name].set(value)) for name, value in fields.items()])


def _on_task_postrun(**_) -> None:
    for var, token in reversed(_task_tokens.get() or []):
        var.reset(token)
    _task_tokens.set(None)


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_on_task_prerun, weak=False, dispatch_uid="ops.logs.prerun")
    task_postrun.connect(_on_task_postrun, weak=False, dispatch_uid="ops.logs.postrun")


class LogContextMiddleware:
    """Puts the page's shop (its `shop_id` URL argument) into the log context.

    Cleared when the next request starts and when the response is closed, not when the
    middleware returns: Django logs a 4xx/5xx response after every middleware has, and that
    line should name the shop too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _clear_request_context()
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if "shop_id" in view_kwargs:
            _vars["shop_id"].set(view_kwargs["shop_id"])


def _clear_request_context(**_) -> None:
    _vars["shop_id"].set(None)


def connect_request_signals() -> None:
    from django.core.signals import request_finished

    request_finished.connect(_clear_request_context, dispatch_uid="ops.logs.request_finished")
