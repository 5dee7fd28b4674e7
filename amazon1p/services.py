"""Amazon 1P settings: saving the page atomically, testing the connection, FC defaults,
and rotating the encryption of stored secrets.

Secrets arrive in plaintext from the form, are encrypted here, and appear in the audit log
only as "changed" (shops.audit masks them).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from amazon1p import crypto
from amazon1p.connection import spapi_connection
from amazon1p.fulfillment_centers import default_fulfillment_centers
from amazon1p.models import AmazonConnection, AmazonStatus, FulfillmentCenter, StatusMapping
from amazon1p.spapi.endpoints import Region
from amazon1p.spapi.errors import AmazonAuthError, AmazonRejectedError, AmazonTransientError
from amazon1p.spapi.factory import vendor_client_for
from shopctrl.errors import ShopCtrlError
from shops.audit import audit_record, diff
from shops.models import CreditReason, OrderStatus, PaymentStatus, Shop

SECRET_ROTATION_DAYS = 180  # Amazon requires a new LWA client secret this often
SECRET_ROTATION_WARNING_DAYS = 30

# Sensible first mappings, by the names of a new shop's default statuses.
DEFAULT_MAPPINGS: dict[str, tuple[str, str]] = {
    AmazonStatus.NEW: ("New", "Unpaid"),
    AmazonStatus.ACKNOWLEDGED: ("Acknowledged", "Unpaid"),
    AmazonStatus.PARTIALLY_ACCEPTED: ("Acknowledged", "Unpaid"),
    AmazonStatus.REJECTED: ("Cancelled", "Fully credited"),
    AmazonStatus.CANCELLED: ("Cancelled", "Fully credited"),
    AmazonStatus.CLOSED: ("Completed", "Paid"),
    AmazonStatus.RECEIVED: ("Completed", "Paid"),
}

SETTINGS_AUDITED = (
    "enabled",
    "region",
    "marketplace_id",
    "endpoint_kind",
    "custom_base_url",
    "vendor_code",
    "lwa_client_id",
    "orders_integration",
    "import_new_orders",
    "import_missing_orders",
    "acknowledge_orders",
    "export_shipments",
    "credit_reason_rejected",
    "credit_reason_cancelled",
    "ignore_orders_before",
    "history_from",
    "history_to",
    "auto_acknowledge_bulk_buy",
    "auto_acknowledge_rule",
    "ack_warn_hours",
    "ack_stuck_after_minutes",
    "offer_expiry_alert_days",
    "offer_link_min_days_ahead",
    "label_per_pallet",
    "pallet_weight_kg",
    "carton_weight_kg",
    "gs1_company_prefix",
    "bol_as_asn_number",
)


def amazon_connection_for(shop: Shop) -> AmazonConnection:
    """The shop's Amazon settings, created (disabled, with default mappings) on first use."""
    reasons = {r.name: r for r in CreditReason.objects.filter(shop=shop)}
    connection, created = AmazonConnection.objects.get_or_create(
        shop=shop,
        defaults={
            "credit_reason_rejected": reasons.get("Rejected by Amazon"),
            "credit_reason_cancelled": reasons.get("Cancelled by Amazon"),
        },
    )
    if created:
        main = {s.name: s for s in OrderStatus.objects.filter(shop=shop)}
        payment = {s.name: s for s in PaymentStatus.objects.filter(shop=shop)}
        StatusMapping.objects.bulk_create(
            [
                StatusMapping(
                    connection=connection,
                    amazon_status=status,
                    main_status=main.get(main_name),
                    payment_status=payment.get(pay_name),
                )
                for status, (main_name, pay_name) in DEFAULT_MAPPINGS.items()
            ]
        )
    return connection


def _snapshot(connection: AmazonConnection) -> dict[str, Any]:
    values = {name: getattr(connection, name) for name in SETTINGS_AUDITED}
    values = {
        k: (str(v) if v is not None and not isinstance(v, bool | int) else v)
        for k, v in values.items()
    }
    values["lwa_client_secret"] = connection.lwa_client_secret_encrypted
    values["refresh_token"] = connection.refresh_token_encrypted
    values["acknowledgeable_statuses"] = (
        sorted(s.name for s in connection.acknowledgeable_statuses.all()) if connection.pk else []
    )
    return values


def _rows_snapshot(connection: AmazonConnection) -> dict[str, Any]:
    """Mappings and FCs as the audit log shows them."""
    rows: dict[str, Any] = {
        f"mapping {m.get_amazon_status_display()}": f"{m.main_status} / {m.payment_status}"
        for m in connection.status_mappings.select_related("main_status", "payment_status")
    }
    rows.update(
        {
            f"FC {fc.code}": fc.ship_to_party_ref or "(no ref)"
            for fc in connection.fulfillment_centers.all()
        }
    )
    return rows


