"""Reads for the cockpit: everything comes from the daily roll-ups or from small tables
(sync runs, offers), never from a scan of the orders. Definitions: docs/metrics.md."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from bulkbuy.models import Offer, OfferRow, OfferStatus, OrderLinkLine
from cockpit.models import DailyFc, DailyProduct, FcSums, WeeklyFc
from cockpit.weekly import ALL_FCS, hist_median
from shops.models import Shop

SUM_FIELDS = [f.name for f in FcSums._meta.get_fields()]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Bucket:
    """The sums of one period (a week, a day) or one FC, and the rates derived from them."""

    key: str
    start: date | None = None
    end: date | None = None
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUM_FIELDS, 0))
    minutes: Counter = field(default_factory=Counter)  # minutes to acknowledge → POs
    rows: int = 0
    stored_median: float | None = None  # of the last WeeklyFc row added

    def add(self, row: dict) -> None:
        """Add one DailyFc row (as `daily_rows` reads it) or WeeklyFc row (`weekly_rows`)."""
        for name in SUM_FIELDS:
            self.sums[name] += row[name]
        self.rows += 1
        if "ack_minutes" in row:
            self.minutes.update(row["ack_minutes"])
        else:
            self.stored_median = row["ack_median_minutes"]
            for minutes, pos in row["ack_minutes_hist"]:
                self.minutes[minutes] += pos

    def __getattr__(self, name: str) -> int:
        sums = self.__dict__.get("sums", {})
        if name in sums:
            return sums[name]
        raise AttributeError(name)

    @property
    def ack_on_time_pct(self) -> float | None:
        return _pct(self.sums["ack_on_time"], self.sums["ack_on_time"] + self.sums["ack_late"])

    @property
    def ack_median_hours(self) -> float | None:
        # One weekly row: its median as stored (an all-FC row keeps no histogram).
        if self.rows == 1 and self.stored_median is not None:
            minutes: float | None = self.stored_median
        else:
            minutes = hist_median(self.minutes)
        return None if minutes is None else round(minutes / 60, 1)

    @property
    def confirmation_pct(self) -> float | None:
        return _pct(self.sums["units_accepted"], self.sums["units_ordered"])

    @property
    def asn_on_time_pct(self) -> float | None:
        return _pct(self.sums["asn_on_time"], self.sums["asn_on_time"] + self.sums["asn_late"])

    @property
    def asn_accuracy_pct(self) -> float | None:
        return _pct(self.sums["asn_first_try"], self.sums["asn_answered"])

    @property
    def fill_rate_pct(self) -> float | None:
        return _pct(self.sums["units_received"], self.sums["received_ordered"])

    @property
    def receiving_accuracy_pct(self) -> float | None:
        return _pct(self.sums["units_received"], self.sums["received_shipped"])

    @property
    def lead_days(self) -> float | None:
        count = self.sums["lead_count"]
        return round(self.sums["lead_hours_sum"] / count / 24, 1) if count else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def daily_rows(*, shop: Shop, date_from: date, date_to: date) -> list[dict]:
    """The DailyFc rows of a range as dicts (cheaper than models; a page reads them once)."""
    return list(
        DailyFc.objects.filter(shop=shop, day__gte=date_from, day__lte=date_to).values(
            "day", "fc_code", "ack_minutes", *SUM_FIELDS
        )
    )


# How many periods the cockpit shows, per kind of period.
PERIODS = {"week": 12, "day": 28}


def period_starts(*, today: date, period: str = "week", count: int = 12) -> list[date]:
    if period == "day":
        return [today - timedelta(days=i) for i in range(count - 1, -1, -1)]
    last = week_start(today)
    return [last - timedelta(weeks=i) for i in range(count - 1, -1, -1)]


def weekly_rows(*, shop: Shop, week_from: date, week_to: date) -> list[dict]:
    """The WeeklyFc rows (every FC's and the all-FC one) of the weeks from the one holding
    `week_from` to the one holding `week_to`, as dicts."""
    return list(
        WeeklyFc.objects.filter(
            shop=shop, week__gte=week_start(week_from), week__lte=week_to
        ).values("week", "fc_code", "ack_median_minutes", "ack_minutes_hist", *SUM_FIELDS)
    )


def cockpit_periods(
    *,
    shop: Shop,
    today: date,
    period: str = "week",
    count: int = 12,
    fc: str | None = None,
    rows: list[dict] | None = None,
) -> list[Bucket]:
    """The last `count` weeks (Monday to Sunday) or days up to `today`, oldest first, of
    all FCs or of `fc`; `rows` from `weekly_rows` (weeks) or `daily_rows` (days) when the
    caller has read them already."""
    starts = period_starts(today=today, period=period, count=count)
    length = timedelta(days=1) if period == "day" else timedelta(weeks=1)
    buckets = {
        s: Bucket(key=s.isoformat(), start=s, end=s + length - timedelta(days=1)) for s in starts
    }
    if period == "day":
        if rows is None:
            rows = daily_rows(shop=shop, date_from=starts[0], date_to=today)
        for row in rows:
            if fc is None or row["fc_code"] == fc:
                buckets[row["day"]].add(row)
        return list(buckets.values())
    if rows is None:
        rows = weekly_rows(shop=shop, week_from=starts[0], week_to=today)
    wanted = ALL_FCS if fc is None else fc
    for row in rows:
        if row["fc_code"] == wanted:
            buckets[row["week"]].add(row)
    return list(buckets.values())


def cockpit_fcs(
    *, shop: Shop, date_from: date, date_to: date, rows: list[dict] | None = None
) -> list[Bucket]:
    """One bucket per FC over the range, worst on-time acknowledgement first; `rows` from
    `daily_rows` or, for a range of whole weeks, `weekly_rows`."""
    buckets: dict[str, Bucket] = {}
    if rows is None:
        rows = daily_rows(shop=shop, date_from=date_from, date_to=date_to)
    for row in rows:
        code = row["fc_code"]
        if code == ALL_FCS:
            continue
        if code not in buckets:
            buckets[code] = Bucket(key=code, start=date_from, end=date_to)
        buckets[code].add(row)
    return sorted(
        buckets.values(), key=lambda b: (b.ack_on_time_pct is None, b.ack_on_time_pct or 0, b.key)
    )


@dataclass(frozen=True)
class ProductRow:
    product: str
    title: str
    units_ordered: int
    units_accepted: int
    units_backordered: int
    units_rejected: int
    units_shipped: int

    @property
    def confirmation_pct(self) -> float | None:
        return _pct(self.units_accepted, self.units_ordered)


def cockpit_products(
    *, shop: Shop, date_from: date, date_to: date, limit: int | None = 25
) -> list[ProductRow]:
    """Products over the range, the most rejected units first (then the most ordered)."""
    rows = (
        DailyProduct.objects.filter(shop=shop, day__gte=date_from, day__lte=date_to)
        .values("product")
        .annotate(
            title=Max("title"),
            ordered=Sum("units_ordered"),
            accepted=Sum("units_accepted"),
            backordered=Sum("units_backordered"),
            rejected=Sum("units_rejected"),
            shipped=Sum("units_shipped"),
        )
        .order_by("-rejected", "-ordered", "product")
    )
    if limit:
        rows = rows[:limit]
    return [
        ProductRow(
            r["product"],
            r["title"],
            r["ordered"],
            r["accepted"],
            r["backordered"],
            r["rejected"],
            r["shipped"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class SyncHealth:
    last_success: dict[str, object]  # kind label → finished_at (None: never)
    days: list[dict]  # per day: imported, throttled, failed POs, failed runs


def cockpit_sync_health(*, shop: Shop, today: date, days: int = 14) -> SyncHealth:
    ok = (SyncStatus.SUCCEEDED, SyncStatus.PARTIAL)
    last = dict(
        SyncRun.objects.filter(shop=shop, status__in=ok)
        .values("kind")
        .annotate(at=Max("finished_at"))
        .values_list("kind", "at")
        .order_by()
    )
    since = today - timedelta(days=days - 1)
    per_day: dict[date, Mapping[str, object]] = {
        r["day"]: r
        for r in SyncRun.objects.filter(shop=shop, created_at__date__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            imported=Sum("new_count"),
            throttled=Sum("throttled"),
            failed_pos=Sum("failed_count"),
            failed_runs=Count("pk", filter=Q(status=SyncStatus.FAILED)),
        )
        .order_by()
    }
    empty = {"imported": 0, "throttled": 0, "failed_pos": 0, "failed_runs": 0}
    return SyncHealth(
        last_success={label: last.get(kind) for kind, label in SyncKind.choices},
        days=[
            {"day": d, **{k: per_day.get(d, empty)[k] for k in empty}}
            for d in (since + timedelta(days=i) for i in range(days))
        ],
    )


@dataclass(frozen=True)
class OfferUse:
    offer: Offer
    offered: int
    ordered: int

    @property
    def percent(self) -> int:
        return min(round(100 * self.ordered / self.offered), 100) if self.offered else 0


def cockpit_offers(*, shop: Shop, limit: int = 10) -> list[OfferUse]:
    """The newest completed offers: eaches offered (final, approved rows) against ordered."""
    offers = list(
        Offer.objects.filter(shop=shop, status=OfferStatus.COMPLETED)
        .defer("source_file")
        .order_by("-created_at", "-pk")[:limit]
    )
    offered = dict(
        OfferRow.objects.filter(offer__in=offers, approved=True)
        .values("offer_id")
        .annotate(n=Sum(Coalesce("warehouse_qty1", 0) + Coalesce("warehouse_qty2", 0), default=0))
        .values_list("offer_id", "n")
        .order_by()
    )
    ordered = dict(
        OrderLinkLine.objects.filter(link__offer__in=offers)
        .values("link__offer_id")
        .annotate(n=Sum("quantity"))
        .values_list("link__offer_id", "n")
        .order_by()
    )
    return [OfferUse(o, offered.get(o.pk, 0), ordered.get(o.pk, 0)) for o in offers]


def rejection_reasons(bucket: Bucket) -> list[tuple[str, str, int]]:
    from amazon1p.acknowledgements.models import RejectionReason
    from cockpit.rollup import REJECTION_COLUMNS

    return [
        (reason.value, reason.label, bucket.sums[REJECTION_COLUMNS[reason]])
        for reason in RejectionReason
    ]
