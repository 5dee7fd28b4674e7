"""Three-way merge of an Amazon change into an order staff may have edited.

Base: what the previous PO version mapped to. A field staff left alone takes Amazon's new
value; a field staff changed keeps the staff value, and if Amazon changed it too, that is a
conflict the caller raises an alert for.
"""

from collections.abc import Mapping
from typing import Any

from amazon1p.importing.bulk import order_fields
from amazon1p.importing.order_mapping import MappingContext, OrderValues, map_purchase_order
from amazon1p.spapi import parsing
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import PurchaseOrder, PurchaseOrderStatus
from orders.catalogue import product_tariffs
from orders.models import CreditRow, Order, OrderParameter, OrderRow
from shops.models import Shop

# Row fields Amazon may change and staff may edit: merged three-way. (RowValues calls the
# case count `cases`; OrderRow, `ordered_cases`.)
ROW_FIELDS = {
    "quantity": "quantity",
    "unit_price": "unit_price",
    "ean": "ean",
    "asin": "asin",
    "ordered_cases": "cases",
    "case_size": "case_size",
    "list_price": "list_price",
    "price_unit": "price_unit",
    "list_price_unit": "list_price_unit",
}
# Fields staff cannot edit: Amazon's value always wins (orders stored before a field
# existed hold its empty default, which is no staff edit).
AMAZON_ONLY = {"parties", "price_unit", "list_price_unit"}


def map_old(raw: Mapping[str, Any], ctx: MappingContext) -> OrderValues | None:
    """What the previous version of a PO mapped to (the merge base), if it can be read."""
    try:
        return map_purchase_order(parsing.parse_purchase_order(raw), ctx)
    except (AmazonMappingError, ValueError, TypeError, KeyError):
        return None


def _merge(base: Any, current: Any, new: Any) -> tuple[Any, bool]:
    """Three-way merge of one value: (value to keep, whether staff and Amazon conflict)."""
    if current == base:
        return new, False
    return current, new not in (base, current)


def update_order(
    shop: Shop,
    order: Order,
    old: OrderValues | None,
    new: OrderValues,
    default_vat_id: int | None = None,
) -> list[str]:
    """Apply Amazon's change to an order; keep staff edits and describe conflicts. A line
    Amazon added becomes a row with its product's VAT category, else `default_vat_id`."""
    conflicts: list[str] = []
    new_fields = order_fields(shop, new)
    old_fields = order_fields(shop, old) if old else None
    changed_fields = []
    for name, value in new_fields.items():
        current = getattr(order, name)
        base = current if name in AMAZON_ONLY else old_fields[name] if old_fields else current
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
                    ordered_cases=row.cases,
                    case_size=row.case_size,
                    list_price=row.list_price,
                    price_unit=row.price_unit,
                    list_price_unit=row.list_price_unit,
                )
            )
            continue
        base_row = old_rows.get(row.position)
        dirty = False
        for name, source in ROW_FIELDS.items():
            current, value = getattr(db_row, name), getattr(row, source)
            base = getattr(base_row, source) if base_row and name not in AMAZON_ONLY else current
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
        tariffs = product_tariffs(shop.pk, ((r.ean, r.asin) for r in to_create))
        for created in to_create:
            created.vat_tariff_id = tariffs.tariff_id(created.ean, created.asin, default_vat_id)
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


def history_apply(
    *,
    shop: Shop,
    ctx: MappingContext,
    order_ids: Mapping[str, int],
    pos: Mapping[str, PurchaseOrder],
    statuses: Mapping[str, PurchaseOrderStatus],
) -> list[tuple[int, str]]:
    """Bring orders the regular sync made up to what a historical import makes of their POs:
    original quantities, the refined status, credit rows for rejected and cancelled parts.

    Staff edits win (three-way merge, base = the PO without status data). A credit row is
    added once per (row, reason), so a second import of the same range adds nothing. Returns
    the conflicts as (order id, description) for the caller to alert on.
    """
    orders = Order.objects.in_bulk(list(order_ids.values()))
    credited = set(
        CreditRow.objects.filter(order_id__in=order_ids.values()).values_list("row_id", "reason_id")
    )
    conflicts: list[tuple[int, str]] = []
    new_credits: list[CreditRow] = []
    for number, order_id in order_ids.items():
        po, status = pos[number], statuses[number]
        new = map_purchase_order(po, ctx, status)
        found = update_order(
            shop, orders[order_id], map_purchase_order(po, ctx), new, ctx.default_vat_id
        )
        conflicts += [(order_id, text) for text in found]
        if not new.credits:
            continue
        rows = {r.position: r for r in OrderRow.objects.filter(order_id=order_id)}
        for credit in new.credits:
            row = rows.get(credit.position)
            if row is None or (row.pk, credit.reason_id) in credited:
                continue
            quantity = min(credit.quantity, row.quantity)
            if quantity > 0:
                new_credits.append(
                    CreditRow(
                        order_id=order_id, row=row, quantity=quantity, reason_id=credit.reason_id
                    )
                )
                credited.add((row.pk, credit.reason_id))
    CreditRow.objects.bulk_create(new_credits)
    return conflicts
