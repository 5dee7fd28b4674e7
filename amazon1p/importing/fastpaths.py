"""The import's SQL fast paths, in one place, each with the reason the ORM was not enough.

A sync stores pages of up to a hundred POs, a first import thousands of pages; at that
volume building model instances and compiling ORM queries cost more than the database work.
Every function here does what one ORM call would, faster, and falls back to plain SQL the
ORM would send where the database is not PostgreSQL (the demo's SQLite). Callers own the
transaction.

- `copy_rows`: COPY instead of INSERTs of model instances (a page of orders in a handful of
  round trips), its data sent in one piece (`_WholeWriter`).
- `rows_by_number`: one index probe per number (unnest + LATERAL), whatever the statistics.
- `first_versions_insert`: version 1 of new POs straight from their stored rows.
- `counters_add`: a run's counters in one precompiled UPDATE.
- `wal_flush_skip`: a page's commit does not wait for its WAL flush.
"""

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from django.db import connection, models
from psycopg.copy import LibpqWriter


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


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
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

    def prepare(field: Any, value: Any) -> Any:
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
    model: type[models.Model],
    shop_id: int,
    column: str,
    numbers: Sequence[str],
    fields: Sequence[str],
) -> list[tuple[Any, ...]]:
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
        rows = model._default_manager.filter(shop_id=shop_id, **{f"{column}__in": list(numbers)})
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
        found: list[tuple[Any, ...]] = cursor.fetchall()
        return found


def first_versions_insert(
    purchase_orders: type[models.Model],
    versions: type[models.Model],
    shop_id: int,
    numbers: Sequence[str],
    received_at: datetime,
) -> None:
    """Version 1 of each of the shop's POs `numbers`, just stored: one INSERT … SELECT from
    their rows (their hash; the payload left on the PO, see AmazonPurchaseOrderVersion)
    instead of fetching the new rows' ids and saving a model instance per version.

    On PostgreSQL the rows are found as in `rows_by_number` (an index probe per PO)."""
    if not numbers:
        return
    version = versions._meta.db_table
    apo = purchase_orders._meta.db_table
    field = cast("models.Field[Any, Any]", versions._meta.get_field("received_at"))
    received = field.get_db_prep_save(received_at, connection)
    if connection.vendor == "postgresql":
        source = (
            "unnest(%s::text[]) AS wanted(value) CROSS JOIN LATERAL (SELECT id, "
            f"content_hash FROM {apo} WHERE shop_id = %s "
            "AND po_number = wanted.value LIMIT 1) t"
        )
        params: list[Any] = [received, list(numbers), shop_id]
    else:
        placeholders = ", ".join(["%s"] * len(numbers))  # a page: at most a few hundred
        source = f"{apo} t WHERE t.shop_id = %s AND t.po_number IN ({placeholders})"
        params = [received, shop_id, *numbers]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {version} "
            "(purchase_order_id, version, received_at, content_hash, raw, diff) "
            f"SELECT t.id, 1, %s, t.content_hash, NULL, '[]' FROM {source}",
            params,
        )


def counters_statement(
    model: type[models.Model], names: Sequence[str], *, fenced_by: str | None = None
) -> str:
    """The UPDATE that `counters_add` sends, built once per caller: the ORM compiled seven
    `F()` sums for each page, a millisecond a page. With `fenced_by`, the row is only
    updated while that column still holds the caller's fencing token (see RunRecorder)."""
    sums = ", ".join(f"{name} = {name} + %s" for name in names)
    fence = f" AND {fenced_by} = %s" if fenced_by else ""
    return f"UPDATE {model._meta.db_table} SET {sums}, heartbeat_at = %s WHERE id = %s{fence}"


def counters_add(
    statement: str, counts: Sequence[int], heartbeat_at: datetime, pk: int, *fence: int
) -> bool:
    """Add `counts` to a row's counters and set its heartbeat (`counters_statement`);
    False when no row matched (the fencing token moved on)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, [*counts, heartbeat_at, pk, *fence])
        return bool(cursor.rowcount > 0)


def wal_flush_skip() -> None:
    """Let the current transaction commit without waiting for its WAL flush (PostgreSQL).

    For work that is redone when lost in a crash (a sync page, whose window is not done):
    the commit no longer waits on the disk. A later durable commit waits for it, in order.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