def enable_blockers(connection: AmazonConnection, mappings: Iterable[StatusMapping]) -> list[str]:
    """Why synchronization cannot be switched on yet (empty: it can)."""
    shop = connection.shop
    problems = []
    if not shop.has_single_field_contact_info:
        problems.append(
            "the shop's contact info must use one field for the address and one "
            "for the name (Shop settings › Contacts › Contact Info), as Amazon sends them"
        )
    if not connection.vendor_code:
        problems.append("the vendor code is empty")
    if not connection.has_credentials:
        problems.append("the LWA client id, client secret and refresh token are needed")
    if not connection.marketplace_id:
        problems.append("choose a marketplace")
    unmapped = [
        m.get_amazon_status_display()
        for m in mappings
        if m.main_status_id is None or m.payment_status_id is None
    ]
    if unmapped:
        problems.append(f"map every Amazon status (missing: {', '.join(unmapped)})")
    if (
        connection.credit_reason_rejected_id is None
        or connection.credit_reason_cancelled_id is None
    ):
        problems.append("choose the credit reasons for rejected and cancelled rows")
    return problems


def _set_secret(connection: AmazonConnection, name: str, plaintext: str) -> None:
    setattr(connection, f"{name}_encrypted", crypto.encrypt(plaintext))
    setattr(connection, f"{name}_hint", plaintext[-4:])
    if name == "lwa_client_secret":
        connection.lwa_client_secret_changed_at = timezone.now()


@transaction.atomic
def amazon_settings_save(
    *,
    actor: AbstractBaseUser,
    connection: AmazonConnection,
    values: Mapping[str, Any],
    secrets: Mapping[str, str],
    mappings: Iterable[Mapping[str, Any]],
    fulfillment_centers: Iterable[tuple[FulfillmentCenter, Mapping[str, Any]]],
    deleted_fulfillment_centers: Iterable[FulfillmentCenter] = (),
) -> AmazonConnection:
    """Save every pane of the settings page at once, or nothing.

    Enabling is refused (ShopCtrlError on `enabled`) while `enable_blockers` finds a reason;
    the whole save rolls back then. Blank secrets keep the stored ones.
    """
    connection = AmazonConnection.objects.select_for_update().get(pk=connection.pk)
    before = _snapshot(connection)
    before_rows = _rows_snapshot(connection)
    acknowledgeable = values.get("acknowledgeable_statuses")
    for name, value in values.items():
        if name != "acknowledgeable_statuses":
            setattr(connection, name, value)
    for name in ("lwa_client_secret", "refresh_token"):
        if secrets.get(name):
            _set_secret(connection, name, secrets[name])
    connection.save()
    if acknowledgeable is not None:
        connection.acknowledgeable_statuses.set(acknowledgeable)
    rows = {m.amazon_status: m for m in connection.status_mappings.all()}
    for item in mappings:
        row = rows.get(item["amazon_status"]) or StatusMapping(
            connection=connection, amazon_status=item["amazon_status"]
        )
        row.main_status, row.payment_status = item.get("main_status"), item.get("payment_status")
        row.save()
        rows[row.amazon_status] = row
    for fc in deleted_fulfillment_centers:
        if fc.pk and fc.connection_id == connection.pk:
            fc.delete()
    for fc, fc_values in fulfillment_centers:
        for name, value in fc_values.items():
            setattr(fc, name, value)
        fc.connection = connection
        fc.save()
    if connection.enabled:
        blockers = enable_blockers(connection, rows.values())
        if blockers:
            transaction.set_rollback(True)
            raise ShopCtrlError(
                "Synchronization cannot be enabled yet: " + "; ".join(blockers) + ".",
                field="enabled",
            )
    changes = diff(before, _snapshot(connection))
    changes.update(diff(before_rows, _rows_snapshot(connection)))
    if changes:
        audit_record(
            actor=actor,
            shop=connection.shop,
            action="amazon1p.settings.update",
            target=connection,
            changes=changes,
        )
    return connection


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    field: str | None = None  # the form field to blame, when one is


