"""Writes and workflows for shops, their settings lists, members and roles, and alerts.

Every function here that changes data writes an audit entry in the same transaction.
"""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.errors import ShopCtrlError
from shops import defaults
from shops.audit import audit_record, diff, snapshot
from shops.guards import shop_change_check
from shops.models import (
    Alert,
    AlertSeverity,
    CreditReason,
    Membership,
    OrderStatus,
    PaymentStatus,
    PaymentType,
    Role,
    SecurityEventKind,
    Shop,
    VatTariff,
)
from shops.permissions import SEED_ROLES, SHOP_OWNER_ADMIN, Perm
from shops.security_log import security_event_record

GENERAL_FIELDS = ("name", "currency", "country")
CONTACT_INFO_FIELDS = ("address_format", "name_format")


def _validation_to_error(exc: ValidationError) -> ShopCtrlError:
    """The first model validation error as a domain error on the field it concerns.

    Per-shop uniqueness (a constraint over shop + field) is reported on that field, which is
    where a person typed the clashing value.
    """
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        error = errors[0]
        if field == "__all__" and error.code == "unique_together" and error.params:
            clashing = [name for name in error.params["unique_check"] if name != "shop"]
            if clashing:
                return ShopCtrlError(
                    f"This {clashing[0]} is already used in this shop.", field=clashing[0]
                )
        return ShopCtrlError(error.messages[0], field=None if field == "__all__" else field)
    return ShopCtrlError(exc.messages[0])


