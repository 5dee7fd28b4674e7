"""Response headers every page gets: Permissions-Policy, and no caching of what a signed-in
person (or an API token) sees, so that a shared computer's or a proxy's cache never holds
an order list, an offer file or a freshly made API token."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or "Authorization" in request.headers:
            # Replaces any Cache-Control a view set: nothing private may be stored.
            response.headers.pop("Cache-Control", None)
            add_never_cache_headers(response)
        return response
