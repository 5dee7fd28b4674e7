"""Upsert one page of POs: new ones become orders in bulk, unchanged ones are skipped by
content hash, changed ones update their order (three-way merge against staff edits) and add a
version with its diff. Idempotency key: (shop, po_number)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from amazon1p.importing.order_mapping import (
    MappingContext,
    OrderValues,
    canonical_json,
    content_hash,
    map_purchase_order,
    raw_diff,
    text_hash,
)
from amazon1p.models import AmazonPurchaseOrder, AmazonPurchaseOrderVersion
from amazon1p.spapi import mapping as spapi_mapping
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import MalformedPurchaseOrder, PurchaseOrder, PurchaseOrderStatus
from orders.models import Channel, CreditRow, Order, OrderParameter, OrderRow, PurchaseType
from orders.services import CustomerInput, contact_fields_for_shop
from shops.models import AlertSeverity, Shop
from shops.services import alert_raise

ROW_FIELDS = ("quantity", "unit_price", "ean", "asin")


@dataclass
class PageResult:
    """Counts of one upsert and the POs it could not take in (number, message)."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def _map_old(raw: Mapping[str, Any], ctx: MappingContext) -> OrderValues | None:
    """What the previous version of a PO mapped to (the merge base), if it can be read."""
    try:
        return map_purchase_order(spapi_mapping.parse_purchase_order(raw), ctx)
    except (AmazonMappingError, ValueError, TypeError, KeyError):
        return None


def _order_fields(shop: Shop, values: OrderValues) -> dict[str, Any]:
    contact = contact_fields_for_shop(
        shop,
        CustomerInput(
            name=values.customer_name,
            address_line=values.address_line,
            postal_code=values.postal_code,
            city=values.city,
            country=values.country,
        ),
    )
    return {
        "currency": values.currency,
        "main_status_id": values.main_status_id,
        "payment_status_id": values.payment_status_id,
        "payment_type_id": values.payment_type_id,
        **contact,
    }


