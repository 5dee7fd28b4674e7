"""The generated purchase orders: a fixed schedule in UTC, computed on demand.

PO number `i` is created at `(i + jitter_i) * interval` seconds after the Unix epoch, where
`interval = 86400 / orders_per_day` and `jitter_i` in [0, 0.9) comes from a hash of the seed and
`i`. So the POs of any time window are an index range, a PO number maps back to its index
(see `catalogue.po_index`) and nothing is stored: 100,000 POs cost no memory and listing a
window costs O(page).

Each PO has a cheap `PoHeader` (dates, kind, destination: one hash) and, on demand, the full
`PurchaseOrder` with its lines. What the PO looks like at a given moment (New, Acknowledged,
Closed, received quantities…) is worked out in `lifecycle.py`.
"""

import math
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from simulator.catalogue import (
    FULFILMENT_CENTRES,
    UNLISTED_FC,
    Product,
    Site,
    digest,
    po_number,
    products_for,
    unit_fractions,
)

DAY = 86_400
HOUR = 3_600
# How long after creation Amazon may still change a PO; listing by changed date scans back
# this far (by updated date: MAX_LAG_BY_KIND, below).
MAX_CHANGE_LAG = 5 * DAY

_FC_CODES = tuple(FULFILMENT_CENTRES)
_KINDS = (  # (kind, cumulative probability)
    ("regular", 0.72),
    ("bulk", 0.80),
    ("import", 0.86),
    ("rush", 0.92),
    ("npi", 0.97),
    ("consigned", 1.0),
)
_TYPE = {
    "regular": "RegularOrder",
    "bulk": "RegularOrder",
    "import": "RegularOrder",
    "rush": "RushOrder",
    "npi": "NewProductIntroduction",
    "consigned": "ConsignedOrder",
}
# kind: (ship-window lead in days (min, max), ship window days, transit days (min, max),
#        delivery window days, lines (min, max))
_SHAPE = {
    "regular": ((2, 6), 5, (1, 3), 5, (3, 12)),
    "bulk": ((27, 36), 7, (2, 4), 7, (1, 4)),
    "import": ((35, 50), 14, (21, 30), 7, (2, 6)),
    "rush": ((0, 1), 2, (1, 2), 2, (1, 3)),
    "npi": ((7, 14), 5, (1, 3), 5, (1, 5)),
    "consigned": ((3, 7), 5, (1, 3), 5, (2, 6)),
}
_CHANGE_KINDS = ("quantity", "cancel_line", "window", "ship_to")
_INCOTERMS = (
    ("FreeOnBoard", "PrepaidBySeller"),
    ("FreeOnBoard", "FOBPortOfCall"),
    ("ExWorks", "PaidByBuyer"),
    ("FreeCarrier", "PaidByBuyer"),
    ("CostAndFreight", "PaidBySeller"),
)
_PORTS = ("CNSHA - Shanghai", "CNNGB - Ningbo", "CNYTN - Yantian", "VNSGN - Ho Chi Minh City")
_CONTAINERS = ("1-40'HC", "2-20',1-40'HC", "1-20'", "2-40'HC", "1-45'HC")


_MASK64 = (1 << 64) - 1


