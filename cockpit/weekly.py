"""The week's sums of the daily roll-ups: pure functions shared by `cockpit.rollup` (which
rebuilds a week whenever one of its days is rolled up) and the migration that first filled
the weekly rows. No models here, so that migration keeps working as the models change.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

ALL_FCS = "*"  # the fc_code of a week's all-FC row; FC codes are letters and digits


def hist_median(hist: Mapping[int, int]) -> float | None:
    """The median of the values a {value: count} histogram holds (the mean of the two
    middle ones for an even count, as `statistics.median`); None when it is empty."""
    total = sum(hist.values())
    if not total:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle
    low: int | None = None
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            assert low is not None  # low_rank <= high_rank: set on this value at the latest
            return (low + value) / 2
    raise AssertionError("unreachable: the counts add up to `total`")


def hist_pairs(hist: Mapping[int, int]) -> list[list[int]]:
    """A histogram as JSON: [value, count] pairs, ascending."""
    return [[value, hist[value]] for value in sorted(hist)]


def week_sums(daily: Iterable[Mapping], fields: Sequence[str]) -> dict[str, dict]:
    """Sum a week's DailyFc rows (dicts with `fc_code`, `ack_minutes` and `fields`) per FC
    and over all FCs (key ALL_FCS): each entry holds the sums, `ack_median_minutes` and
    `ack_minutes_hist` (empty for ALL_FCS, whose median is all the page needs)."""
    sums: dict[str, dict] = {}
    hists: dict[str, Counter] = {}
    for row in daily:
        for fc in (row["fc_code"], ALL_FCS):
            entry = sums.get(fc)
            if entry is None:
                entry = sums[fc] = dict.fromkeys(fields, 0)
                hists[fc] = Counter()
            for name in fields:
                entry[name] += row[name]
            hists[fc].update(row["ack_minutes"])
    for fc, entry in sums.items():
        entry["ack_median_minutes"] = hist_median(hists[fc])
        entry["ack_minutes_hist"] = [] if fc == ALL_FCS else hist_pairs(hists[fc])
    return sums
