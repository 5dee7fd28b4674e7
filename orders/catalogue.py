"""The shop's product catalogue: filled from order rows in bulk, edited on the Products page.

EANs and ASINs are unique per shop (partial unique constraints, blank allowed), so a fill is
an insert that skips what is already known: running it twice adds nothing the second time.

Each product may be filed under one of the shop's VAT tariffs, its VAT category
(`Product.vat_tariff`); the order rows an import creates take their product's category
(`product_tariffs`, one lookup per page of rows).
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from core.errors import ShopCtrlError
from orders.models import OrderRow, Product, ProductAsin
from shops.audit import audit_record, diff, snapshot
from shops.models import Shop, VatTariff

logger = logging.getLogger(__name__)

PRODUCT_FIELDS = ("ean", "asin", "sku", "title", "stock_quantity", "agreed_cost", "vat_tariff")
# Products one "Set VAT category" action may change (the page shows 50 at a time).
BULK_MAX = 500
# Order rows handed to one products_fill_from_rows call by products_fill_from_orders: the
# IN lists of its lookup stay a size PostgreSQL plans well.
FILL_CHUNK = 2_000
# Which form field a violated constraint concerns (see Product.Meta.constraints).
_CONSTRAINT_FIELDS = {"ean_taken": "ean", "asin_taken": "asin", "no_identifier": None}


def normalize_ean(value: Any) -> str:
    """An EAN as stored: digits as text, no spaces (a spreadsheet may hand a number)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(str(value or "").split())


def normalize_asin(value: Any) -> str:
    return "".join(str(value or "").split()).upper()


def products_fill_from_rows(
    shop: Shop,
    rows: Iterable[tuple[str, str, str]],
    known: set[tuple[str, str]] | None = None,
    new_asins: list[tuple[Product, str]] | None = None,
) -> int:
    """Add the products that (EAN, ASIN, title) rows name and the catalogue lacks.

    Side effects: inserts Product rows (`bulk_create(ignore_conflicts=True)`, i.e. INSERT ...
    ON CONFLICT DO NOTHING) for rows whose EAN and ASIN are both unknown; on a product found
    by one id whose other id is blank, fills that id when no other product has it. Never
    changes a title, SKU or an id already set. One lookup query, then at most one INSERT
    and one UPDATE: no statement per row, so importers may call it once per page.

    Idempotency key: the shop's EAN and ASIN (unique per shop). A second run finds every
    product and writes nothing. Returns how many products it created or completed (under
    a concurrent fill of the same ids, a row skipped by the database still counts).
    Rows without EAN and ASIN, or with ids longer than the fields allow, are ignored.
    Callers own the transaction.

    `known` (EAN, ASIN pairs) spares an importer the lookup for pairs an earlier call of the
    same import settled: they are skipped, and this call adds the pairs it settles. Keep it
    no longer than the import: a pair is known only while its transaction may commit.

    One EAN, several ASINs: a row naming a known EAN with an ASIN its product does not have
    records that ASIN for the product (`ProductAsin`, once) and appends (product, ASIN) to
    `new_asins`, for the caller to raise an alert.
    """
    pairs: dict[tuple[str, str], str] = {}
    for ean, asin, title in rows:
        ean, asin = normalize_ean(ean), normalize_asin(asin)
        if len(ean) > 14:
            ean = ""
        if len(asin) > 10:
            asin = ""
        if (ean or asin) and (known is None or (ean, asin) not in known):
            pairs.setdefault((ean, asin), (title or "")[:250])
    if not pairs:
        return 0
    if known is not None:
        known.update(pairs)  # found, created, completed or deliberately left alone below
    eans = {ean for ean, _ in pairs if ean}
    asins = {asin for _, asin in pairs if asin}
    # Each arm repeats its partial index's predicate so PostgreSQL can use the index.
    products = (
        Product.objects.filter(
            (Q(ean__in=eans) & ~Q(ean="")) | (Q(asin__in=asins) & ~Q(asin="")), shop=shop
        )
        .only("id", "ean", "asin")
        .order_by()
    )
    by_ean: dict[str, Product] = {p.ean: p for p in products if p.ean}
    by_asin: dict[str, Product] = {p.asin: p for p in products if p.asin}
    new: list[Product] = []
    completed: dict[int, Product] = {}
    other_asins: list[tuple[Product, str]] = []
    for (ean, asin), title in pairs.items():
        found_by_ean = by_ean.get(ean) if ean else None
        found_by_asin = by_asin.get(asin) if asin else None
        if (
            found_by_ean is not None
            and found_by_ean.pk is not None
            and asin
            and found_by_ean.asin
            and found_by_ean.asin != asin
        ):
            other_asins.append((found_by_ean, asin))
        if found_by_ean is None and found_by_asin is None:
            product = Product(shop=shop, ean=ean, asin=asin, title=title)
            new.append(product)
        elif found_by_asin is None and found_by_ean is not None and asin and not found_by_ean.asin:
            product = found_by_ean
            product.asin = asin
        elif found_by_ean is None and found_by_asin is not None and ean and not found_by_asin.ean:
            product = found_by_asin
            product.ean = ean
        else:
            continue  # known, or the other id belongs to another product: leave both alone
        if product.pk is not None:
            completed[product.pk] = product
        if product.ean:
            by_ean.setdefault(product.ean, product)
        if product.asin:
            by_asin.setdefault(product.asin, product)
    if other_asins:
        _record_other_asins(other_asins, new_asins)
    # One order for every writer: two imports of the same shop that insert overlapping
    # products wait for each other in the same sequence instead of deadlocking.
    new.sort(key=lambda product: (product.ean, product.asin))
    Product.objects.bulk_create(new, batch_size=1_000, ignore_conflicts=True)
    if completed:
        now = timezone.now()
        for product in completed.values():
            product.updated_at = now
        try:
            with transaction.atomic():  # a savepoint: a clash must not abort the caller
                Product.objects.bulk_update(
                    sorted(completed.values(), key=lambda product: product.pk),
                    ["ean", "asin", "updated_at"],
                    batch_size=1_000,
                )
        except IntegrityError:
            # Another transaction took one of these ids since our lookup; the next fill
            # sees it and completes the rest.
            logger.warning("Product fill for shop %s skipped completing ids: a clash", shop.pk)
            return len(new)
    return len(new) + len(completed)


