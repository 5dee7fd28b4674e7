"""The security log: one entry per kind of event, the Shop Owner Admin's page, and a retention
of at least 90 days that pruning respects."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shops.audit import audit_record
from shops.models import Role, SecurityEvent, SecurityEventKind
from shops.people import invitation_create
from shops.security_log import security_event_record, security_events_prune
from shops.services import membership_set_roles, role_save
from shops.tasks import security_events_prune_task
from tests.support.accounts import PASSWORD, code_for, enrol, password_login
from tests.support.factories import UserFactory


def test_every_kind_of_event_is_recorded(admin_user, viewer_user, shop, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    password_login(client, "nobody", "x")  # failure, unknown name
    password_login(client, "nobody", "x")  # lockout of that name and of this address
    password_login(Client(REMOTE_ADDR="198.51.100.7"), "viewer")  # login
    owner = Client(REMOTE_ADDR="198.51.100.8")
    password_login(owner, "owner")
    owner.post(reverse("logout"))  # logout
    device, _ = enrol(admin_user)  # mfa_enabled
    password_login(owner, "owner")
    owner.post(reverse("accounts:verify"), {"token": "000000"})  # mfa_failed
    type(device).objects.filter(pk=device.pk).update(throttling_failure_count=0)
    owner.post(reverse("accounts:verify"), {"token": code_for(device)})  # mfa_verified
    owner.post(reverse("accounts:recovery-codes"))  # recovery_codes
    owner.post(reverse("accounts:mfa-remove"), {"password": PASSWORD})  # mfa_disabled
    new = "Copper-Kettle-Lantern-42"
    owner.post(  # password_changed
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    commerce = Role.objects.get(shop=shop, name="Commerce")
    membership = viewer_user.memberships.get(shop=shop)
    membership_set_roles(actor=admin_user, membership=membership, roles=[commerce])  # role
    audit_record(  # secret_change (any audited change of a secret field)
        actor=admin_user,
        shop=shop,
        action="amazon1p.settings.update",
        target=shop,
        changes={"refresh_token": ["Atzr|old", "Atzr|new"]},
    )
    enrol(viewer_user)
    from shops.people import shop_set_require_mfa

    shop_set_require_mfa(actor=viewer_user, shop=shop, required=True)  # policy (as actor)

    recorded = set(SecurityEvent.objects.values_list("kind", flat=True))
    assert recorded == set(SecurityEventKind.values)
    lockout = SecurityEvent.objects.get(kind=SecurityEventKind.LOCKOUT, username="nobody")
    assert lockout.ip_address == "127.0.0.1"
    secret = SecurityEvent.objects.get(kind=SecurityEventKind.SECRET_CHANGE)
    assert "Atzr" not in secret.detail and "refresh_token" in secret.detail


def test_shop_owner_admins_see_their_shop_and_its_members_only(
    admin_client, viewer_client, viewer_user, admin_user, shop, other_shop, other_admin
):
    security_event_record(kind=SecurityEventKind.LOGIN, user=viewer_user, detail="member-login")
    security_event_record(kind=SecurityEventKind.LOGIN, user=other_admin, detail="outsider-login")
    security_event_record(
        kind=SecurityEventKind.ROLE_CHANGE, user=other_admin, shop=other_shop, detail="other-shop"
    )
    invitation_create(
        actor=admin_user,
        shop=shop,
        username="newcomer",
        roles=[Role.objects.get(shop=shop, name="Viewer")],
    )
    url = reverse("shops:security", args=[shop.pk])

    page = admin_client.get(url).content.decode()

    assert "member-login" in page and "invited with roles Viewer" in page
    assert "outsider-login" not in page and "other-shop" not in page
    assert viewer_client.get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_pruning_keeps_every_event_younger_than_90_days_and_can_run_twice(db, settings):
    now = timezone.now()
    ages = [0, 30, 89, 91, 400]
    for days in ages:
        SecurityEvent.objects.create(
            kind=SecurityEventKind.LOGIN, username=f"age-{days}", created_at=now - timedelta(days)
        )

    with pytest.raises(ValueError, match="at least 90 days"):
        security_events_prune(older_than_days=30)
    assert security_events_prune(older_than_days=90) == 2
    assert security_events_prune(older_than_days=90) == 0
    kept = set(SecurityEvent.objects.values_list("username", flat=True))
    assert kept == {"age-0", "age-30", "age-89"}


def test_the_beat_job_prunes_after_the_configured_retention(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 365
    old = timezone.now() - timedelta(days=366)
    SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN, username="old", created_at=old)
    SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN, username="kept", created_at=timezone.now() - timedelta(200)
    )
    assert security_events_prune_task.apply().get() == 1
    assert list(SecurityEvent.objects.values_list("username", flat=True)) == ["kept"]


def test_events_outlive_a_deleted_user(db):
    user = UserFactory(username="leaver")
    security_event_record(kind=SecurityEventKind.LOGIN, user=user)
    user.delete()
    assert SecurityEvent.objects.get().username == "leaver"


def test_role_permission_changes_are_security_events(admin_user, shop):
    role = Role.objects.get(shop=shop, name="Viewer")
    role_save(actor=admin_user, role=role, name="Viewer", permissions=["shop.view"])
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ROLE_CHANGE, shop=shop)
    assert event.actor == admin_user and "role Viewer" in event.detail
