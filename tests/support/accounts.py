"""Sign-in helpers: the test users' password and authenticator codes computed as an app would."""

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import mfa_setup_begin, mfa_setup_confirm

PASSWORD = "pw-Secret-123"


def code_for(device: TOTPDevice) -> str:
    """The code the user's app shows now (django-otp's own TOTP, RFC 6238)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Set up two-factor sign-in for `user` through the services; returns device and codes."""
    device = mfa_setup_begin(user=user)
    codes = mfa_setup_confirm(user=user, device=device, token=code_for(device), ip_address=None)
    device.refresh_from_db()
    # The confirming code may not be used again: let the next one come from the next step.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return device, codes


def password_login(client: Client, username: str, password: str = PASSWORD, **extra):
    from django.urls import reverse

    return client.post(reverse("login"), {"username": username, "password": password}, **extra)
