"""Upsert one page of POs: new ones become orders in bulk, unchanged ones are skipped by
content hash, changed ones update their order (three-way merge against staff edits) and add a
version with its diff. Idempotency key: (shop, po_number)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from amazon1p.acknowledgements.deadlines import ALERTED_OVERDUE, due_after_import
from amazon1p.importing.bulk import create_orders
from amazon1p.importing.fastpaths import copy_rows, first_versions_insert, rows_by_number
from amazon1p.importing.merge import history_apply, map_old, update_order
from amazon1p.importing.models import AmazonPurchaseOrder, AmazonPurchaseOrderVersion
from amazon1p.importing.order_mapping import (
    MappedAlert,
    MappingContext,
    OrderValues,
    canonical_json,
    content_hash,
    map_purchase_order,
    raw_diff,
    text_hash,
)
from amazon1p.spapi.types import (
    MalformedPurchaseOrder,
    PurchaseOrder,
    PurchaseOrderPage,
    PurchaseOrderStatus,
)
from orders.models import Order
from shops.alerts import AlertGroup, alerts_group_raise
from shops.models import AlertKind, AlertSeverity, Shop
from shops.services import alert_raise, alerts_raise


@dataclass(frozen=True)
class Digest:
    """A PO's canonical JSON (what is stored) and its hash (what finds it unchanged)."""

    text: str
    hash: str


def page_digests(payloads: Iterable[Any]) -> dict[str, Digest]:
    """Digests of PO payloads by PO number (payloads without a number have none).

    Pure, so the prefetch thread computes them off the main path.
    """
    digests = {}
    for payload in payloads:
        number = PurchaseOrderPage.number_of(payload)
        if number is not None:
            text = canonical_json(payload)
            digests[number] = Digest(text, text_hash(text))
    return digests


StoredRow = Mapping[str, Any]  # id, po_number, content_hash, order_id, is_malformed


def stored_purchase_orders(shop: Shop, numbers: Iterable[str]) -> dict[str, StoredRow]:
    """What is stored of these POs, by number: the rows that decide new, changed, unchanged."""
    names = ("id", "po_number", "content_hash", "order_id", "is_malformed")
    rows = rows_by_number(AmazonPurchaseOrder, shop.pk, "po_number", list(numbers), names)
    return {row[1]: dict(zip(names, row, strict=True)) for row in rows}


def unchanged_numbers(stored: Mapping[str, StoredRow], digests: Mapping[str, Digest]) -> set[str]:
    """POs stored with this very content and an order made from them: nothing to do."""
    return {
        n
        for n, row in stored.items()
        if n in digests
        and row["content_hash"] == digests[n].hash
        and row["order_id"]
        and not row["is_malformed"]
    }


def map_ahead(
    orders: Iterable[PurchaseOrder],
    ctx: MappingContext,
    statuses: Mapping[str, PurchaseOrderStatus] | None = None,
) -> dict[str, OrderValues]:
    """The order values of these POs, by number, mapped before their page is stored.

    Pure, so the prefetch thread runs it while the main thread waits on PostgreSQL. A PO
    that cannot be mapped is left out: the upsert maps it again and reports why.
    """
    mapped = {}
    for po in orders:
        try:
            mapped[po.number] = map_purchase_order(
                po, ctx, statuses.get(po.number) if statuses else None
            )
        except (ValueError, TypeError):
            mapped.pop(po.number, None)
    return mapped


