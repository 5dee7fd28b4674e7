"""Security-log receivers for Django's sign-in signals and django-axes' lockout signal."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.security import client_ip, remember_enrollment
from shops.models import SecurityEventKind
from shops.security_log import security_event_record


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="accounts.login")
def _logged_in(sender, request, user, **kwargs) -> None:
    enrolled = remember_enrollment(request, user) if request is not None else False
    security_event_record(
        kind=SecurityEventKind.LOGIN,
        user=user,
        ip_address=_ip(request),
        detail="password accepted; code required next" if enrolled else "password",
    )


@receiver(user_logged_out, dispatch_uid="accounts.logout")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        security_event_record(kind=SecurityEventKind.LOGOUT, user=user, ip_address=_ip(request))


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    locked = request is not None and getattr(request, "axes_locked_out", False)
    security_event_record(
        kind=SecurityEventKind.LOGIN_FAILED,
        user=user,
        username=username,
        ip_address=_ip(request),
        detail="refused: locked out" if locked else "wrong user name or password",
    )


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    if getattr(request, "axes_failures_since_start", None) is None:
        return  # a refused try during a lockout: recorded as a failed sign-in, not a new lockout

    user = get_user_model().objects.filter(username=username).first() if username else None
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    security_event_record(
        kind=SecurityEventKind.LOCKOUT,
        user=user,
        username=username or "",
        ip_address=ip_address,
        detail=f"after {settings.AXES_FAILURE_LIMIT} failed sign-ins; {minutes} min cool-off",
    )