def _save_validated(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise _validation_to_error(exc) from exc
    instance.save()


@transaction.atomic
def shop_create(*, actor: User, name: str, currency: str, country: str) -> Shop:
    """Create a shop with default settings; `actor` becomes its Shop Owner Admin."""
    shop = Shop(name=name, currency=currency.upper(), country=country.upper())
    _save_validated(shop)
    shop_seed_defaults(shop=shop)
    owner_role = Role.objects.get(shop=shop, name=SHOP_OWNER_ADMIN)
    membership = Membership.objects.create(shop=shop, user=actor)
    membership.roles.add(owner_role)
    audit_record(
        actor=actor,
        shop=shop,
        action="shop.create",
        target=shop,
        changes=diff({}, snapshot(shop, GENERAL_FIELDS)),
    )
    return shop


def shop_seed_defaults(*, shop: Shop) -> None:
    """Give a new shop VAT tariffs, payment types, statuses, credit reasons and roles."""
    standard, reduced = defaults.VAT_RATES_BY_COUNTRY.get(shop.country, (Decimal(0), Decimal(0)))
    VatTariff.objects.bulk_create(
        [
            VatTariff(shop=shop, name="Standard", rate=standard, is_default=True),
            VatTariff(shop=shop, name="Reduced", rate=reduced),
            VatTariff(shop=shop, name="Zero", rate=Decimal(0)),
        ]
    )
    PaymentType.objects.bulk_create(
        [PaymentType(shop=shop, name=name, code=code) for name, code in defaults.PAYMENT_TYPES]
    )
    OrderStatus.objects.bulk_create(
        [
            OrderStatus(shop=shop, name=name, base_status=base, position=i, is_default=i == 0)
            for i, (name, base) in enumerate(defaults.ORDER_STATUSES)
        ]
    )
    PaymentStatus.objects.bulk_create(
        [
            PaymentStatus(shop=shop, name=name, base_status=base, position=i, is_default=i == 0)
            for i, (name, base) in enumerate(defaults.PAYMENT_STATUSES)
        ]
    )
    CreditReason.objects.bulk_create(
        [CreditReason(shop=shop, name=name) for name in defaults.CREDIT_REASONS]
    )
    Role.objects.bulk_create(
        [
            Role(
                shop=shop,
                name=name,
                permissions=[str(p) for p in perms],
                is_locked=name == SHOP_OWNER_ADMIN,
            )
            for name, perms in SEED_ROLES.items()
        ]
    )


@transaction.atomic
def shop_update(*, actor: User, shop: Shop, values: dict[str, Any]) -> Shop:
    """Change a shop's own fields (general or contact-info settings). Raises
    ShopChangeRefused when an app's registered check refuses the change (see guards.py)."""
    fields = [name for name in values if name in GENERAL_FIELDS + CONTACT_INFO_FIELDS]
    stored = Shop.objects.get(pk=shop.pk)
    shop_change_check(stored, {name: values[name] for name in fields})
    before = snapshot(stored, fields)
    for name in fields:
        setattr(shop, name, values[name])
    _save_validated(shop)
    changes = diff(before, snapshot(shop, fields))
    if changes:
        audit_record(actor=actor, shop=shop, action="shop.update", target=shop, changes=changes)
    return shop


# --- Per-shop settings lists (VAT tariffs, payment types, statuses, credit reasons) --------


def _setting_fields(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields if f.name not in ("id", "shop")]


@transaction.atomic
def shop_setting_save(
    *, actor: User, instance: models.Model, values: dict[str, Any]
) -> models.Model:
    """Create or update one settings row; making it the default clears the old default.

    Idempotent on (shop, name): saving the same values twice changes nothing.
    """
    fields = _setting_fields(instance)
    creating = instance.pk is None
    manager = type(instance)._default_manager
    before = {} if creating else snapshot(manager.get(pk=instance.pk), fields)
    for name, value in values.items():
        setattr(instance, name, value)
    was_default = not creating and getattr(manager.get(pk=instance.pk), "is_default", False)
    if was_default and not getattr(instance, "is_default", True):
        raise ShopCtrlError(
            "This is the default; make another entry the default instead.", field="is_default"
        )
    try:
        with transaction.atomic():
            _save_validated(instance)
    except IntegrityError as exc:
        raise ShopCtrlError("An entry with this name already exists.", field="name") from exc
    instance.refresh_from_db()  # audit what was stored (e.g. 19 → "19.00"), not what was typed
    shop = instance.shop  # type: ignore[attr-defined]  # every settings model has its shop
    if getattr(instance, "is_default", False):
        rows = type(instance)._default_manager.filter(shop=shop, is_default=True)
        rows.exclude(pk=instance.pk).update(is_default=False)
    model_name = instance._meta.model_name
    audit_record(
        actor=actor,
        shop=shop,
        action=f"{model_name}.{'create' if creating else 'update'}",
        target=instance,
        changes=diff(before, snapshot(instance, fields)),
    )
    return instance


@transaction.atomic
def shop_setting_delete(*, actor: User, instance: models.Model) -> None:
    """Delete a settings row unless it is the default or still used by orders."""
    if getattr(instance, "is_default", False):
        raise ShopCtrlError("The default entry cannot be deleted; make another one default first.")
    shop = instance.shop  # type: ignore[attr-defined]  # every settings model has its shop
    label = str(instance)
    target_id = instance.pk
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        raise ShopCtrlError(
            f"“{label}” is still used by {len(exc.protected_objects)} record(s) and cannot be "
            "deleted."
        ) from exc
    instance.pk = target_id
    audit_record(
        actor=actor,
        shop=shop,
        action=f"{instance._meta.model_name}.delete",
        target=instance,
        changes={"name": [label, None]},
    )


# --- Members and roles ---------------------------------------------------------------------
# No escalation: nobody grants a permission they do not hold, only a Shop Owner Admin grants
# or takes away that role, nobody changes a member or role holding more than they do, and the
# last Shop Owner Admin stays.


def member_permissions(*, shop: Shop, user: User) -> frozenset[str]:
    """The union of the permissions of `user`'s roles in `shop` (empty for non-members)."""
    roles = Role.objects.filter(memberships__shop=shop, memberships__user=user)
    return frozenset(code for role in roles for code in role.permissions)


def _is_owner_admin(shop: Shop, user: User) -> bool:
    return Membership.objects.filter(
        shop=shop, user=user, roles__is_locked=True, roles__name=SHOP_OWNER_ADMIN
    ).exists()


def _perm_labels(codes: Iterable[str]) -> str:
    labels = dict(Perm.choices)
    return ", ".join(f"“{labels.get(code, code)}”" for code in sorted(codes))


def refuse_escalation(
    *,
    actor: User,
    shop: Shop,
    granted: Iterable[Role] = (),
    touched: Membership | None = None,
) -> None:
    """Raise unless `actor` may give the `granted` roles and change the `touched` member."""
    held = member_permissions(shop=shop, user=actor)
    owner = _is_owner_admin(shop, actor)
    granted = list(granted)
    missing = {code for role in granted for code in role.permissions} - held
    if missing:
        raise ShopCtrlError(
            f"You cannot grant permissions you do not hold: {_perm_labels(missing)}.",
            field="roles",
        )
    if any(role.is_owner_admin for role in granted) and not owner:
        raise ShopCtrlError(
            "Only a Shop Owner Admin can make someone Shop Owner Admin.", field="roles"
        )
    if touched is not None:
        roles = list(touched.roles.all())
        above = {code for role in roles for code in role.permissions} - held
        if above or (any(role.is_owner_admin for role in roles) and not owner):
            raise ShopCtrlError(
                f"{touched.user.get_username()} holds permissions you do not; only someone "
                "holding them (a Shop Owner Admin) can change this member.",
                field="roles",
            )


def _refuse_role_above(actor: User, role: Role, permissions: Iterable[str]) -> None:
    held = member_permissions(shop=role.shop, user=actor)
    missing = (set(permissions) | set(role.permissions if role.pk else [])) - held
    if missing:
        raise ShopCtrlError(
            f"You cannot give or change permissions you do not hold: {_perm_labels(missing)}.",
            field="permissions",
        )


def _owner_admin_member_ids(shop: Shop) -> set[int]:
    return set(
        Membership.objects.filter(
            shop=shop, user__is_active=True, roles__is_locked=True, roles__name=SHOP_OWNER_ADMIN
        ).values_list("pk", flat=True)
    )


def _refuse_losing_last_owner(membership: Membership, new_roles: list[Role] | None) -> None:
    # Lock the shop row so two admins demoting each other at once cannot both succeed.
    Shop.objects.select_for_update().get(pk=membership.shop_id)
    owners = _owner_admin_member_ids(membership.shop)
    keeps_owner = new_roles is not None and any(role.is_owner_admin for role in new_roles)
    if owners == {membership.pk} and not keeps_owner:
        raise ShopCtrlError(
            "A shop needs at least one Shop Owner Admin; give the role to someone else first.",
            field="roles",
        )


def _role_security_event(
    actor: User,
    membership: Membership,
    before: list[str] | None,
    after: list[str] | None,
) -> None:
    security_event_record(
        kind=SecurityEventKind.ROLE_CHANGE,
        user=membership.user,
        actor=actor,
        shop=membership.shop,
        detail=f"roles {', '.join(before or ['—'])} → {', '.join(after or ['—'])}",
    )


@transaction.atomic
def membership_add(*, actor: User, shop: Shop, username: str, roles: list[Role]) -> Membership:
    """Give an existing user access to the shop at once, without their consent.

    For seeding only (the demo, tests, scripts): the back office invites instead
    (`shops.invitations`), which neither reveals user names nor adds anyone unasked.
    """
    user_model = get_user_model()
    try:
        user = user_model.objects.get(username__iexact=username.strip())
    except user_model.DoesNotExist as exc:
        raise ShopCtrlError(f"No user named “{username}”.", field="username") from exc
    if not roles:
        raise ShopCtrlError("Choose at least one role.", field="roles")
    refuse_escalation(actor=actor, shop=shop, granted=roles)
    if Membership.objects.filter(shop=shop, user=user).exists():
        raise ShopCtrlError(f"{user.username} is already a member of this shop.", field="username")
    membership = Membership.objects.create(shop=shop, user=user)
    membership.roles.set(roles)
    after = sorted(r.name for r in roles)
    audit_record(
        actor=actor,
        shop=shop,
        action="membership.create",
        target=membership,
        changes={"roles": [None, after]},
    )
    _role_security_event(actor, membership, None, after)
    return membership


@transaction.atomic
def membership_set_roles(*, actor: User, membership: Membership, roles: list[Role]) -> Membership:
    """Replace a member's roles, within the actor's own permissions; the last Shop Owner
    Admin cannot lose that role."""
    if not roles:
        raise ShopCtrlError("Choose at least one role, or remove the member.", field="roles")
    _refuse_losing_last_owner(membership, roles)
    before = sorted(r.name for r in membership.roles.all())
    after = sorted(r.name for r in roles)
    if before == after:
        return membership
    current = {r.pk for r in membership.roles.all()}
    refuse_escalation(
        actor=actor,
        shop=membership.shop,
        granted=[r for r in roles if r.pk not in current],
        touched=membership,
    )
    membership.roles.set(roles)
    audit_record(
        actor=actor,
        shop=membership.shop,
        action="membership.update",
        target=membership,
        changes={"roles": [before, after]},
    )
    _role_security_event(actor, membership, before, after)
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Take a user's access to the shop away; the last Shop Owner Admin stays, and only
    someone holding all the member's permissions may remove them (anyone may leave)."""
    _refuse_losing_last_owner(membership, None)
    if membership.user_id != actor.pk:
        refuse_escalation(actor=actor, shop=membership.shop, touched=membership)
    before = sorted(r.name for r in membership.roles.all())
    audit_record(
        actor=actor,
        shop=membership.shop,
        action="membership.delete",
        target=membership,
        changes={"roles": [before, None]},
    )
    _role_security_event(actor, membership, before, None)
    membership.delete()


@transaction.atomic
def role_save(*, actor: User, role: Role, name: str, permissions: list[str]) -> Role:
    """Create or change a role, within the actor's own permissions. The locked Shop Owner
    Admin role cannot be changed."""
    if role.pk and role.is_locked:
        raise ShopCtrlError("The Shop Owner Admin role always holds every permission.")
    unknown = set(permissions) - set(Perm.values)
    if unknown:
        raise ShopCtrlError(
            f"Unknown permission(s): {', '.join(sorted(unknown))}.", field="permissions"
        )
    if role.pk:
        role.permissions = Role.objects.get(pk=role.pk).permissions
    _refuse_role_above(actor, role, permissions)
    creating = role.pk is None
    before = {} if creating else snapshot(Role.objects.get(pk=role.pk), ["name", "permissions"])
    role.name = name
    role.permissions = sorted(set(permissions))
    try:
        with transaction.atomic():
            _save_validated(role)
    except IntegrityError as exc:
        raise ShopCtrlError("A role with this name already exists.", field="name") from exc
    changes = diff(before, snapshot(role, ["name", "permissions"]))
    audit_record(
        actor=actor,
        shop=role.shop,
        action=f"role.{'create' if creating else 'update'}",
        target=role,
        changes=changes,
    )
    if not creating and "permissions" in changes:
        security_event_record(
            kind=SecurityEventKind.ROLE_CHANGE,
            actor=actor,
            user=actor,
            shop=role.shop,
            detail=f"role {role.name}: permissions {', '.join(role.permissions) or '—'}",
        )
    return role


@transaction.atomic
def role_delete(*, actor: User, role: Role) -> None:
    """Delete a role that is neither locked nor held by anyone, within the actor's own
    permissions."""
    if role.is_locked:
        raise ShopCtrlError("The Shop Owner Admin role cannot be deleted.")
    _refuse_role_above(actor, role, [])
    holders = role.memberships.count()
    if holders:
        raise ShopCtrlError(f"“{role.name}” is held by {holders} member(s); take it away first.")
    audit_record(
        actor=actor,
        shop=role.shop,
        action="role.delete",
        target=role,
        changes={"name": [role.name, None]},
    )
    role.delete()


# --- Alerts --------------------------------------------------------------------------------


def alert_raise(
    *,
    shop: Shop,
    severity: AlertSeverity,
    message: str,
    target: models.Model | None = None,
    kind: str = "",
) -> Alert:
    """Raise an alert on the shop, optionally hung on one object (order, offer, ...).

    Something that may happen to many objects at once is better raised grouped
    (`shops.alerts.alerts_group_raise`).
    """
    return Alert.objects.create(
        shop=shop,
        severity=severity,
        kind=kind,
        message=message,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
    )


def alerts_raise(
    *,
    shop: Shop,
    alerts: Iterable[tuple[AlertSeverity, str, models.Model | None]],
    kind: str = "",
) -> list[Alert]:
    """Raise many alerts on the shop in one INSERT: (severity, message, target) each.

    For importers, whose pages may raise one per order: `alert_raise` costs a round trip each.
    """
    return Alert.objects.bulk_create(
        [
            Alert(
                shop=shop,
                severity=severity,
                kind=kind,
                message=message,
                target_type=ContentType.objects.get_for_model(target) if target else None,
                target_id=str(target.pk) if target is not None else "",
            )
            for severity, message, target in alerts
        ]
    )


def alert_mark_read(*, actor: User, alert: Alert) -> Alert:
    """Mark an alert read. Compare-and-set, so a double click writes one audit entry.

    A grouped alert gives up its group key: the next occurrence opens a new one.
    """
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert.pk, is_read=False).update(
            is_read=True, read_at=timezone.now(), group_key=None
        )
        if updated:
            audit_record(
                actor=actor,
                shop=alert.shop,
                action="alert.read",
                target=alert,
                changes={"is_read": [False, True]},
            )
    alert.refresh_from_db()
    return alert


def alert_purge_read(*, older_than_days: int) -> int:
    """Delete alerts read more than `older_than_days` ago. Safe to run any number of times."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Alert.objects.filter(is_read=True, read_at__lt=cutoff).delete()
    return deleted
