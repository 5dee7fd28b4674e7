"""Two-factor sign-in (TOTP + recovery codes, through django-otp) and password events.

Every change writes a security event. Codes are never logged or stored in clear except the
recovery codes, which django-otp keeps as single-use tokens (shown to the user once).
"""

from django.contrib.auth.models import User
from django.db import transaction
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import mfa_required_by
from core.errors import ShopCtrlError
from shops.models import SecurityEventKind
from shops.security_log import security_event_record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def _clean(token: str) -> str:
    # People type recovery codes in capitals or with spaces; they are stored lower case.
    return "".join(token.split()).replace("-", "").lower()


def mfa_setup_begin(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator for the user to scan, made once (reloading the page
    shows the same secret). Refused when one is already confirmed."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ShopCtrlError("Two-factor sign-in is already set up.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _recovery_codes_new(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def mfa_setup_confirm(
    *, user: User, device: TOTPDevice, token: str, ip_address: str | None
) -> list[str]:
    """Confirm the authenticator with a code it shows; returns new recovery codes.

    Idempotent on the device: a second confirmation is refused by `mfa_setup_begin`'s rule.
    """
    if device.user_id != user.pk or device.confirmed:
        raise ShopCtrlError("Start the set-up again.")
    if not device.verify_token(_clean(token)):
        raise ShopCtrlError(
            "That code is not right. Check the app's clock and enter the current code.",
            field="token",
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_new(user)
    security_event_record(
        kind=SecurityEventKind.MFA_ENABLED,
        user=user,
        ip_address=ip_address,
        detail=f"authenticator app and {len(codes)} recovery codes",
    )
    return codes


def mfa_verify(*, user: User, token: str, ip_address: str | None) -> Device:
    """The device that accepts `token` (authenticator code or unused recovery code).

    A recovery code is used up. Wrong codes slow further tries (django-otp's throttling,
    doubling each time) and are recorded.
    """
    device = match_token(user, _clean(token))
    if device is None:
        security_event_record(
            kind=SecurityEventKind.MFA_FAILED, user=user, ip_address=ip_address, detail="wrong code"
        )
        throttled = [
            d for d in TOTPDevice.objects.filter(user=user) if not d.verify_is_allowed()[0]
        ]
        if throttled:
            raise ShopCtrlError(
                "Too many wrong codes: wait a minute before the next try.", field="token"
            )
        raise ShopCtrlError("That code is not right.", field="token")
    method = "recovery code" if isinstance(device, StaticDevice) else "authenticator code"
    left = ""
    if isinstance(device, StaticDevice):
        left = f"; {device.token_set.count()} recovery codes left"
    security_event_record(
        kind=SecurityEventKind.MFA_VERIFIED, user=user, ip_address=ip_address, detail=method + left
    )
    return device


@transaction.atomic
def mfa_recovery_codes_renew(*, user: User, ip_address: str | None) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working)."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ShopCtrlError("Set up two-factor sign-in first.")
    codes = _recovery_codes_new(user)
    security_event_record(kind=SecurityEventKind.RECOVERY_CODES, user=user, ip_address=ip_address)
    return codes


@transaction.atomic
def mfa_remove(
    *,
    user: User,
    actor: User | None = None,
    ip_address: str | None = None,
    force: bool = False,
) -> int:
    """Remove the user's authenticator and recovery codes. Refused while the site or one of
    the user's shops requires two-factor sign-in, unless `force` (an administrator resetting
    a lost phone: the user then sets it up again at the next sign-in)."""
    reasons = mfa_required_by(user)
    if reasons and not force:
        raise ShopCtrlError(
            f"Two-factor sign-in is required by {', '.join(reasons)}; it cannot be removed."
        )
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    if removed:
        security_event_record(
            kind=SecurityEventKind.MFA_DISABLED,
            user=user,
            actor=actor or user,
            ip_address=ip_address,
            detail="reset by an administrator" if force else "removed by the user",
        )
    return removed


def password_changed(*, user: User, ip_address: str | None) -> None:
    """Record a password change (Django's form has already validated and saved it)."""
    security_event_record(kind=SecurityEventKind.PASSWORD_CHANGED, user=user, ip_address=ip_address)
