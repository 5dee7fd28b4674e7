"""What a link check reads: the order's rows with what is left of them, its delivery
window and PO hash, the offer stages it may belong to, and what other orders already took
from them. The offers' locks are taken here too (see bulkbuy.linking for the order)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from bulkbuy.export import final_quantities
from bulkbuy.matching import DateWindow, OrderLine, Slot, SlotRow
from bulkbuy.models import Offer, OfferRow, OfferStatus, OrderLinkLine
from bulkbuy.selectors import order_delivery_window
from core.errors import ShopCtrlError
from orders.catalogue import ean_variants, gtin_key
from orders.models import Channel, Order, Product

DEFAULT_MIN_DAYS_AHEAD = 30  # for a shop without Amazon settings: the settings' default


def locked_order(order_id: int, *, skip_locked: bool = False) -> Order | None:
    """The order, row-locked for the caller's transaction; None if it is gone, or locked by
    another check and `skip_locked`."""
    return (
        Order.objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("shop")
        .filter(pk=order_id)
        .first()
    )


def require_amazon(order: Order) -> None:
    if order.channel != Channel.AMAZON_1P:
        raise ShopCtrlError("Only Amazon purchase orders are linked to Bulk Buy Offers.")


def po_hash(order: Order) -> str:
    """The content hash of the order's stored PO ("" for an order without one): a check
    keeps the hash it saw, so a changed PO is found by comparing the two."""
    value = AmazonPurchaseOrder.objects.filter(order=order).values_list("content_hash", flat=True)
    return value.first() or ""


def min_days_ahead(shop_id: int) -> int:
    days = AmazonConnection.objects.filter(shop_id=shop_id).values_list(
        "offer_link_min_days_ahead", flat=True
    )
    found = days.first()
    return DEFAULT_MIN_DAYS_AHEAD if found is None else found


def _lines(order: Order) -> list[OrderLine]:
    """The rows with something left after credit rows, with the catalogue products their
    EAN (compared as a GTIN, as the offer import does) or ASIN names."""
    rows = list(
        order.rows.annotate(credited=Coalesce(Sum("credit_rows__quantity"), 0)).order_by("position")
    )
    eans = set().union(*(ean_variants(r.ean) for r in rows if r.ean))
    asins = {r.asin for r in rows if r.asin}
    by_ean: dict[str, set[int]] = {}
    by_asin: dict[str, set[int]] = {}
    products = Product.objects.filter(
        (Q(ean__in=eans) & ~Q(ean="")) | (Q(asin__in=asins) & ~Q(asin="")),
        shop_id=order.shop_id,
    ).values_list("id", "ean", "asin")
    for pk, ean, asin in products:
        if ean:
            by_ean.setdefault(gtin_key(ean), set()).add(pk)
        if asin:
            by_asin.setdefault(asin, set()).add(pk)
    lines = []
    for row in rows:
        left = row.quantity - row.credited
        if left <= 0:
            continue
        ids = (by_ean.get(gtin_key(row.ean), set()) if row.ean else set()) | by_asin.get(
            row.asin, set()
        )
        label = f"EAN {row.ean}" if row.ean else f"ASIN {row.asin}" if row.asin else row.title
        lines.append(OrderLine(row.pk, row.position, label, frozenset(ids), left, row.unit_price))
    return lines


def _stage_window(row: OfferRow, stage: int) -> DateWindow:
    if stage == 1:
        return DateWindow(row.stage1_from, row.stage1_to)
    return DateWindow(row.stage2_from, row.stage2_to)  # type: ignore[arg-type]


def _overlapping(window: DateWindow) -> Q:
    """Offer rows with a stage window overlapping `window`."""
    return Q(stage1_from__lte=window.end, stage1_to__gte=window.start) | Q(
        stage2_from__lte=window.end, stage2_to__gte=window.start
    )


def offer_slots(
    order: Order,
    lines: Sequence[OrderLine],
    window: DateWindow | None,
    *,
    only: tuple[int, int] | None = None,
) -> list[Slot]:
    """The offer stages the order may belong to, oldest offer first: those with a row for
    one of its products whose stage window overlaps its delivery window (without one: that
    had not ended by the PO's date). `only` (offer id, stage): that stage, whatever it holds.
    """
    product_ids = set().union(*(line.product_ids for line in lines))
    reference = window or DateWindow(order.ordered_at.astimezone(UTC).date(), date.max)
    rows = OfferRow.objects.filter(
        offer__shop_id=order.shop_id,
        offer__status=OfferStatus.COMPLETED,
        approved=True,
        product_id__in=product_ids,
    )
    if only is not None:
        offer_ids = {only[0]}
    else:
        offer_ids = set(rows.filter(_overlapping(reference)).values_list("offer_id", flat=True))
    by_slot: dict[tuple[int, int], list[SlotRow]] = {}
    overlapping: set[tuple[int, int]] = set()
    for row in (
        rows.filter(offer_id__in=offer_ids).select_related("offer").defer("offer__source_file")
    ):
        for stage, offered in enumerate(final_quantities(row), start=1):
            if not offered:
                continue
            stage_window = _stage_window(row, stage)
            key = (row.offer_id, stage)
            by_slot.setdefault(key, []).append(
                SlotRow(
                    row.pk, row.row_number, row.product_id, row.unit_cost, stage_window, offered
                )
            )
            if stage_window.start <= reference.end and reference.start <= stage_window.end:
                overlapping.add(key)
    offers = {o.pk: o for o in Offer.objects.filter(pk__in=offer_ids).only("name", "currency")}
    keys = [only] if only is not None else sorted(overlapping)
    return [
        Slot(
            offer_id=offer_id,
            offer_name=offers[offer_id].name,
            currency=offers[offer_id].currency,
            stage=stage,
            rows=tuple(by_slot.get((offer_id, stage), ())),
        )
        for offer_id, stage in keys
        if offer_id in offers
    ]


def lock_offers(offer_ids: Iterable[int]) -> None:
    """Lock the offers in id order: every check takes them in the same order."""
    list(
        Offer.objects.select_for_update()
        .filter(pk__in=set(offer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def used_quantities(slots: Sequence[Slot], order_id: int) -> dict[tuple[int, int], dict[int, int]]:
    """Eaches each offer row's stage gives to other orders. Read under the offers' locks."""
    used: dict[tuple[int, int], dict[int, int]] = {}
    totals = (
        OrderLinkLine.objects.filter(offer_row__offer_id__in={s.offer_id for s in slots})
        .exclude(link__order_id=order_id)
        .values("offer_row__offer_id", "stage", "offer_row_id")
        .annotate(total=Sum("quantity"))
        .values_list("offer_row__offer_id", "stage", "offer_row_id", "total")
    )
    for offer_id, stage, row_id, total in totals:
        used.setdefault((offer_id, stage), {})[row_id] = total
    return used


@dataclass(frozen=True)
class Facts:
    """What a check of one order reads, under the order's lock."""

    lines: list[OrderLine]
    window: DateWindow | None
    po_hash: str

    def verdict_args(self, order: Order) -> dict:
        return {
            "lines": self.lines,
            "window": self.window,
            "currency": order.currency,
            "ordered_on": order.ordered_at.astimezone(UTC).date(),
        }


def facts_of(order: Order) -> Facts:
    """What the check reads about the order. The PO hash is read first: a sync committing
    a change in between then leaves the old hash with the new rows, and the next run checks
    the order again — never the new hash with the old rows, which no run would revisit."""
    hash_seen = po_hash(order)
    return Facts(_lines(order), order_delivery_window(order), hash_seen)