def _mix64(value: int) -> int:
    """splitmix64's finaliser: a fast integer hash (no hashlib) for per-index choices."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


@dataclass(frozen=True)
class World:
    """The options that define the generated POs (not the faults)."""

    seed: int
    orders_per_day: int
    vendor_codes: tuple[str, ...]
    currency: str
    lines_per_po: int | None = None  # None: by the PO's kind (see _SHAPE)
    # What Amazon also sends, at a low rate by default (see SimulatorConfig): lines priced
    # per weight unit, lines without netCost (listPrice only), POs in another currency.
    weight_price_rate: float = 0.0
    no_net_cost_rate: float = 0.0
    foreign_currency_rate: float = 0.0
    foreign_currency: str = "INR"

    @property
    def interval(self) -> float:
        return DAY / self.orders_per_day

    def created_at(self, index: int) -> int:
        """Creation time of PO `index` (epoch seconds)."""
        jitter = _mix64(_mix64(self.seed) ^ ~index & _MASK64) / 2**64 * 0.9
        return math.floor((index + jitter) * self.interval)

    def first_after(self, moment: float) -> int:
        """The first index created after `moment` (= how many POs exist at `moment`)."""
        index = max(0, math.floor(moment / self.interval) - 1)
        while self.created_at(index) <= moment:  # at most three steps
            index += 1
        return index

    def index_bounds(self, after: float, before: float) -> tuple[int, int]:
        """Indices whose creation time lies in (after, before]: the range [lo, hi)."""
        lo = self.first_after(after)
        return lo, max(lo, self.first_after(before))


@dataclass(frozen=True)
class PoHeader:
    """The cheap part of a PO: dates and destination (no lines)."""

    index: int
    seed: int
    vendor_code: str
    kind: str
    created: int
    fc: Site
    ship_window: tuple[int, int]
    delivery_window: tuple[int, int]
    changed_at: int | None  # Amazon changes the PO at this moment (None: never)
    change_kind: str | None  # one of _CHANGE_KINDS
    changed_fc: Site | None  # new destination when change_kind == "ship_to"
    ack_at: int  # the vendor's historical acknowledgement (before any simulator ack)
    rejected_all: bool  # that acknowledgement rejects every line (PO closes at once)
    first_receipt: int  # first goods receipt at the FC
    close_at: int  # fully received and closed

    @property
    def number(self) -> str:
        """The 8-character PO number (computed on demand: scans need only the dates)."""
        return po_number(self.seed, self.index)

    def windows(self, changed: bool) -> tuple[tuple[int, int], tuple[int, int]]:
        """(ship window, delivery window), moved two days later once a window change is live."""
        if changed and self.change_kind == "window":
            ship, delivery = self.ship_window, self.delivery_window
            return (ship[0] + 2 * DAY, ship[1] + 2 * DAY), (
                delivery[0] + 2 * DAY,
                delivery[1] + 2 * DAY,
            )
        return self.ship_window, self.delivery_window

    def destination(self, changed: bool) -> Site:
        return self.changed_fc if changed and self.changed_fc else self.fc


@dataclass(frozen=True)
class Line:
    """One PO line as Amazon ordered it, plus the vendor's historical answer to it."""

    seq: int
    product: Product
    unit: str  # "Cases" or "Eaches"
    unit_size: int
    quantity: int
    changed_quantity: int | None  # after Amazon's change (0 = line cancelled)
    net_cost: Decimal
    hist_accept: float  # share the historical ack accepts (1 all, 0 none)
    hist_backorder: bool
    hist_received: float  # share of the accepted quantity finally received
    weight_unit: str | None = None  # netCost/listPrice per POUNDS, KILOGRAMS...; None: each
    without_net_cost: bool = False  # Amazon sends only the listPrice


@dataclass(frozen=True)
class PurchaseOrder:
    """A full generated PO."""

    header: PoHeader
    window_fields: str  # "ship", "delivery" or "both"
    po_type: str
    payment_method: str
    deal_code: str | None
    import_details: dict[str, str] | None
    lines: tuple[Line, ...]
    currency: str = ""  # of netCost/listPrice; "" = the world's


def _day_start(moment: int) -> int:
    return moment - moment % DAY


def kind_of(world: World, index: int) -> str:
    """The PO's kind, cheaply: listing by updated date tests it on many POs to skip them."""
    share = _mix64(_mix64(world.seed) ^ index) / 2**64
    return next(name for name, bound in _KINDS if share < bound)


def _max_lag(kind: str) -> int:
    """Latest possible event (final receipt, close) after creation for a PO of `kind`."""
    lead, ship_days, transit, delivery_days, _ = _SHAPE[kind]
    del ship_days
    # window start (lead + 1 day + 7 h) + transit + delivery window + a 2-day window change
    # + up to 5 days to close; an acknowledgement after 5 days closes within 6.25 days.
    return (1 + lead[1] + transit[1] + delivery_days + 2 + 5 + 1) * DAY


MAX_LAG_BY_KIND = {kind: _max_lag(kind) for kind, _ in _KINDS}
MAX_EVENT_LAG = max(MAX_LAG_BY_KIND.values())


