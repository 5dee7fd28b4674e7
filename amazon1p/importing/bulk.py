"""Bulk writes of new orders: their rows, parameters and credit rows in a few COPYs (see
`fastpaths`). Callers own the transaction.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone

from amazon1p.importing.fastpaths import copy_rows, rows_by_number
from amazon1p.importing.order_mapping import MappingContext, OrderValues
from orders.catalogue import product_tariffs, products_fill_from_rows
from orders.models import (
    Channel,
    CreditRow,
    Order,
    OrderParameter,
    OrderRow,
    Product,
    PurchaseType,
)
from orders.services import CustomerInput, contact_fields_for_shop
from shops.models import AlertSeverity, Shop
from shops.services import alerts_raise


def order_fields(shop: Shop, values: OrderValues) -> dict[str, Any]:
    """The Order fields a PO sets, contact data shaped as the shop's settings ask."""
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
        "parties": values.parties,
        "main_status_id": values.main_status_id,
        "payment_status_id": values.payment_status_id,
        "payment_type_id": values.payment_type_id,
        **contact,
    }


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
    "parties",
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
_CONTACT = _ORDER_COLUMNS[13:]


def create_orders(
    shop: Shop,
    ctx: MappingContext,
    mapped: Sequence[OrderValues],
    known_products: set[tuple[str, str]] | None = None,
) -> dict[str, int]:
    """Orders with rows, parameters and credit rows for new POs: COPY, then one id lookup.

    A PO whose number an order entered by hand already has gets no order here. Taken
    numbers are rare, so they are not looked up first: the COPY fails on one, and is done
    again without them. Returns {order number: order id} of the orders created.
    `known_products`: see `products_fill_from_rows`. Each row gets its product's VAT
    category (`product_tariffs`: one query for the page), else the shop's default tariff.
    """
    if not mapped:
        return {}
    now = timezone.now()

    def order_row(v: OrderValues) -> tuple[Any, ...]:
        fields = order_fields(shop, v)
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
            orjson.dumps(v.parties).decode(),  # COPY takes JSON as text
        )
        return head + tuple(fields.get(name, "") for name in _CONTACT)

    rows = [order_row(v) for v in mapped]
    try:
        with transaction.atomic():  # a savepoint: a clash undoes this COPY alone
            copy_rows(Order, _ORDER_COLUMNS, rows)
    except IntegrityError:  # a number taken by an order entered by hand: leave those out
        numbers = [v.number for v in mapped]
        taken = {n for (n,) in rows_by_number(Order, shop.pk, "number", numbers, ("number",))}
        rows = [row for row in rows if row[1] not in taken]
        copy_rows(Order, _ORDER_COLUMNS, rows)
    ids = dict(rows_by_number(Order, shop.pk, "number", [row[1] for row in rows], ("number", "id")))
    mapped = [v for v in mapped if v.number in ids]
    # Before the catalogue fill below: the products it adds have no category yet.
    tariffs = product_tariffs(shop.pk, ((r.ean, r.asin) for v in mapped for r in v.rows))
    copy_rows(
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
            "ordered_cases",
            "case_size",
            "list_price",
            "price_unit",
            "list_price_unit",
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
                tariffs.tariff_id(r.ean, r.asin, ctx.default_vat_id),
                r.cases,
                r.case_size,
                r.list_price,
                r.price_unit,
                r.list_price_unit,
            )
            for v in mapped
            for r in v.rows
        ),
    )
    new_asins: list[tuple[Product, str]] = []
    products_fill_from_rows(
        shop, ((r.ean, r.asin, r.title) for v in mapped for r in v.rows), known_products, new_asins
    )
    if new_asins:
        _alert_new_asins(shop, mapped, new_asins)
    copy_rows(
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
        copy_rows(
            CreditRow,
            ("order_id", "row_id", "quantity", "reason_id", "created_at"),
            (
                (ids[v.number], row_ids[(ids[v.number], c.position)], c.quantity, c.reason_id, now)
                for v in mapped
                for c in v.credits
            ),
        )
    return ids


def _alert_new_asins(
    shop: Shop, mapped: Sequence[OrderValues], new_asins: list[tuple[Product, str]]
) -> None:
    """One alert on the product per EAN that a PO names with an ASIN new for it."""
    first_po: dict[tuple[str, str], str] = {}
    for v in mapped:
        for r in v.rows:
            first_po.setdefault((r.ean, r.asin), v.number)
    alerts_raise(
        shop=shop,
        alerts=(
            (
                AlertSeverity.WARNING,
                f"EAN {product.ean} now comes as ASIN {asin} too (PO "
                f"{first_po.get((product.ean, asin), '?')}); its product has ASIN "
                f"{product.asin}. The catalogue keeps both.",
                product,
            )
            for product, asin in new_asins
        ),
    )
