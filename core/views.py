"""Small helpers shared by the back-office views."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import ShopCtrlError

T = TypeVar("T")


def form_error_from(form: forms.BaseForm, error: ShopCtrlError) -> None:
    """Attach a service's domain error to the form field it names (or the whole form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def form_errors_to_messages(request: HttpRequest, form: forms.BaseForm) -> None:
    """Each error of an invalid form as an error message, led by its field's label.

    For POST-only actions that redirect back instead of re-rendering the form."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def service_run(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    success: str = "",
    back: HttpResponse,
    forward: Callable[[T], HttpResponse] | None = None,
) -> HttpResponse:
    """Call one service and redirect. Its domain error (`ShopCtrlError`) becomes an error
    message and the answer is `back`; on success the `success` message (if any) is added and
    the answer is `forward(result)`, or `back` when there is no `forward`."""
    try:
        result = call()
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return back
    if success:
        messages.success(request, success)
    return forward(result) if forward is not None else back


def safe_next_url(request: HttpRequest, fallback: str) -> str:
    """The posted `next` URL when it points into this site, else `fallback`."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def post_data(request: HttpRequest):
    """Form data to bind: the POST body on POST (even when empty), else None (unbound)."""
    return request.POST if request.method == "POST" else None
