"""A real browser: a user whom the site requires to use two-factor sign-in sets up an
authenticator from the key on the page, then signs out and in again with a code."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from shops.models import SecurityEvent, SecurityEventKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key (RFC 6238: 30 s steps, 6 digits)."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=-30 * steps_ahead, digits=6):06d}"


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")


def test_user_sets_up_totp_and_signs_in_with_it(
    live_server,
    shop,
    admin_user,
    browser_page,
    settings,
):
    settings.MFA_REQUIRED = True
    page = browser_page

    sign_in(page, live_server.url, admin_user.username)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    page.wait_for_function(  # the QR code (an SVG from our own server) loads
        "() => document.querySelector('img.qr').naturalWidth > 0", timeout=10_000
    )
    secret = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("#id_token", app_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    sign_in(page, live_server.url, admin_user.username)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The code just used cannot be used twice: the app's next code (accepted one step early).
    page.fill("#id_token", app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    kinds = list(
        SecurityEvent.objects.filter(user=admin_user).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [
        SecurityEventKind.LOGIN,
        SecurityEventKind.MFA_ENABLED,
        SecurityEventKind.LOGOUT,
        SecurityEventKind.LOGIN,
        SecurityEventKind.MFA_VERIFIED,
    ]