# 65,536 headers (about 750 bytes each, 48 MB) hold three weeks at 2,858 POs a day: paging
# again through a 7-day window (20,000 POs, plus 5 days back for changed windows) must not
# cycle through the cache, or each PO served from the render cache rebuilds its header.
@lru_cache(maxsize=65_536)
def header(world: World, index: int) -> PoHeader:
    """The header of PO `index`: one hash, no randomness beyond it."""
    fractions = unit_fractions(digest(world.seed, "h", index, size=64))
    u, v = fractions[:8], fractions[8:]
    created = world.created_at(index)
    kind = kind_of(world, index)
    lead, ship_days, transit, delivery_days, _ = _SHAPE[kind]
    # Windows start at 07:00 UTC, the day after creation at the earliest.
    lead_days = 1 + round(lead[0] + u[1] * (lead[1] - lead[0]))
    ship_start = _day_start(created) + lead_days * DAY + 7 * HOUR
    ship = (ship_start, ship_start + ship_days * DAY)
    delivery_start = ship_start + round(transit[0] + u[2] * (transit[1] - transit[0])) * DAY
    delivery = (delivery_start, delivery_start + delivery_days * DAY)
    fc = UNLISTED_FC if u[3] < 0.02 else FULFILMENT_CENTRES[_FC_CODES[int(v[0] * len(_FC_CODES))]]
    # The vendor answers within 2-5 days (rush orders: 10-24 h); until then the PO is New.
    ack_lag = (10 + 14 * u[4]) * HOUR if kind == "rush" else (2 + 3 * u[4]) * DAY
    ack_at = created + int(ack_lag)
    changed_at = change_kind = changed_fc = None
    if u[5] < 0.12:  # Amazon changes the PO before the vendor acknowledges it
        changed_at = created + HOUR // 2 + int(v[1] * (ack_lag * 0.8 - HOUR // 2))
        change_kind = _CHANGE_KINDS[int(v[2] * len(_CHANGE_KINDS))]
        if change_kind == "ship_to":
            others = [code for code in _FC_CODES if code != fc.party_id]
            changed_fc = FULFILMENT_CENTRES[others[int(v[3] * len(others))]]
    shift = 2 * DAY if change_kind == "window" else 0
    first_receipt = delivery[0] + shift + 6 * HOUR + int(v[4] * delivery_days * DAY / 2)
    return PoHeader(
        index=index,
        seed=world.seed,
        vendor_code=world.vendor_codes[int(u[6] * len(world.vendor_codes))],
        kind=kind,
        created=created,
        fc=fc,
        ship_window=ship,
        delivery_window=delivery,
        changed_at=changed_at,
        change_kind=change_kind,
        changed_fc=changed_fc,
        ack_at=ack_at,
        rejected_all=u[7] < 0.02,
        first_receipt=first_receipt,
        close_at=delivery[1] + shift + int((1 + 4 * v[5]) * DAY),
    )


