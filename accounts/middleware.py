"""Two-factor sign-in before any page that needs it.

A signed-in session that has not passed its second factor may only reach the code page, the
set-up pages and sign-out when the user has an authenticator (always), when MFA_REQUIRED is on
(everyone), or on a page of a shop that requires it (`shops.access.SecondFactorRequired`).
Whether the user has an authenticator is kept in the session, so a request costs no query.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.security import MFA_ENROLLED_SESSION_KEY, remember_enrollment
from shops.access import SecondFactorRequired

OPEN_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "healthz",
        "readyz",
        "livez",
        "metrics",
        "accounts:verify",
        "accounts:mfa-setup",
        "accounts:mfa-qr",
    }
)
OPEN_NAMESPACES = frozenset({"api"})  # token-authenticated, no session sign-in


def _to(request: HttpRequest, url_name: str) -> HttpResponse:
    url = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _enrolled(request: HttpRequest) -> bool:
    enrolled = request.session.get(MFA_ENROLLED_SESSION_KEY)
    user = request.user  # both callers have a signed-in user
    if enrolled is None and user.is_authenticated:  # a session from before this check existed
        enrolled = remember_enrollment(request, user)
    return bool(enrolled)


class MfaRequiredMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware adds it
            return None
        match = request.resolver_match
        if match is None:  # process_view runs after URL resolution
            return None
        if match.view_name in OPEN_URL_NAMES or OPEN_NAMESPACES.intersection(match.namespaces):
            return None
        if _enrolled(request):
            return _to(request, "accounts:verify")
        if settings.MFA_REQUIRED:
            return _to(request, "accounts:mfa-setup")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, SecondFactorRequired):
            return _to(request, "accounts:verify" if _enrolled(request) else "accounts:mfa-setup")
        return None


LAST_SEEN_SESSION_KEY = "last_seen"
RENEW_AFTER_SECONDS = 60


class IdleSessionMiddleware:
    """Renews a signed-in session's expiry (SESSION_COOKIE_AGE, the idle timeout) as it is
    used, writing the session at most once a minute rather than on every request
    (SESSION_SAVE_EVERY_REQUEST would cost a write per request, polls included)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if not isinstance(seen, int) or now - seen >= RENEW_AFTER_SECONDS:
                request.session[LAST_SEEN_SESSION_KEY] = now  # modified: saved, expiry renewed
        return self.get_response(request)