@dataclass
class PageResult:
    """Counts of one upsert and the POs it could not take in (number, message)."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Orders of new POs whose acknowledgement deadline had passed before they arrived: no
    # alert each (a first or historical import brings hundreds); the run sums them up.
    overdue: list[int] = field(default_factory=list)


def mapped_alerts_raise(shop: Shop, alerts: Iterable[tuple[int, MappedAlert]]) -> None:
    """The mapping's alerts for orders (order id, alert): the grouped ones as one alert per
    group with the orders as its items, the others one each; a few statements in all."""
    single: list[tuple[AlertSeverity, str, Order, str]] = []
    groups: dict[str, tuple[MappedAlert, list[int]]] = {}
    for order_id, alert in alerts:
        if alert.group:
            groups.setdefault(alert.group, (alert, []))[1].append(order_id)
        else:
            single.append((AlertSeverity.WARNING, alert.text, Order(pk=order_id), alert.kind))
    for kind in {a[3] for a in single}:
        alerts_raise(shop=shop, kind=kind, alerts=(a[:3] for a in single if a[3] == kind))
    alerts_group_raise(
        shop=shop,
        groups=[
            AlertGroup(key, a.kind, AlertSeverity.WARNING, a.group_text, Order, ids)
            for key, (a, ids) in groups.items()
        ],
    )


_NUL = "\\u0000"  # how JSON text spells the NUL character


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where in a payload a NUL character is (a key or a string value), or None."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = _nul_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    elif isinstance(value, str) and "\x00" in value:
        return path
    return None


def _without_nul(value: Any) -> Any:
    """The payload with U+FFFD for each NUL: PostgreSQL stores no NUL in text or JSON."""
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    return value


def _nul_malformed(po: PurchaseOrder) -> MalformedPurchaseOrder:
    field = _nul_path(po.raw) or "(payload)"
    return MalformedPurchaseOrder(
        number=po.number,
        error=f"PO {po.number}: {field}: holds a NUL character (\\u0000), which cannot be "
        "stored; the payload is kept with U+FFFD in its place",
        raw=po.raw,
    )


_NUMBER_MAX = 40  # AmazonPurchaseOrder.po_number, SyncRunError.po_number


def _store_malformed(shop: Shop, bad: Iterable[MalformedPurchaseOrder], result: PageResult) -> None:
    """Count and report each PO; keep the ones with a usable number, raw, to show and retry.

    What is reported must be storable (the run keeps it as SyncRunError): a NUL becomes
    U+FFFD, a number longer than a PO number is cut. A PO whose number is no PO number
    (empty, too long, with a NUL: all found by the property tests) is reported, not kept.
    """
    for po in bad:
        number = po.number or ""
        usable = 0 < len(number) <= _NUMBER_MAX and "\x00" not in number
        result.failed += 1
        result.errors.append(
            (number.replace("\x00", "\ufffd")[:_NUMBER_MAX], po.error.replace("\x00", "\ufffd"))
        )
        if not usable:
            continue
        raw = dict(po.raw)
        if _NUL in canonical_json(raw):  # found by the property tests: jsonb refuses it
            raw = _without_nul(raw)
        AmazonPurchaseOrder.objects.update_or_create(
            shop=shop,
            po_number=po.number,
            defaults={
                "raw": raw,
                "content_hash": content_hash(raw),
                "is_malformed": True,
                "error": po.error.replace("\x00", "\ufffd"),
            },
        )


@dataclass(frozen=True)
class PoBatch:
    """One page of POs to store, and what the caller already knows of it.

    Only `shop`, `ctx` and `orders` are needed; the rest saves work the upsert would
    otherwise do: `digests` (from `page_digests`) and `stored` (from
    `stored_purchase_orders`, covering at least these POs) spare computing and looking them
    up, `premapped` (from `map_ahead`) spares mapping, `known_products` (see
    `products_fill_from_rows`) catalogue lookups. `statuses` (historical import) adds credit
    rows; `malformed` are POs the client could not read, stored to be shown and retried.
    """

    shop: Shop
    ctx: MappingContext
    orders: Sequence[PurchaseOrder]
    malformed: Sequence[MalformedPurchaseOrder] = ()
    statuses: Mapping[str, PurchaseOrderStatus] | None = None
    digests: Mapping[str, Digest] | None = None
    stored: Mapping[str, StoredRow] | None = None
    premapped: Mapping[str, OrderValues] | None = None
    known_products: set[tuple[str, str]] | None = None


@dataclass
class _Page:
    """What the upsert works from: the storable POs by number, their digests, what is
    stored of them, and those stored with this very content (nothing to do)."""

    latest: dict[str, PurchaseOrder]
    digests: Mapping[str, Digest]
    existing: dict[str, StoredRow]
    unchanged: set[str]

    def hash(self, number: str) -> str:
        return self.digests[number].hash


# No savepoint: inside the sync's page transaction a failure rolls the whole page back anyway,
# and a savepoint costs two round trips a page.
@transaction.atomic(savepoint=False)
def purchase_orders_upsert(batch: PoBatch) -> PageResult:
    """Store a page of POs and the orders made from them, in one transaction.

    Side effects: creates or updates Order (+ rows, parameters, credit rows),
    AmazonPurchaseOrder and AmazonPurchaseOrderVersion rows; raises alerts on the order for
    unknown FCs, undocumented values, currency or payment-type mismatches and staff-edit
    conflicts. Idempotency key: (shop, po_number) with the content hash — a page stored twice
    changes nothing the second time.
    """
    result = PageResult()
    page = _page_sorted(batch, result)
    if batch.statuses:
        _apply_history(batch, page)
    mapped = _pos_mapped(batch, page, result)
    # New POs, and stored ones without an order (kept malformed before): they get one now.
    fresh = [
        v for n, v in mapped.items() if n not in page.existing or not page.existing[n]["order_id"]
    ]
    created, linked = _orders_for_new_pos(batch, fresh)
    _new_pos_store(batch, page, fresh, created, result)
    mapped_alerts_raise(
        batch.shop,
        ((created[v.number], alert) for v in fresh if v.number not in linked for alert in v.alerts),
    )
    result.new = len(fresh)
    fresh_numbers = {v.number for v in fresh}
    relinked = [n for n in mapped if n in page.existing and n in fresh_numbers]
    to_change = [n for n in mapped if n in page.existing and n not in fresh_numbers]
    if relinked:
        _changed_pos_store(batch, page, relinked, mapped, created, result, counts=False)
    if to_change:
        _changed_pos_store(batch, page, to_change, mapped, {}, result, counts=True)
    return result


def _page_sorted(batch: PoBatch, result: PageResult) -> _Page:
    """The page's storable POs, what is stored of them, and which are unchanged; the
    malformed ones (and those a NUL character makes malformed) stored and counted."""
    latest = {po.number: po for po in batch.orders}
    digests = batch.digests
    if digests is None or not digests.keys() >= latest.keys():
        digests = page_digests(po.raw for po in latest.values())
    # A NUL character anywhere (PostgreSQL stores none) makes the PO malformed, not the page:
    # one substring search of the text already made for the hash.
    unstorable = [po for n, po in latest.items() if _NUL in digests[n].text]
    malformed = [*batch.malformed, *map(_nul_malformed, unstorable)]
    for po in unstorable:
        del latest[po.number]
    _store_malformed(batch.shop, malformed, result)
    stored = batch.stored
    if stored is None:
        stored = stored_purchase_orders(batch.shop, latest)
    existing = {n: stored[n] for n in latest if n in stored}
    unchanged = unchanged_numbers(existing, digests)
    result.unchanged = len(unchanged)
    return _Page(latest, digests, existing, unchanged)


def _pos_mapped(batch: PoBatch, page: _Page, result: PageResult) -> dict[str, OrderValues]:
    """The order values of every PO to store (mapped ahead or now); one that cannot be
    mapped is stored as malformed instead."""
    ahead = batch.premapped or {}
    mapped: dict[str, OrderValues] = {}
    for number, po in page.latest.items():
        if number in page.unchanged:
            continue
        if number in ahead:
            mapped[number] = ahead[number]
            continue
        try:
            status = batch.statuses.get(number) if batch.statuses else None
            mapped[number] = map_purchase_order(po, batch.ctx, status)
        except (ValueError, TypeError) as exc:
            bad = MalformedPurchaseOrder(number=number, error=str(exc), raw=po.raw)
            _store_malformed(batch.shop, [bad], result)
    return mapped


def _orders_for_new_pos(
    batch: PoBatch, fresh: Sequence[OrderValues]
) -> tuple[dict[str, int], dict[str, Order]]:
    """Orders for POs that have none: created, or (a number already taken) linked.

    Returns {PO number: order id} of both, and the linked orders by number."""
    shop = batch.shop
    created = create_orders(shop, batch.ctx, fresh, batch.known_products)
    taken = [v.number for v in fresh if v.number not in created]
    # Orders entered by hand before the PO arrived: linked, left as staff made them. (Rare:
    # no query without them, as building even an empty one costs a page a millisecond.)
    linked = (
        {o.number: o for o in Order.objects.filter(shop=shop, number__in=taken)} if taken else {}
    )
    for number, order in linked.items():
        alert_raise(
            shop=shop,
            severity=AlertSeverity.WARNING,
            message=f"PO {number} matched an existing order; linked it without changes.",
            kind=AlertKind.ORDER_DATA,
            target=order,
        )
    created.update({number: order.pk for number, order in linked.items()})
    return created, linked


_PO_COLUMNS = (
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
    "updated_at",
    "ack_due_at",
    "ack_alerted",
)


def _new_pos_store(
    batch: PoBatch,
    page: _Page,
    fresh: Sequence[OrderValues],
    created: Mapping[str, int],
    result: PageResult,
) -> None:
    """The POs not stored before, each with its version 1; those already overdue listed in
    `result.overdue`."""
    now = timezone.now()
    latest = page.latest
    numbers = [v.number for v in fresh if v.number not in page.existing]
    dues = {n: due_after_import(latest[n], None, None) for n in numbers}

    def overdue(number: str) -> bool:
        due = dues[number]
        return due is not None and due <= now

    result.overdue = [created[n] for n in numbers if overdue(n)]
    copy_rows(
        AmazonPurchaseOrder,
        _PO_COLUMNS,
        (
            (
                batch.shop.pk,
                n,
                created[n],
                latest[n].state,
                latest[n].purchase_order_date,
                latest[n].changed_date,
                page.hash(n),
                page.digests[n].text,
                False,
                "",
                now,
                now,
                dues[n],
                ALERTED_OVERDUE if overdue(n) else 0,
            )
            for n in numbers
        ),
    )
    first_versions_insert(
        AmazonPurchaseOrder, AmazonPurchaseOrderVersion, batch.shop.pk, numbers, now
    )


def _apply_history(batch: PoBatch, page: _Page) -> None:
    """Historical import over POs already stored: credit rows and refined statuses."""
    statuses = batch.statuses or {}
    order_ids = {n: page.existing[n]["order_id"] for n in page.unchanged if n in statuses}
    if not order_ids:
        return
    for order_id, text in history_apply(
        shop=batch.shop, ctx=batch.ctx, order_ids=order_ids, pos=page.latest, statuses=statuses
    ):
        alert_raise(
            shop=batch.shop,
            severity=AlertSeverity.WARNING,
            message=f"Historical import kept a staff edit: {text}",
            kind=AlertKind.ORDER_DATA,
            target=Order(pk=order_id),
        )


def _changed_pos_store(
    batch: PoBatch,
    page: _Page,
    numbers: Sequence[str],
    mapped: Mapping[str, OrderValues],
    new_orders: Mapping[str, int],
    result: PageResult,
    *,
    counts: bool,
) -> None:
    """Store a new version of each PO (with its diff) and update its order."""
    shop, ctx, latest = batch.shop, batch.ctx, page.latest
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
    raised: list[tuple[int, MappedAlert]] = []
    superseded: dict[int, Any] = {}  # PO id → the payload its latest version had
    for number in numbers:
        apo, po, values = apos[number], latest[number], mapped[number]
        old_raw = apo.raw
        if counts and old_raw == po.raw and apo.order is not None and not apo.is_malformed:
            # Same payload under another hash (stored before the canonical form changed):
            # nothing to version; take the new hash so the next sync skips it cheaply.
            AmazonPurchaseOrder.objects.filter(pk=apo.pk).update(content_hash=page.hash(number))
            result.unchanged += 1
            continue
        if apo.order is None:
            apo.order_id = new_orders.get(number)
        else:
            old = map_old(old_raw, ctx)
            conflicts = update_order(shop, apo.order, old, values, ctx.default_vat_id)
            new_alerts = [a for a in values.alerts if not old or a not in old.alerts]
            if conflicts:
                text = "; ".join(conflicts)
                new_alerts.append(
                    MappedAlert(
                        AlertKind.ORDER_DATA,
                        f"PO {number} changed at Amazon, but staff edited the order; kept: {text}",
                    )
                )
            raised.extend((apo.order.pk, alert) for alert in new_alerts)
        if counts:
            result.changed += 1
        superseded[apo.pk] = old_raw
        versions.append(
            AmazonPurchaseOrderVersion(
                purchase_order=apo,
                version=last_versions.get(apo.pk, 0) + 1,
                content_hash=page.hash(number),
                raw=None,
                diff=raw_diff(old_raw, dict(po.raw)),
            )
        )
        due = due_after_import(po, apo.ack_due_at, apo.amazon_changed_at)
        if due != apo.ack_due_at:
            apo.ack_due_at, apo.ack_alerted = due, 0
        apo.raw = dict(po.raw)
        apo.content_hash = page.hash(number)
        apo.state = po.state
        apo.purchase_order_date = po.purchase_order_date
        apo.amazon_changed_at = po.changed_date
        apo.is_malformed = False
        apo.error = ""
        apo.save()
    for po_id, payload in superseded.items():  # the latest so far keeps its own payload now
        AmazonPurchaseOrderVersion.objects.filter(purchase_order_id=po_id, raw__isnull=True).update(
            raw=payload
        )
    AmazonPurchaseOrderVersion.objects.bulk_create(versions)
    mapped_alerts_raise(shop, raised)