def _copy(model: type, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows with PostgreSQL COPY: much cheaper than model instances per row."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


_ORDER_COLUMNS = (
    "shop_id",
    "number",
    "channel",
    "external_reference",
    "main_status_id",
    "payment_status_id",
    "payment_type_id",
    "purchase_type",
    "currency",
    "ordered_at",
    "created_at",
    "updated_at",
    "customer_name",
    "customer_first_name",
    "customer_last_name",
    "address_line",
    "street",
    "house_number",
    "house_number_ext",
    "postal_code",
    "city",
    "country",
)
_CONTACT = _ORDER_COLUMNS[12:]


def _create_orders(
    shop: Shop, ctx: MappingContext, mapped: Sequence[OrderValues]
) -> dict[str, int]:
    """Orders with rows, parameters and credit rows for new POs: COPY, then one id lookup.

    Returns {order number: order id}.
    """
    if not mapped:
        return {}
    now = timezone.now()

    def order_row(v: OrderValues) -> tuple:
        fields = _order_fields(shop, v)
        head = (
            shop.pk,
            v.number,
            Channel.AMAZON_1P.value,
            v.number,
            v.main_status_id,
            v.payment_status_id,
            v.payment_type_id,
            PurchaseType.NONE.value,
            v.currency,
            v.ordered_at,
            now,
            now,
        )
        return head + tuple(fields.get(name, "") for name in _CONTACT)

    _copy(Order, _ORDER_COLUMNS, (order_row(v) for v in mapped))
    ids = dict(
        Order.objects.filter(shop=shop, number__in=[v.number for v in mapped]).values_list(
            "number", "id"
        )
    )
    _copy(
        OrderRow,
        (
            "order_id",
            "position",
            "sku",
            "ean",
            "asin",
            "title",
            "quantity",
            "unit_price",
            "vat_tariff_id",
        ),
        (
            (
                ids[v.number],
                r.position,
                "",
                r.ean,
                r.asin,
                r.title,
                r.quantity,
                r.unit_price,
                ctx.default_vat_id,
            )
            for v in mapped
            for r in v.rows
        ),
    )
    _copy(
        OrderParameter,
        ("order_id", "key", "value"),
        ((ids[v.number], k, val) for v in mapped for k, val in v.parameters.items()),
    )
    with_credits = [ids[v.number] for v in mapped if v.credits]
    if with_credits:
        row_ids = {
            (order_id, position): pk
            for pk, order_id, position in OrderRow.objects.filter(
                order_id__in=with_credits
            ).values_list("id", "order_id", "position")
        }
        _copy(
            CreditRow,
            ("order_id", "row_id", "quantity", "reason_id", "created_at"),
            (
                (ids[v.number], row_ids[(ids[v.number], c.position)], c.quantity, c.reason_id, now)
                for v in mapped
                for c in v.credits
            ),
        )
    return ids


def _merge(base: Any, current: Any, new: Any) -> tuple[Any, bool]:
    """Three-way merge of one value: (value to keep, whether staff and Amazon conflict)."""
    if current == base:
        return new, False
    return current, new != base


def _update_order(shop: Shop, order: Order, old: OrderValues | None, new: OrderValues) -> list[str]:
    """Apply Amazon's change to an order; keep staff edits and describe conflicts."""
    conflicts: list[str] = []
    new_fields = _order_fields(shop, new)
    old_fields = _order_fields(shop, old) if old else None
    changed_fields = []
    for name, value in new_fields.items():
        current = getattr(order, name)
        base = old_fields[name] if old_fields else current
        kept, conflict = _merge(base, current, value)
        if conflict:
            conflicts.append(f"{name} (Amazon: {value}, kept: {current})")
        if kept != current:
            setattr(order, name, kept)
            changed_fields.append(name)
    if changed_fields:
        order.save(update_fields=[*changed_fields, "updated_at"])

    current_rows = {r.position: r for r in order.rows.all()}
    old_rows = {r.position: r for r in old.rows} if old else {}
    to_update, to_create = [], []
    for row in new.rows:
        db_row = current_rows.get(row.position)
        if db_row is None:
            to_create.append(
                OrderRow(
                    order=order,
                    position=row.position,
                    ean=row.ean,
                    asin=row.asin,
                    title=row.title,
                    quantity=row.quantity,
                    unit_price=row.unit_price,
                )
            )
            continue
        base_row = old_rows.get(row.position)
        dirty = False
        for name in ROW_FIELDS:
            current, value = getattr(db_row, name), getattr(row, name)
            base = getattr(base_row, name) if base_row else current
            kept, conflict = _merge(base, current, value)
            if conflict:
                conflicts.append(f"row {row.position} {name} (Amazon: {value}, kept: {current})")
            if kept != current:
                setattr(db_row, name, kept)
                dirty = True
        if dirty:
            to_update.append(db_row)
    if to_update:
        OrderRow.objects.bulk_update(to_update, list(ROW_FIELDS))
    if to_create:
        OrderRow.objects.bulk_create(to_create)

    params = {p.key: p for p in order.parameters.all()}
    old_params = old.parameters if old else {}
    param_update, param_create = [], []
    for key, value in new.parameters.items():
        param = params.get(key)
        if param is None:
            param_create.append(OrderParameter(order=order, key=key, value=value))
            continue
        kept, conflict = _merge(old_params.get(key, param.value), param.value, value)
        if conflict:
            conflicts.append(f"{key} (Amazon: {value}, kept: {param.value})")
        if kept != param.value:
            param.value = kept
            param_update.append(param)
    if param_update:
        OrderParameter.objects.bulk_update(param_update, ["value"])
    if param_create:
        OrderParameter.objects.bulk_create(param_create)
    return conflicts


def _store_malformed(shop: Shop, bad: Iterable[MalformedPurchaseOrder], result: PageResult) -> None:
    for po in bad:
        result.failed += 1
        result.errors.append((po.number or "", po.error))
        if not po.number:
            continue
        raw = dict(po.raw)
        AmazonPurchaseOrder.objects.update_or_create(
            shop=shop,
            po_number=po.number,
            defaults={
                "raw": raw,
                "content_hash": content_hash(raw),
                "is_malformed": True,
                "error": po.error,
            },
        )


@transaction.atomic
def purchase_orders_upsert(
    *,
    shop: Shop,
    ctx: MappingContext,
    orders: Sequence[PurchaseOrder],
    malformed: Sequence[MalformedPurchaseOrder] = (),
    statuses: Mapping[str, PurchaseOrderStatus] | None = None,
) -> PageResult:
    """Store a page of POs and the orders made from them, in one transaction.

    Side effects: creates or updates Order (+ rows, parameters, credit rows),
    AmazonPurchaseOrder and AmazonPurchaseOrderVersion rows; raises alerts on the order for
    unknown FCs, undocumented values, currency or payment-type mismatches and staff-edit
    conflicts. Idempotency key: (shop, po_number) with the content hash — a page stored twice
    changes nothing the second time. `statuses` (historical import) adds credit rows.
    """
    result = PageResult()
    _store_malformed(shop, malformed, result)
    latest = {po.number: po for po in orders}
    texts = {n: canonical_json(po.raw) for n, po in latest.items()}
    hashes = {n: text_hash(text) for n, text in texts.items()}
    existing = {
        row["po_number"]: row
        for row in AmazonPurchaseOrder.objects.filter(shop=shop, po_number__in=list(latest)).values(
            "id", "po_number", "content_hash", "order_id", "is_malformed"
        )
    }
    unchanged_ids = [
        row["id"]
        for n, row in existing.items()
        if row["content_hash"] == hashes[n] and row["order_id"] and not row["is_malformed"]
    ]
    result.unchanged = len(unchanged_ids)
    if unchanged_ids:
        AmazonPurchaseOrder.objects.filter(pk__in=unchanged_ids).update(last_seen_at=timezone.now())
    skip = {n for n, row in existing.items() if row["id"] in set(unchanged_ids)}
    mapped: dict[str, OrderValues] = {}
    for number, po in latest.items():
        if number in skip:
            continue
        try:
            status = statuses.get(number) if statuses else None
            mapped[number] = map_purchase_order(po, ctx, status)
        except (ValueError, TypeError) as exc:
            bad = MalformedPurchaseOrder(number=number, error=str(exc), raw=po.raw)
            _store_malformed(shop, [bad], result)

    fresh = [v for n, v in mapped.items() if n not in existing or not existing[n]["order_id"]]
    taken = set(
        Order.objects.filter(shop=shop, number__in=[v.number for v in fresh]).values_list(
            "number", flat=True
        )
    )
    created = _create_orders(shop, ctx, [v for v in fresh if v.number not in taken])
    linked = {
        o.number: o for o in Order.objects.filter(shop=shop, number__in=taken)
    }  # orders entered by hand before the PO arrived: linked, left as staff made them
    for number, order in linked.items():
        alert_raise(
            shop=shop,
            severity=AlertSeverity.WARNING,
            message=f"PO {number} matched an existing order; linked it without changes.",
            target=order,
        )
    created.update({number: order.pk for number, order in linked.items()})
    now = timezone.now()
    fresh_pos = [v.number for v in fresh if v.number not in existing]
    _copy(
        AmazonPurchaseOrder,
        (
            "shop_id",
            "po_number",
            "order_id",
            "state",
            "purchase_order_date",
            "amazon_changed_at",
            "content_hash",
            "raw",
            "is_malformed",
            "error",
            "first_seen_at",
            "last_seen_at",
        ),
        (
            (
                shop.pk,
                n,
                created[n],
                latest[n].state,
                latest[n].purchase_order_date,
                latest[n].changed_date,
                hashes[n],
                texts[n],
                False,
                "",
                now,
                now,
            )
            for n in fresh_pos
        ),
    )
    if fresh_pos:
        # Version 1 copies the stored payload inside PostgreSQL: no second parse of the JSON.
        version = AmazonPurchaseOrderVersion._meta.db_table
        apo = AmazonPurchaseOrder._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {version} "
                "(purchase_order_id, version, received_at, content_hash, raw, diff) "
                f"SELECT id, 1, %s, content_hash, raw, '[]'::jsonb FROM {apo} "
                "WHERE shop_id = %s AND po_number = ANY(%s)",
                [now, shop.pk, fresh_pos],
            )
    for v in fresh:
        if v.number not in linked:
            for message in v.alerts:
                alert_raise(
                    shop=shop,
                    severity=AlertSeverity.WARNING,
                    message=message,
                    target=Order(pk=created[v.number]),
                )
    result.new = len(fresh)

    to_change = [n for n in mapped if n in existing and n not in {v.number for v in fresh}]
    relinked = [n for n in mapped if n in existing and n in {v.number for v in fresh}]
    if relinked:
        _change_pos(shop, ctx, relinked, latest, hashes, mapped, created, result, counts=False)
    if to_change:
        _change_pos(shop, ctx, to_change, latest, hashes, mapped, {}, result, counts=True)
    return result


