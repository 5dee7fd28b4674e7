"""Amazon 1P settings: saving the page atomically, testing the connection, FC defaults,
and rotating the encryption of stored secrets.

Secrets arrive in plaintext from the form, are encrypted here, and appear in the audit log
only as "changed" (shops.audit masks them).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from amazon1p import crypto
from amazon1p.connection.credentials import (
    RETYPE_SECRETS_MESSAGE,
    SECRET_FIELDS,
    endpoint_label,
    secrets_fingerprint_of,
    secrets_to_retype,
    spapi_connection,
)
from amazon1p.connection.fulfillment_centers import default_fulfillment_centers
from amazon1p.connection.models import (
    AmazonConnection,
    AmazonStatus,
    FulfillmentCenter,
    StatusMapping,
)
from amazon1p.spapi.endpoints import EndpointKind, Region
from amazon1p.spapi.errors import (
    AmazonAuthError,
    AmazonEndpointRefusedError,
    AmazonRejectedError,
    AmazonTransientError,
)
from amazon1p.spapi.factory import vendor_client_for
from core.errors import ShopCtrlError
from shops.audit import audit_record, diff
from shops.guards import ShopChangeRefusal
from shops.models import (
    AddressFormat,
    CreditReason,
    NameFormat,
    OrderStatus,
    PaymentStatus,
    Shop,
)

SECRET_ROTATION_DAYS = 180  # Amazon requires a new LWA client secret this often
SECRET_ROTATION_WARNING_DAYS = 30
# Test connection gives up after this long in all (LWA token and one vendor-orders call),
# without retries: a person is waiting, and an unreachable host should say so quickly.
CONNECTION_TEST_SECONDS = 4.0
# The values a test uses besides the endpoint and the secrets: a test of exactly the stored
# ones is a test of the saved connection, and only that one updates its "last test".
TESTED_FIELDS = ("region", "marketplace_id", "vendor_code", "lwa_client_id")
CUSTOM_ENDPOINTS_OFF_MESSAGE = (
    "Custom endpoint URLs are switched off in this deployment: choose Production or Sandbox."
)

# Sensible first mappings, by the names of a new shop's default statuses.
DEFAULT_MAPPINGS: dict[str, tuple[str, str]] = {
    AmazonStatus.NEW: ("New", "Unpaid"),
    AmazonStatus.ACKNOWLEDGED: ("Acknowledged", "Unpaid"),
    AmazonStatus.PARTIALLY_ACCEPTED: ("Acknowledged", "Unpaid"),
    AmazonStatus.REJECTED: ("Cancelled", "Fully credited"),
    AmazonStatus.CANCELLED: ("Cancelled", "Fully credited"),
    AmazonStatus.CLOSED: ("Completed", "Paid"),
    AmazonStatus.RECEIVED: ("Completed", "Paid"),
    AmazonStatus.PARTIALLY_RECEIVED: ("Acknowledged", "Unpaid"),
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
    "shortage_grace_days",
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


def contact_info_change_check(shop: Shop, values: Mapping[str, Any]) -> ShopChangeRefusal | None:
    """Refuse moving a shop's contact info off single fields while its sync is enabled:
    Amazon sends names and addresses as one field each (`enable_blockers` says the same
    when switching on). The connection row is locked, so a concurrent save of the Amazon
    settings (which locks it too) sees either the old formats or the new ones, never
    enables sync against a format this change is writing."""
    address = values.get("address_format", shop.address_format)
    name = values.get("name_format", shop.name_format)
    if address == AddressFormat.SINGLE and name == NameFormat.SINGLE:
        return None
    enabled = (
        AmazonConnection.objects.select_for_update()
        .filter(shop=shop, enabled=True)
        .values_list("pk", flat=True)
        .first()
    )
    if enabled is None:
        return None
    return ShopChangeRefusal(
        "Amazon 1P synchronization is enabled, and Amazon sends names and addresses as one "
        "field each: both settings must stay single fields. Disable the synchronization "
        "first to change them.",
        field="address_format" if address != AddressFormat.SINGLE else "name_format",
        link_url="amazon1p:settings",
        link_text="Amazon 1P Synchronization settings",
    )


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


def _bind_secrets(
    stored: AmazonConnection, connection: AmazonConnection, secrets: Mapping[str, str]
) -> None:
    """Put newly typed secrets on `connection` and record what they are saved for.

    Raises ShopCtrlError when a stored secret would be carried to another region, endpoint
    or client id without being typed again (`secrets_to_retype`).
    """
    typed = {name for name in SECRET_FIELDS if secrets.get(name)}
    retype = secrets_to_retype(stored, connection, typed)
    if retype:
        raise ShopCtrlError(RETYPE_SECRETS_MESSAGE, field=retype[0])
    for name in typed:
        _set_secret(connection, name, secrets[name])
    holds_secrets = connection.lwa_client_secret_encrypted or connection.refresh_token_encrypted
    connection.secrets_fingerprint = secrets_fingerprint_of(connection) if holds_secrets else ""


@transaction.atomic
def amazon_settings_save(
    *,
    actor: User,
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
    stored = AmazonConnection.objects.get(pk=connection.pk)
    before = _snapshot(connection)
    before_endpoint = endpoint_label(connection)
    before_rows = _rows_snapshot(connection)
    if values.get("endpoint_kind") == EndpointKind.CUSTOM and not (
        settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS
    ):
        raise ShopCtrlError(CUSTOM_ENDPOINTS_OFF_MESSAGE, field="endpoint_kind")
    acknowledgeable = values.get("acknowledgeable_statuses")
    for name, value in values.items():
        if name != "acknowledgeable_statuses":
            setattr(connection, name, value)
    _bind_secrets(stored, connection, secrets)
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
        after_endpoint = endpoint_label(connection)
        changes["endpoint"] = [
            None if before_endpoint == after_endpoint else before_endpoint,
            after_endpoint,
        ]
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
    saved: bool = True  # tested the stored settings (False: values typed on the page)


def amazon_connection_test(
    *,
    actor: User,
    connection: AmazonConnection,
    overrides: Mapping[str, Any],
    secrets: Mapping[str, str],
) -> ConnectionTestResult:
    """Fetch an LWA token and make one cheap vendor-orders call with the page's values.

    Uses the values on the page (`overrides`, plus any newly typed secrets) without saving
    them. Stored secrets go only where they were saved for: with another region, endpoint or
    client id the test asks for them again and sends nothing. Gives up after
    CONNECTION_TEST_SECONDS, without retries. Side effects: an audit entry naming the
    endpoint; the stored "last test" only when the values tested are the saved ones.
    """
    stored = AmazonConnection.objects.get(pk=connection.pk)
    candidate = AmazonConnection(shop=stored.shop, pk=stored.pk)
    concrete = {f.name for f in AmazonConnection._meta.concrete_fields}
    for field in AmazonConnection._meta.concrete_fields:
        setattr(candidate, field.attname, getattr(stored, field.attname))
    for name, value in overrides.items():
        if name in concrete:
            setattr(candidate, name, value)
    typed = {name for name in SECRET_FIELDS if secrets.get(name)}
    saved = (
        not typed
        and endpoint_label(candidate) == endpoint_label(stored)
        and all(getattr(candidate, name) == getattr(stored, name) for name in TESTED_FIELDS)
    )
    try:
        _bind_secrets(stored, candidate, secrets)
    except ShopCtrlError as error:
        result = ConnectionTestResult(False, error.message, error.field, saved=saved)
    else:
        result = _run_test(candidate, saved=saved)
    if saved:
        AmazonConnection.objects.filter(pk=stored.pk).update(
            last_test_at=timezone.now(),
            last_test_ok=result.ok,
            last_test_message=result.message[:500],
        )
    audit_record(
        actor=actor,
        shop=stored.shop,
        action="amazon1p.connection.test",
        target=stored,
        changes={
            "endpoint": [None, endpoint_label(candidate)],
            "values": [None, "saved settings" if saved else "unsaved values on the page"],
            "result": [None, result.message[:200]],
        },
    )
    return result


def _run_test(candidate: AmazonConnection, *, saved: bool) -> ConnectionTestResult:
    try:
        spapi = spapi_connection(candidate)
    except ShopCtrlError as error:
        return ConnectionTestResult(False, error.message, error.field, saved=saved)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with vendor_client_for(spapi, budget_seconds=CONNECTION_TEST_SECONDS) as client:
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
        return ConnectionTestResult(False, error.message, field, saved=saved)
    except AmazonEndpointRefusedError as error:
        return ConnectionTestResult(False, error.message, saved=saved)
    except AmazonRejectedError as error:
        hint = (
            " Check that the app is authorised for this vendor code and region."
            if error.status in (401, 403)
            else ""
        )
        return ConnectionTestResult(False, error.message + hint, saved=saved)
    except AmazonTransientError as error:
        return ConnectionTestResult(
            False,
            f"No usable answer from {spapi.endpoint.base_url} (the test waits at most "
            f"{CONNECTION_TEST_SECONDS:g} s, without retries): {error.message}",
            saved=saved,
        )
    found = "at least one PO" if page.orders or page.malformed else "no PO"
    return ConnectionTestResult(
        True,
        f"Connected to {spapi.endpoint.base_url}: Login with Amazon accepted the "
        f"credentials and getPurchaseOrders answered ({found} in the last 24 hours).",
        saved=saved,
    )


def secret_rotation_due(connection: AmazonConnection) -> datetime | None:
    """When Amazon's 180-day rotation of the LWA client secret falls due (None: no secret)."""
    changed = connection.lwa_client_secret_changed_at
    return changed + timedelta(days=SECRET_ROTATION_DAYS) if changed else None


@transaction.atomic
def fulfillment_centers_add_defaults(*, actor: User, connection: AmazonConnection) -> int:
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
def fulfillment_centers_remove_unreferenced(*, actor: User, connection: AmazonConnection) -> int:
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