def _record_other_asins(
    pairs: list[tuple[Product, str]], new_asins: list[tuple[Product, str]] | None
) -> None:
    """Keep each (product, ASIN) once; the ones not kept before go to `new_asins`."""
    seen = set(
        ProductAsin.objects.filter(product__in={p.pk for p, _ in pairs}).values_list(
            "product_id", "asin"
        )
    )
    fresh = {(p.pk, asin): p for p, asin in pairs if (p.pk, asin) not in seen}
    if not fresh:
        return
    ProductAsin.objects.bulk_create(
        [ProductAsin(product_id=pk, asin=asin) for pk, asin in sorted(fresh)],
        ignore_conflicts=True,
    )
    if new_asins is not None:
        new_asins.extend((product, asin) for (_, asin), product in fresh.items())


@transaction.atomic
def products_fill_from_orders(*, actor: User, shop: Shop) -> int:
    """Add to the catalogue every product the shop's order rows name (the "Fill from
    orders" button).

    Side effects: as `products_fill_from_rows`, over each distinct (EAN, ASIN) of the shop's
    order rows (any title of theirs); one audit entry with the count. Idempotent: a second
    run adds nothing. Returns the number of products created or completed.
    """
    distinct = (
        OrderRow.objects.filter(order__shop=shop)
        .exclude(ean="", asin="")
        .values_list("ean", "asin")
        .annotate(title=Max("title"))
        .order_by()
    )
    total = 0
    chunk: list[tuple[str, str, str]] = []
    for row in distinct.iterator(chunk_size=FILL_CHUNK):
        chunk.append(row)
        if len(chunk) == FILL_CHUNK:
            total += products_fill_from_rows(shop, chunk)
            chunk = []
    total += products_fill_from_rows(shop, chunk)
    audit_record(
        actor=actor,
        shop=shop,
        action="product.fill_from_orders",
        target=shop,
        changes={"products": total},
    )
    return total


def _save(product: Product) -> None:
    try:
        product.full_clean()
    except ValidationError as exc:
        error = next(iter(exc.error_dict.values()))[0] if hasattr(exc, "error_dict") else exc
        field = next(iter(exc.error_dict)) if hasattr(exc, "error_dict") else None
        field = _CONSTRAINT_FIELDS.get(error.code or "", field)
        raise ShopCtrlError(error.messages[0], field=None if field == "__all__" else field) from exc
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:  # the same id saved concurrently, after our check
        raise ShopCtrlError("Another product of this shop has this EAN or ASIN.") from exc


@transaction.atomic
def product_create(*, actor: User, shop: Shop, values: dict[str, Any]) -> Product:
    """Add a product by hand. Side effects: one Product and an audit entry. Refuses an EAN
    or ASIN another product of the shop has, or another shop's VAT tariff (ShopCtrlError
    naming the field)."""
    product = Product(shop=shop, **_cleaned(shop, values))
    _save(product)
    audit_record(
        actor=actor,
        shop=shop,
        action="product.create",
        target=product,
        changes=diff({}, snapshot(product, PRODUCT_FIELDS)),
    )
    return product


