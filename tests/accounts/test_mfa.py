"""Two-factor sign-in: required before any page (site-wide, or by a shop), set-up with an
authenticator app, sign-in with a code or a recovery code, removal."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import RECOVERY_CODE_COUNT
from core.errors import ShopCtrlError
from shops.models import SecurityEvent, SecurityEventKind
from shops.people import shop_set_require_mfa
from tests.support.accounts import code_for, enrol, password_login
from tests.support.factories import add_member


def orders_url(shop) -> str:
    return reverse("orders:order-list", args=[shop.pk])


def kinds(user) -> list[str]:
    return list(
        SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


def test_required_site_wide_sends_a_user_without_mfa_to_set_up(mfa_required, admin_client, shop):
    for url in (orders_url(shop), reverse("shops:shop-list"), reverse("admin:index")):
        response = admin_client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:mfa-setup") + "?next=")
    assert admin_client.get(reverse("accounts:mfa-setup")).status_code == 200


def test_not_required_lets_a_user_without_mfa_in(admin_client, shop):
    assert admin_client.get(orders_url(shop)).status_code == 200


def test_a_shop_requiring_mfa_sends_members_without_it_to_set_up(
    shop, admin_user, viewer_user, viewer_client, other_shop
):
    enrol(admin_user)
    shop_set_require_mfa(actor=admin_user, shop=shop, required=True)
    add_member(other_shop, viewer_user, "Viewer")  # a shop that does not require it

    response = viewer_client.get(orders_url(shop))
    assert response.status_code == 302
    assert (
        response.url
        == f"{reverse('accounts:mfa-setup')}?next={orders_url(shop).replace('/', '%2F')}"
    )
    assert viewer_client.get(reverse("shops:alert-list", args=[shop.pk])).status_code == 302
    assert viewer_client.get(orders_url(other_shop)).status_code == 200
    assert viewer_client.get(reverse("shops:shop-list")).status_code == 200


def test_a_user_with_mfa_must_enter_a_code_before_any_page(admin_user, shop):
    enrol(admin_user)
    client = Client()
    assert password_login(client, admin_user.username).status_code == 302

    response = client.get(orders_url(shop))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))
    # htmx requests are told to load the code page instead of swapping it in
    response = client.get(orders_url(shop), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:verify"))


def test_totp_setup_shows_the_key_confirms_with_a_code_and_gives_recovery_codes(
    mfa_required, admin_client, admin_user, shop
):
    page = admin_client.get(reverse("accounts:mfa-setup") + "?next=" + orders_url(shop))
    assert page.status_code == 200
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert secret and device.config_url.startswith("otpauth://totp/")
    assert f"secret={secret}" in device.config_url
    qr = admin_client.get(reverse("accounts:mfa-qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-cache" in qr["Cache-Control"] or "no-store" in qr["Cache-Control"]

    wrong = admin_client.post(reverse("accounts:mfa-setup"), {"token": "000000"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()

    response = admin_client.post(
        reverse("accounts:mfa-setup"), {"token": code_for(device), "next": orders_url(shop)}
    )
    assert response.status_code == 302
    codes_page = admin_client.get(response.url)
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page.content.decode())
    assert len(codes) == RECOVERY_CODE_COUNT
    assert admin_client.get(response.url).context["codes"] is None  # shown once
    # The session that set it up is verified: the shop opens.
    assert admin_client.get(orders_url(shop)).status_code == 200
    assert SecurityEventKind.MFA_ENABLED in kinds(admin_user)


def test_sign_in_with_an_authenticator_code(mfa_required, admin_user, shop):
    device, _ = enrol(admin_user)
    client = Client()
    password_login(client, admin_user.username)
    next_url = orders_url(shop)

    wrong = client.post(reverse("accounts:verify"), {"token": "123456", "next": next_url})
    assert wrong.status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(
        reverse("accounts:verify"), {"token": code_for(device), "next": next_url}
    )

    assert response.status_code == 302 and response.url == next_url
    assert client.get(next_url).status_code == 200
    assert kinds(admin_user)[-3:] == [
        SecurityEventKind.LOGIN,
        SecurityEventKind.MFA_FAILED,
        SecurityEventKind.MFA_VERIFIED,
    ]


def test_sign_in_with_a_recovery_code_uses_it_up(mfa_required, admin_user, shop):
    _, codes = enrol(admin_user)
    first = Client()
    password_login(first, admin_user.username)
    response = first.post(reverse("accounts:verify"), {"token": codes[0].upper()})
    assert response.status_code == 302
    assert first.get(orders_url(shop)).status_code == 200
    assert StaticToken.objects.filter(device__user=admin_user).count() == RECOVERY_CODE_COUNT - 1
    event = SecurityEvent.objects.filter(user=admin_user).latest("id")
    assert event.kind == SecurityEventKind.MFA_VERIFIED and "recovery code" in event.detail

    second = Client()
    password_login(second, admin_user.username)
    assert second.post(reverse("accounts:verify"), {"token": codes[0]}).status_code == 400
    assert second.get(orders_url(shop)).status_code == 302


def test_new_recovery_codes_replace_the_old(admin_user):
    _, codes = enrol(admin_user)
    client = Client()
    password_login(client, admin_user.username)
    client.post(reverse("accounts:verify"), {"token": codes[0]})

    response = client.post(reverse("accounts:recovery-codes"))
    new_codes = client.get(response.url).context["codes"]

    assert len(new_codes) == RECOVERY_CODE_COUNT and not set(new_codes) & set(codes)
    assert SecurityEventKind.RECOVERY_CODES in kinds(admin_user)


def test_mfa_can_be_removed_with_the_password_unless_required(admin_user, shop, settings):
    enrol(admin_user)
    settings.MFA_REQUIRED = True
    client2 = Client()
    password_login(client2, admin_user.username)
    device = TOTPDevice.objects.get(user=admin_user)
    client2.post(reverse("accounts:verify"), {"token": code_for(device)})
    response = client2.post(reverse("accounts:mfa-remove"), {"password": "pw-Secret-123"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=admin_user).exists()  # required: refused

    settings.MFA_REQUIRED = False
    bad = client2.post(reverse("accounts:mfa-remove"), {"password": "wrong"})
    assert bad.status_code == 302 and TOTPDevice.objects.filter(user=admin_user).exists()
    client2.post(reverse("accounts:mfa-remove"), {"password": "pw-Secret-123"})
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    assert SecurityEventKind.MFA_DISABLED in kinds(admin_user)


def test_requiring_mfa_in_a_shop_needs_it_for_oneself_and_is_logged(admin_user, shop):
    with pytest.raises(ShopCtrlError, match="your own account first"):
        shop_set_require_mfa(actor=admin_user, shop=shop, required=True)
    enrol(admin_user)
    shop_set_require_mfa(actor=admin_user, shop=shop, required=True)
    shop_set_require_mfa(actor=admin_user, shop=shop, required=True)  # no change, no event

    shop.refresh_from_db()
    assert shop.require_mfa
    events = SecurityEvent.objects.filter(shop=shop, kind=SecurityEventKind.POLICY_CHANGE)
    assert events.count() == 1


def test_security_page_turns_the_shop_requirement_on(admin_user, shop):
    device, _ = enrol(admin_user)
    client = Client()
    password_login(client, admin_user.username)
    client.post(reverse("accounts:verify"), {"token": code_for(device)})
    url = reverse("shops:security", args=[shop.pk])

    response = client.post(url, {"require_mfa": "on"})

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.require_mfa
    page = client.get(url).content.decode()
    assert "Sign-in policy changed" in page and "Second factor accepted" in page


def test_an_administrator_resets_a_lost_authenticator(admin_user, settings):
    from django.core.management import call_command

    enrol(admin_user)
    settings.MFA_REQUIRED = True
    call_command("mfa_reset", "owner")

    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.MFA_DISABLED)
    assert event.user == admin_user and "administrator" in event.detail
