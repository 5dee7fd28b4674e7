"""Small helpers shared by the back-office views."""

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import ShopCtrlError


def form_error_from(form: forms.BaseForm, error: ShopCtrlError) -> None:
    """Attach a service's domain error to the form field it names (or the whole form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


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