@lru_cache(maxsize=2_048)
def purchase_order(world: World, index: int) -> PurchaseOrder:
    """The full PO `index`, lines included."""
    head = header(world, index)
    rng = random.Random(digest(world.seed, "po-lines", index))
    catalogue = products_for(world.seed, head.vendor_code)
    pool = [p for p in catalogue if p.new] if head.kind == "npi" else list(catalogue)
    low, high = (world.lines_per_po,) * 2 if world.lines_per_po else _SHAPE[head.kind][4]
    chosen = rng.sample(pool, min(len(pool), rng.randint(low, high)))
    lines = [_line(rng, head.kind, seq, product) for seq, product in enumerate(chosen, start=1)]
    if head.change_kind in ("quantity", "cancel_line"):
        pick = rng.randrange(len(lines))
        line = lines[pick]
        # Amazon cancels a line (quantity 0) only when others remain; else it halves one.
        cancel = head.change_kind == "cancel_line" and len(lines) > 1
        lines[pick] = replace(line, changed_quantity=0 if cancel else max(1, line.quantity // 2))
    if not head.rejected_all and all(
        line.hist_accept == 0.0 or line.changed_quantity == 0 for line in lines
    ):
        # Only a PO the vendor rejected outright closes at acknowledgement (the header says
        # so); every other PO accepts at least one line.
        pick = next(i for i, line in enumerate(lines) if line.changed_quantity != 0)
        lines[pick] = replace(lines[pick], hist_accept=1.0)
    deal_code = None
    if head.kind == "bulk":
        deal_code = f"DEAL-{rng.randint(10000, 99999)}"
        lines = [_discounted(line, rng.uniform(0.85, 0.92)) for line in lines]
    import_details = None
    if head.kind == "import":
        terms, payment = rng.choice(_INCOTERMS)
        import_details = {
            "methodOfPayment": payment,
            "internationalCommercialTerms": terms,
            "importContainers": rng.choice(_CONTAINERS),
            "shippingInstructions": "Palletised, max. pallet height 1.8 m; CE documents "
            "in the container.",
        }
        if terms == "FreeOnBoard":  # Amazon sends portOfDelivery only with FOB
            import_details["portOfDelivery"] = rng.choice(_PORTS)
    # Amazon sends a deliveryWindow (vendor delivers), a shipWindow (Amazon collects; always
    # for imports) or, on some accounts, both.
    shown = rng.random()
    windows = "ship" if head.kind == "import" or shown < 0.25 else "delivery"
    # Separate hashes, not `rng`: these options must not change the rest of a seed's POs.
    foreign = _share(world.seed, _SALT_CURRENCY, index) < world.foreign_currency_rate
    return PurchaseOrder(
        header=head,
        window_fields="both" if head.kind != "import" and shown > 0.85 else windows,
        po_type=_TYPE[head.kind],
        payment_method="Consignment" if head.kind == "consigned" else "Invoice",
        deal_code=deal_code,
        import_details=import_details,
        lines=tuple(_priced(world, index, line) for line in lines),
        currency=world.foreign_currency if foreign else world.currency,
    )


_SALT_CURRENCY, _SALT_WEIGHT, _SALT_NO_COST = 0x43555252, 0x57474854, 0x4E4F4353
WEIGHT_UNITS = ("POUNDS", "OUNCES", "GRAMS", "KILOGRAMS")


def _share(seed: int, salt: int, index: int, seq: int = 0) -> float:
    """A fraction in [0, 1) fixed by (seed, salt, PO index, line)."""
    return _mix64(_mix64(seed ^ salt) ^ (index * 64 + seq)) / 2**64


def _priced(world: World, index: int, line: Line) -> Line:
    """The line's pricing: per weight unit (the product's, or at `weight_price_rate` one of
    Amazon's four), and without netCost at `no_net_cost_rate`."""
    unit = line.product.weight_unit
    share = _share(world.seed, _SALT_WEIGHT, index, line.seq)
    if unit is None and share < world.weight_price_rate:
        unit = WEIGHT_UNITS[int(share / world.weight_price_rate * len(WEIGHT_UNITS))]
    missing = _share(world.seed, _SALT_NO_COST, index, line.seq) < world.no_net_cost_rate
    if unit is None and not missing:
        return line
    return replace(line, weight_unit=unit, without_net_cost=missing)


def _line(rng: random.Random, kind: str, seq: int, product: Product) -> Line:
    cases = product.case_size > 1
    if kind in ("bulk", "import"):
        quantity = rng.randint(200, 2000) if kind == "bulk" else rng.randint(50, 500)
    elif kind == "rush":
        quantity = rng.randint(1, 8)
    else:
        quantity = rng.randint(1, 40) if cases else rng.randint(2, 120)
    outcome = rng.random()
    accept = 1.0 if outcome < 0.82 else (rng.uniform(0.4, 0.9) if outcome < 0.9 else 0.0)
    return Line(
        seq=seq,
        product=product,
        unit="Cases" if cases else "Eaches",
        unit_size=product.case_size,
        quantity=quantity,
        changed_quantity=None,
        net_cost=product.net_cost,
        hist_accept=accept,
        hist_backorder=accept == 1.0 and product.backorder_allowed and rng.random() < 0.08,
        hist_received=1.0 if rng.random() < 0.9 else rng.uniform(0.7, 0.98),
    )


def _discounted(line: Line, factor: float) -> Line:
    cost = (line.net_cost * Decimal(str(round(factor, 4)))).quantize(Decimal("0.01"))
    return replace(line, net_cost=cost)