def _change_pos(
    shop: Shop,
    ctx: MappingContext,
    numbers: Sequence[str],
    latest: Mapping[str, PurchaseOrder],
    hashes: Mapping[str, str],
    mapped: Mapping[str, OrderValues],
    new_orders: Mapping[str, int],
    result: PageResult,
    *,
    counts: bool,
) -> None:
    """Store a new version of each PO (with its diff) and update its order."""
    apos = {
        apo.po_number: apo
        for apo in AmazonPurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("order")
        .filter(shop=shop, po_number__in=numbers)
    }
    last_versions = dict(
        AmazonPurchaseOrderVersion.objects.filter(purchase_order__in=apos.values())
        .values("purchase_order_id")
        .annotate(last=Max("version"))
        .values_list("purchase_order_id", "last")
    )
    versions = []
    for number in numbers:
        apo, po, values = apos[number], latest[number], mapped[number]
        old_raw = apo.raw
        if apo.order is None:
            apo.order_id = new_orders.get(number)
        else:
            old = _map_old(old_raw, ctx)
            conflicts = _update_order(shop, apo.order, old, values)
            new_alerts = [a for a in values.alerts if not old or a not in old.alerts]
            if conflicts:
                new_alerts.append(
                    f"PO {number} changed at Amazon, but staff edited the order; kept: "
                    + "; ".join(conflicts)
                )
            for message in new_alerts:
                alert_raise(
                    shop=shop, severity=AlertSeverity.WARNING, message=message, target=apo.order
                )
        if counts:
            result.changed += 1
        versions.append(
            AmazonPurchaseOrderVersion(
                purchase_order=apo,
                version=last_versions.get(apo.pk, 0) + 1,
                content_hash=hashes[number],
                raw=dict(po.raw),
                diff=raw_diff(old_raw, dict(po.raw)),
            )
        )
        apo.raw = dict(po.raw)
        apo.content_hash = hashes[number]
        apo.state = po.state
        apo.purchase_order_date = po.purchase_order_date
        apo.amazon_changed_at = po.changed_date
        apo.is_malformed = False
        apo.error = ""
        apo.save()
    AmazonPurchaseOrderVersion.objects.bulk_create(versions)
