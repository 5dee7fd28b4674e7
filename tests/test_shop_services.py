"""Shop services: defaults, settings lists, members and roles, audit log, alerts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ShopCtrlError
from shops import services
from shops.audit import SECRET_MASK, audit_record
from shops.models import (
    Alert,
    AlertSeverity,
    AuditEntry,
    BaseStatus,
    CreditReason,
    Membership,
    OrderStatus,
    PaymentStatus,
    PaymentType,
    Role,
    VatTariff,
)
from shops.permissions import SHOP_OWNER_ADMIN, Perm
from tests.support.factories import ShopFactory, UserFactory, add_member, make_order


def test_new_shop_gets_defaults_and_owner(admin_user):
    shop = ShopFactory(owner=admin_user, country="NL")

    assert VatTariff.objects.get(shop=shop, is_default=True).rate == 21
    assert set(PaymentType.objects.filter(shop=shop).values_list("code", flat=True)) >= {
        "invoice",
        "consignment",
        "creditcard",
        "prepaid",
    }
    assert OrderStatus.objects.get(shop=shop, is_default=True).base_status == BaseStatus.ACTIVE
    assert {s.base_status for s in OrderStatus.objects.filter(shop=shop)} >= {
        BaseStatus.ACTIVE,
        BaseStatus.FINISHED,
        BaseStatus.CANCELLED,
    }
    assert PaymentStatus.objects.filter(shop=shop, is_default=True).count() == 1
    assert CreditReason.objects.filter(shop=shop).exists()
    assert set(Role.objects.filter(shop=shop).values_list("name", flat=True)) == {
        SHOP_OWNER_ADMIN,
        "Commerce",
        "Manufacture",
        "Warehouse",
        "Viewer",
    }
    membership = Membership.objects.get(shop=shop, user=admin_user)
    assert [r.name for r in membership.roles.all()] == [SHOP_OWNER_ADMIN]
    assert AuditEntry.objects.filter(shop=shop, action="shop.create", actor=admin_user).exists()


def test_making_a_tariff_default_clears_the_old_default(shop, admin_user):
    zero = VatTariff.objects.get(shop=shop, name="Zero")

    services.shop_setting_save(
        actor=admin_user, instance=zero, values={"name": "Zero", "rate": 0, "is_default": True}
    )

    assert list(VatTariff.objects.filter(shop=shop, is_default=True)) == [zero]
    entry = AuditEntry.objects.filter(action="vattariff.update").get()
    assert entry.changes == {"is_default": [False, True]}


def test_status_used_by_an_order_cannot_be_deleted(shop, admin_user):
    order = make_order(shop, "PO1")
    acknowledged = OrderStatus.objects.get(shop=shop, name="Acknowledged")
    order.main_status = acknowledged
    order.save()

    with pytest.raises(ShopCtrlError, match="still used"):
        services.shop_setting_delete(actor=admin_user, instance=acknowledged)
    assert OrderStatus.objects.filter(pk=acknowledged.pk).exists()


def test_default_entry_cannot_be_deleted(shop, admin_user):
    default = OrderStatus.objects.get(shop=shop, is_default=True)
    with pytest.raises(ShopCtrlError, match="default"):
        services.shop_setting_delete(actor=admin_user, instance=default)


def test_unused_setting_is_deleted_and_audited(shop, admin_user):
    reason = CreditReason.objects.get(shop=shop, name="Damaged")
    services.shop_setting_delete(actor=admin_user, instance=reason)
    assert not CreditReason.objects.filter(pk=reason.pk).exists()
    assert AuditEntry.objects.filter(
        action="creditreason.delete", target_id=str(reason.pk)
    ).exists()


def test_last_owner_admin_cannot_be_removed_or_demoted(shop, admin_user):
    membership = Membership.objects.get(shop=shop, user=admin_user)
    viewer_role = Role.objects.get(shop=shop, name="Viewer")

    with pytest.raises(ShopCtrlError, match="at least one Shop Owner Admin"):
        services.membership_remove(actor=admin_user, membership=membership)
    with pytest.raises(ShopCtrlError, match="at least one Shop Owner Admin"):
        services.membership_set_roles(actor=admin_user, membership=membership, roles=[viewer_role])
    assert membership.roles.get().name == SHOP_OWNER_ADMIN


def test_second_owner_admin_allows_the_first_to_step_down(shop, admin_user):
    deputy = UserFactory(username="deputy")
    add_member(shop, deputy, SHOP_OWNER_ADMIN)
    membership = Membership.objects.get(shop=shop, user=admin_user)

    services.membership_remove(actor=admin_user, membership=membership)

    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_owner_admin_role_is_locked(shop, admin_user):
    owner_role = Role.objects.get(shop=shop, name=SHOP_OWNER_ADMIN)
    with pytest.raises(ShopCtrlError):
        services.role_save(actor=admin_user, role=owner_role, name="Boss", permissions=[])
    with pytest.raises(ShopCtrlError):
        services.role_delete(actor=admin_user, role=owner_role)
    assert set(Role.objects.get(pk=owner_role.pk).permissions) == set(Perm.values)


def test_role_held_by_a_member_cannot_be_deleted(shop, admin_user, viewer_user):
    viewer_role = Role.objects.get(shop=shop, name="Viewer")
    with pytest.raises(ShopCtrlError, match="held by 1 member"):
        services.role_delete(actor=admin_user, role=viewer_role)


def test_custom_role_grants_its_permissions(shop, admin_user, client):
    packer = UserFactory(username="packer")
    role = services.role_save(
        actor=admin_user,
        role=Role(shop=shop),
        name="Packer",
        permissions=[Perm.SHOP_VIEW, Perm.SHIPMENTS_MANAGE],
    )
    services.membership_add(actor=admin_user, shop=shop, username="PACKER", roles=[role])
    client.force_login(packer)

    assert client.get(f"/shops/{shop.pk}/orders/").status_code == 200
    assert client.get(f"/shops/{shop.pk}/settings/").status_code == 403


def test_audit_log_masks_secret_values(shop, admin_user):
    entry = audit_record(
        actor=admin_user,
        shop=shop,
        action="sync.update",
        target=shop,
        changes={
            "refresh_token": ["Atzr|old-token", "Atzr|new-token"],
            "lwa_client_secret": [None, "amzn1.oa2-cs.v1.secret"],
            "vendor_code": ["A1", "B2"],
        },
    )
    entry.refresh_from_db()
    assert entry.changes["refresh_token"] == [SECRET_MASK, SECRET_MASK]
    assert entry.changes["lwa_client_secret"] == [None, SECRET_MASK]
    assert entry.changes["vendor_code"] == ["A1", "B2"]
    assert "token" not in str(entry.changes).replace("refresh_token", "")


def test_marking_an_alert_read_twice_audits_once(shop, admin_user):
    alert = services.alert_raise(shop=shop, severity=AlertSeverity.WARNING, message="Check")
    services.alert_mark_read(actor=admin_user, alert=alert)
    services.alert_mark_read(actor=admin_user, alert=alert)

    alert.refresh_from_db()
    assert alert.is_read and alert.read_at is not None
    assert AuditEntry.objects.filter(action="alert.read").count() == 1


def test_alert_purge_removes_only_old_read_alerts_and_can_run_twice(shop):
    old_read = services.alert_raise(shop=shop, severity=AlertSeverity.INFO, message="old")
    Alert.objects.filter(pk=old_read.pk).update(
        is_read=True, read_at=timezone.now() - timedelta(days=100)
    )
    recent_read = services.alert_raise(shop=shop, severity=AlertSeverity.INFO, message="new")
    Alert.objects.filter(pk=recent_read.pk).update(is_read=True, read_at=timezone.now())
    unread = services.alert_raise(shop=shop, severity=AlertSeverity.ERROR, message="open")

    assert services.alert_purge_read(older_than_days=90) == 1
    assert services.alert_purge_read(older_than_days=90) == 0
    assert set(Alert.objects.values_list("pk", flat=True)) == {recent_read.pk, unread.pk}


def test_django_admin_changes_reach_the_audit_log(admin_user, shop):
    from django.test import Client

    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    tariff = VatTariff.objects.get(shop=shop, name="Zero")

    response = client.post(
        f"/admin/shops/vattariff/{tariff.pk}/change/",
        {"shop": shop.pk, "name": "Zero rate", "rate": "0"},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.update")
    assert entry.shop == shop and entry.actor == admin_user and "Zero rate" in entry.target_repr


def test_wrong_password_is_refused_with_a_message(client, admin_user):
    response = client.post("/login/", {"username": admin_user.username, "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_mark_as_read_with_htmx_updates_the_sidebar_count_out_of_band(shop, admin_client):
    first, second = (
        services.alert_raise(shop=shop, severity=AlertSeverity.INFO, message=m) for m in "ab"
    )

    response = admin_client.post(
        f"/shops/{shop.pk}/alerts/{first.pk}/read/", headers={"HX-Request": "true"}
    )

    page = response.content.decode()
    assert response.status_code == 200 and f'id="alert-{first.pk}"' in page
    assert '<span id="unread-alert-count" class="count" hx-swap-oob="true">1</span>' in page
    admin_client.post(f"/shops/{shop.pk}/alerts/{second.pk}/read/", headers={"HX-Request": "true"})
    last = admin_client.post(
        f"/shops/{shop.pk}/alerts/{second.pk}/read/", headers={"HX-Request": "true"}
    )
    assert '<span id="unread-alert-count" hx-swap-oob="true"></span>' in last.content.decode()
