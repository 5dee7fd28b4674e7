"""Bulk writes of new orders: PostgreSQL COPY for rows, parameters and credit rows.

Model instances cost more than the database work at import volumes; COPY writes a page of
orders in a handful of round trips. Callers own the transaction.
"""

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg.copy import LibpqWriter

from amazon1p.importing.order_mapping import MappingContext, OrderValues
from orders.catalogue import products_fill_from_rows
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


class _WholeWriter(LibpqWriter):
    """Sends a COPY's data when it ends, instead of in 32 kB pieces as rows are formatted.

    Each piece is a wait on the connection, and in a sync the prefetch thread takes the GIL
    at every wait: a page's payloads (~300 kB) were ten hand-overs of the GIL instead of one.
    Holds at most one COPY of one page in memory.
    """

    def __init__(self, cursor: Any) -> None:
        super().__init__(cursor)
        self.parts: list[bytes] = []

    def write(self, data: Any) -> None:
        self.parts.append(bytes(data))

    def finish(self, exc: BaseException | None = None) -> None:
        if exc is None and self.parts:
            super().write(b"".join(self.parts))
        self.parts = []
        super().finish(exc)


def copy_rows(model: type, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows with PostgreSQL COPY: much cheaper than model instances per row.

    Elsewhere (the demo's SQLite) the same rows go in with one executemany, each value
    prepared by its model field as the ORM would.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:  # nothing to insert: spare the round trip
        return
    rows = itertools.chain([first], rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with (
            connection.wrap_database_errors,  # psycopg's errors as Django's, as execute() has
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN", writer=_WholeWriter(cursor.cursor)
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    fields = [model._meta.get_field(column) for column in columns]

    def prepare(field, value):
        # COPY takes JSON columns as JSON text; so do we (no second encoding).
        if isinstance(field, models.JSONField) and isinstance(value, str):
            return value
        return field.get_db_prep_save(value, connection)

    prepared = [
        [prepare(field, value) for field, value in zip(fields, row, strict=True)] for row in rows
    ]
    if prepared:
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)


def rows_by_number(
    model: type, shop_id: int, column: str, numbers: Sequence[str], fields: Sequence[str]
) -> list[tuple]:
    """`fields` of the shop's rows of `model` whose `column` is one of `numbers`.

    On PostgreSQL: one index probe per number (a LATERAL lookup, LIMIT 1 as `column` is
    unique per shop), whatever the statistics say. A plain `column IN (...)`, or a join, did
    not: during a bulk import the statistics lag (a new shop "has 46 orders"), and PostgreSQL
    read every order of the shop for each page instead — 20 ms at 20,000 orders, growing
    with the shop.
    """
    if not numbers:
        return []
    if connection.vendor != "postgresql":
        rows = model.objects.filter(shop_id=shop_id, **{f"{column}__in": list(numbers)})
        return list(rows.values_list(*fields))
    quote = connection.ops.quote_name
    selected = ", ".join(quote(name) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.* FROM unnest(%s::text[]) AS wanted(value) CROSS JOIN LATERAL "
            f"(SELECT {selected} FROM {quote(model._meta.db_table)} "
            f"WHERE shop_id = %s AND {quote(column)} = wanted.value LIMIT 1) t",
            [list(numbers), shop_id],
        )
        return cursor.fetchall()


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
    `known_products`: see `products_fill_from_rows`.
    """
    if not mapped:
        return {}
    now = timezone.now()

    def order_row(v: OrderValues) -> tuple:
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
                ctx.default_vat_id,
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