@transaction.atomic
def product_update(*, actor: User, product: Product, values: dict[str, Any]) -> Product:
    """Change a product's ids, title, stock, cost or VAT category. Side effects: saves it and
    writes an audit entry with the changed fields (none when nothing changed). Refuses
    another shop's VAT tariff. A new category applies to order rows created from then on
    (`product_vat_tariff_set` can re-rate the rows no invoice bills yet)."""
    before = snapshot(product, PRODUCT_FIELDS)
    for name, value in _cleaned(product.shop, values).items():
        setattr(product, name, value)
    changes = diff(before, snapshot(product, PRODUCT_FIELDS))
    if changes:
        _save(product)
        audit_record(
            actor=actor,
            shop=product.shop,
            action="product.update",
            target=product,
            changes=changes,
        )
    return product


def _cleaned(shop: Shop, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "ean": normalize_ean(values.get("ean")),
        "asin": normalize_asin(values.get("asin")),
        "sku": (values.get("sku") or "").strip(),
        "title": (values.get("title") or "").strip(),
        "stock_quantity": values.get("stock_quantity"),
        "agreed_cost": values.get("agreed_cost"),
        "vat_tariff": _shop_tariff(shop, values.get("vat_tariff")),
    }


def _shop_tariff(shop: Shop, tariff: VatTariff | None) -> VatTariff | None:
    """`tariff` if it is one of `shop`'s; a form limits the choice to them, this holds
    whatever the caller (a forged POST, an API) hands in."""
    if tariff is not None and tariff.shop_id != shop.pk:
        raise ShopCtrlError("Choose one of this shop's VAT tariffs.", field="vat_tariff")
    return tariff


# --- VAT categories -----------------------------------------------------------------------

# Rows no re-rating may touch: each entry gives a Q on OrderRow for rows that must keep their
# tariff. The invoicing app (above this one) adds "an invoice bills the row" from its
# AppConfig.ready(): an invoice line keeps the rate it was made with, and the rest of a row
# is billed at the rate of its first invoice.
RowsKeepingTariff = Callable[[], Q]
rows_keeping_tariff: list[RowsKeepingTariff] = []


@dataclass(frozen=True)
class ProductTariffs:
    """The VAT categories of the products some order rows name, as tariff ids."""

    by_asin: Mapping[str, int]
    by_ean: Mapping[str, int]

    def tariff_id(self, ean: str, asin: str, default: int | None) -> int | None:
        """The tariff of the product a row names (by ASIN, else by EAN, as the pages match
        rows to products), else `default`."""
        asin, ean = normalize_asin(asin), normalize_ean(ean)
        if asin and asin in self.by_asin:
            return self.by_asin[asin]
        if ean and ean in self.by_ean:
            return self.by_ean[ean]
        return default


def product_tariffs(shop_id: int, rows: Iterable[tuple[str, str]]) -> ProductTariffs:
    """The VAT category of each categorised product the (EAN, ASIN) `rows` name: one query
    (none without ids), so an importer calls it once per page, before writing the rows.
    Products without a category are left out: their rows take the caller's default."""
    eans: set[str] = set()
    asins: set[str] = set()
    for ean, asin in rows:
        if ean := normalize_ean(ean):
            eans.add(ean)
        if asin := normalize_asin(asin):
            asins.add(asin)
    if not eans and not asins:
        return ProductTariffs({}, {})
    # Each arm repeats its partial unique index's predicate so PostgreSQL can use the index.
    found = (
        Product.objects.filter(
            (Q(ean__in=eans) & ~Q(ean="")) | (Q(asin__in=asins) & ~Q(asin="")),
            shop_id=shop_id,
            vat_tariff__isnull=False,
        )
        .order_by()
        .values_list("ean", "asin", "vat_tariff_id")
    )
    by_asin: dict[str, int] = {}
    by_ean: dict[str, int] = {}
    for ean, asin, tariff_id in found:
        if asin:
            by_asin[asin] = tariff_id
        if ean:
            by_ean[ean] = tariff_id
    return ProductTariffs(by_asin, by_ean)


def _rows_of(shop: Shop, products: list[Product]) -> QuerySet[OrderRow]:
    """The shop's order rows that name one of `products` (by ASIN, another ASIN Amazon
    named it by, or EAN), less the rows that keep their tariff (`rows_keeping_tariff`)."""
    asins = {p.asin for p in products if p.asin}
    asins |= set(ProductAsin.objects.filter(product__in=products).values_list("asin", flat=True))
    eans = {p.ean for p in products if p.ean}
    rows = OrderRow.objects.filter(order__shop=shop).filter(
        (Q(asin__in=asins) & ~Q(asin="")) | (Q(ean__in=eans) & ~Q(ean=""))
    )
    for keeping in rows_keeping_tariff:
        rows = rows.exclude(keeping())
    return rows