def amazon_connection_test(
    *,
    actor: AbstractBaseUser,
    connection: AmazonConnection,
    overrides: Mapping[str, Any],
    secrets: Mapping[str, str],
) -> ConnectionTestResult:
    """Fetch an LWA token and make one cheap vendor-orders call with the page's values.

    Uses the values on the page (`overrides`, plus any newly typed secrets) without saving
    them; the outcome is recorded on the stored connection and in the audit log.
    """
    candidate = AmazonConnection(shop=connection.shop, pk=connection.pk)
    for field in AmazonConnection._meta.concrete_fields:
        setattr(candidate, field.attname, getattr(connection, field.attname))
    for name, value in overrides.items():
        if name in {f.name for f in AmazonConnection._meta.concrete_fields}:
            setattr(candidate, name, value)
    for name in ("lwa_client_secret", "refresh_token"):
        if secrets.get(name):
            _set_secret(candidate, name, secrets[name])
    result = _run_test(candidate)
    AmazonConnection.objects.filter(pk=connection.pk).update(
        last_test_at=timezone.now(), last_test_ok=result.ok, last_test_message=result.message[:500]
    )
    audit_record(
        actor=actor,
        shop=connection.shop,
        action="amazon1p.connection.test",
        target=connection,
        changes={"result": [None, result.message[:200]]},
    )
    return result


def _run_test(candidate: AmazonConnection) -> ConnectionTestResult:
    try:
        spapi = spapi_connection(candidate)
    except ShopCtrlError as error:
        return ConnectionTestResult(False, error.message, error.field)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with vendor_client_for(spapi) as client:
            page = next(
                client.list_purchase_orders(
                    created_after=now - timedelta(days=1),
                    created_before=now,
                    include_details=False,
                    limit=1,
                    ordering_vendor_code=candidate.vendor_code or None,
                )
            )
    except AmazonAuthError as error:
        field = {
            "refresh_token": "refresh_token",
            "lwa_client_secret": "lwa_client_secret",
            "lwa_client_id": "lwa_client_id",
        }.get(error.credential)
        return ConnectionTestResult(False, error.message, field)
    except AmazonRejectedError as error:
        hint = (
            " Check that the app is authorised for this vendor code and region."
            if error.status in (401, 403)
            else ""
        )
        return ConnectionTestResult(False, error.message + hint)
    except AmazonTransientError as error:
        return ConnectionTestResult(False, f"Amazon could not be reached: {error.message}")
    found = "at least one PO" if page.orders or page.malformed else "no PO"
    return ConnectionTestResult(
        True,
        f"Connected to {spapi.endpoint.base_url}: Login with Amazon accepted the "
        f"credentials and getPurchaseOrders answered ({found} in the last 24 hours).",
    )


def secret_rotation_due(connection: AmazonConnection) -> datetime | None:
    """When Amazon's 180-day rotation of the LWA client secret falls due (None: no secret)."""
    changed = connection.lwa_client_secret_changed_at
    return changed + timedelta(days=SECRET_ROTATION_DAYS) if changed else None


@transaction.atomic
def fulfillment_centers_add_defaults(
    *, actor: AbstractBaseUser, connection: AmazonConnection
) -> int:
    """Add the built-in FCs of the connection's region that the shop does not list yet."""
    existing = set(connection.fulfillment_centers.values_list("code", flat=True))
    added = default_fulfillment_centers(connection, region=Region(connection.region), skip=existing)
    FulfillmentCenter.objects.bulk_create(added)
    if added:
        audit_record(
            actor=actor,
            shop=connection.shop,
            action="amazon1p.fc.add_defaults",
            target=connection,
            changes={"added": [None, [fc.code for fc in added]]},
        )
    return len(added)


@transaction.atomic
def fulfillment_centers_remove_unreferenced(
    *, actor: AbstractBaseUser, connection: AmazonConnection
) -> int:
    """Remove the FC rows that have no ShipToPartyRef."""
    rows = connection.fulfillment_centers.filter(ship_to_party_ref="")
    codes = list(rows.values_list("code", flat=True))
    rows.delete()
    if codes:
        audit_record(
            actor=actor,
            shop=connection.shop,
            action="amazon1p.fc.remove_empty",
            target=connection,
            changes={"removed": [codes, None]},
        )
    return len(codes)


def secrets_rotate() -> int:
    """Re-encrypt every stored secret with the newest key; returns how many were rewritten.

    Safe to run twice (already-current secrets are rewritten under the same key) and
    row by row, so a failure leaves every row readable with the configured keys.
    """
    count = 0
    ids = list(
        AmazonConnection.objects.exclude(
            lwa_client_secret_encrypted="", refresh_token_encrypted=""
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            connection = AmazonConnection.objects.select_for_update().get(pk=pk)
            for name in ("lwa_client_secret_encrypted", "refresh_token_encrypted"):
                token = getattr(connection, name)
                if token:
                    setattr(connection, name, crypto.rotate(token, what=f"{name} of {connection}"))
                    count += 1
            connection.save(
                update_fields=["lwa_client_secret_encrypted", "refresh_token_encrypted"]
            )
    return count
