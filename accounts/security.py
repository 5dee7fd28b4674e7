"""Who must use two-factor sign-in, and where a request comes from."""

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django_otp import user_has_device

from shops.models import Shop

MFA_ENROLLED_SESSION_KEY = "mfa_enrolled"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a reverse proxy (USE_X_FORWARDED_FOR) the
    last address the proxy appended to X-Forwarded-For; earlier ones are the client's claim."""
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None


def mfa_enrolled(user: User) -> bool:
    """Has the user a confirmed authenticator (TOTP) or recovery codes?"""
    return user_has_device(user, confirmed=True)


def mfa_required_by(user: User) -> list[str]:
    """Why the user must use two-factor sign-in: "this site", and/or the shops requiring it."""
    reasons = ["this site"] if settings.MFA_REQUIRED else []
    reasons += Shop.objects.filter(memberships__user=user, require_mfa=True).values_list(
        "name", flat=True
    )
    return reasons


def remember_enrollment(request: HttpRequest, user: User) -> bool:
    """Store in the session whether the user has MFA, so each request need not ask the
    database; set at sign-in and whenever this session adds or removes a device."""
    enrolled = mfa_enrolled(user)
    request.session[MFA_ENROLLED_SESSION_KEY] = enrolled
    return enrolled