@dataclass(frozen=True)
class TariffChange:
    products: int  # products whose category changed
    rows: int  # order rows re-rated (only with `apply_to_rows`)


@transaction.atomic
def product_vat_tariff_set(
    *,
    actor: User,
    shop: Shop,
    product_ids: Iterable[int],
    vat_tariff: VatTariff | None,
    apply_to_rows: bool = False,
) -> TariffChange:
    """File products under a VAT category (None: the shop's default): the Products page's
    "Set VAT category" action, for up to BULK_MAX products of `shop`.

    Side effects: updates the products whose category differs, one audit entry each. With
    `apply_to_rows`, also sets each product's order rows that no invoice bills yet to the
    category (the default tariff for None), one audit entry with the count: for rows
    imported before the category was set. Refuses another shop's tariff or products
    (ShopCtrlError). Idempotent: a second run changes nothing and re-rates no row.
    """
    ids = sorted(set(product_ids))
    if not ids:
        raise ShopCtrlError("Choose at least one product.", field="products")
    if len(ids) > BULK_MAX:
        raise ShopCtrlError(f"Choose at most {BULK_MAX} products at a time.", field="products")
    _shop_tariff(shop, vat_tariff)
    products = list(
        Product.objects.select_for_update(of=("self",))
        .filter(shop=shop, pk__in=ids)
        .select_related("vat_tariff")
    )
    if len(products) != len(ids):
        raise ShopCtrlError("Choose products of this shop only.", field="products")
    target_id = vat_tariff.pk if vat_tariff is not None else None
    changed = [p for p in products if p.vat_tariff_id != target_id]
    now = timezone.now()
    for product in changed:
        before = str(product.vat_tariff) if product.vat_tariff is not None else None
        product.vat_tariff, product.updated_at = vat_tariff, now
        audit_record(
            actor=actor,
            shop=shop,
            action="product.update",
            target=product,
            changes={"vat_tariff": [before, str(vat_tariff) if vat_tariff else None]},
        )
    Product.objects.bulk_update(changed, ["vat_tariff", "updated_at"])
    rows = 0
    if apply_to_rows:
        rows = _rows_rerate(actor=actor, shop=shop, products=products, vat_tariff=vat_tariff)
    return TariffChange(products=len(changed), rows=rows)


def _rows_rerate(
    *, actor: User, shop: Shop, products: list[Product], vat_tariff: VatTariff | None
) -> int:
    tariff = vat_tariff or VatTariff.objects.filter(shop=shop, is_default=True).first()
    tariff_id = tariff.pk if tariff is not None else None
    count = _rows_of(shop, products).exclude(vat_tariff_id=tariff_id).update(vat_tariff=tariff)
    if count:
        audit_record(
            actor=actor,
            shop=shop,
            action="order.rows.vat_tariff_set",
            target=shop,
            changes={
                "rows": count,
                "vat_tariff": str(tariff) if tariff else None,
                "products": ", ".join(sorted(str(p) for p in products))[:500],
            },
        )
    return count


def gtin_key(ean: str) -> str:
    """EANs compare as GTINs: a spreadsheet drops the leading zeros of a number cell."""
    return ean.lstrip("0")


def ean_variants(ean: str) -> set[str]:
    """The spellings one EAN may have in a shop's data (8, 12, 13 or 14 digits)."""
    key = gtin_key(ean)
    return {ean, key} | {key.zfill(width) for width in (8, 12, 13, 14) if len(key) <= width}


def row_titles(shop_id: int, rows: Iterable[OrderRow]) -> dict[int, str]:
    """The catalogue's title of each row's product, by row id (rows without one left out).

    Amazon's POs name products by ASIN and EAN only, so their rows' own title is the ASIN;
    pages show the catalogue's title instead where there is one. One query.
    """
    rows = list(rows)
    asins = {r.asin for r in rows if r.asin}
    eans = {r.ean for r in rows if r.ean}
    if not asins and not eans:
        return {}
    products = (
        Product.objects.filter(shop_id=shop_id)
        .filter(Q(asin__in=asins) | Q(ean__in=eans))
        .exclude(title="")
        .exclude(title=F("asin"))  # an import's stand-in title is the ASIN
    )
    by_asin, by_ean = {}, {}
    for product in products.only("asin", "ean", "title"):
        if product.asin:
            by_asin[product.asin] = product.title
        if product.ean:
            by_ean[product.ean] = product.title
    titles = {}
    for row in rows:
        title = by_asin.get(row.asin) or by_ean.get(row.ean)
        if title:
            titles[row.pk] = title
    return titles
