"""Fill rate and receiving accuracy from the receiving data, with known answers
(docs/metrics.md): the roll-up, the page, the drill-down and the CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from cockpit.models import DailyFc, OrderFact
from cockpit.rollup import rollup_day
from orders.models import OrderRow
from receiving.models import LineReceipt, ReceiveStatus
from tests.support.cockpit import DAY, amazon_order, ship
from tests.support.web import web_client_for

H = timedelta(hours=1)
NOW = DAY + timedelta(days=10)  # the default 7 grace days after DAY + 3 days have passed


def _receive(order, *received):
    """Receipts per row: (status, eaches) or None for a row Amazon reports nothing on."""
    for row, receipt in zip(
        OrderRow.objects.filter(order=order).order_by("position"), received, strict=True
    ):
        if receipt:
            LineReceipt.objects.create(
                shop=order.shop,
                order=order,
                row=row,
                receive_status=receipt[0],
                received_quantity=receipt[1],
                last_receive_date=DAY + 50 * H,
            )


@pytest.fixture
def received(shop):
    """F: a line received in full, one received short (4 shipped, 3 received). G: shipped,
    nothing received, departed long ago (counts as 0). H: shipped yesterday, nothing
    received yet (left out). I: 7 of 8 shipped, all received in full before the grace days
    (counts). J: no ASN (left out)."""
    f = amazon_order(shop, "PO-F", at=DAY + 8 * H, units=(10, 4))
    ship(f, shipped_at=DAY + 20 * H, asn_at=DAY + 19 * H, quantities=(10, 4))
    _receive(f, (ReceiveStatus.RECEIVED, 10), (ReceiveStatus.PARTIALLY_RECEIVED, 3))
    g = amazon_order(shop, "PO-G", at=DAY + 9 * H, units=(6,))
    ship(g, shipped_at=DAY + 20 * H, asn_at=DAY + 19 * H, quantities=(6,))
    h = amazon_order(shop, "PO-H", at=DAY + 10 * H, units=(5,))
    ship(h, shipped_at=NOW - 24 * H, asn_at=NOW - 25 * H, quantities=(5,))
    i = amazon_order(shop, "PO-I", at=DAY + 11 * H, fc="MUC3", units=(8,))
    ship(i, shipped_at=NOW - 24 * H, asn_at=NOW - 25 * H, quantities=(7,))
    _receive(i, (ReceiveStatus.RECEIVED, 7))
    amazon_order(shop, "PO-J", at=DAY + 12 * H, units=(3,))
    return shop


def _facts():
    return {
        f.order.number: (f.receiving_counted, f.units_shipped, f.units_received)
        for f in OrderFact.objects.select_related("order")
    }


def test_received_in_full_short_and_not_yet(received):
    rollup_day(shop=received, day=DAY.date(), now=NOW)
    assert _facts() == {
        "PO-F": (True, 14, 13),
        "PO-G": (True, 6, 0),
        "PO-H": (False, 5, 0),
        "PO-I": (True, 7, 7),
        "PO-J": (False, 0, 0),
    }
    sums = [
        (d.received_ordered, d.received_shipped, d.units_received) for d in DailyFc.objects.all()
    ]
    assert sums == [(20, 20, 13), (8, 7, 7)]  # LEJ1 (F, G), MUC3 (I)


def test_before_the_grace_days_only_complete_receipts_count(received):
    rollup_day(shop=received, day=DAY.date(), now=DAY + 2 * 24 * H)
    counted = {number for number, (yes, _, _) in _facts().items() if yes}
    assert counted == {"PO-I"}  # F is received short, G not at all: both may still come


def test_rollup_twice_gives_the_same_receiving_rows(received):
    rollup_day(shop=received, day=DAY.date(), now=NOW)
    first = (_facts(), list(DailyFc.objects.values()))
    rollup_day(shop=received, day=DAY.date(), now=NOW)
    second = (_facts(), list(DailyFc.objects.values()))
    strip = [{k: v for k, v in row.items() if k != "id"} for row in first[1]]
    assert first[0] == second[0]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in second[1]]


@pytest.fixture
def rolled_up(received, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    rollup_day(shop=received, day=DAY.date(), now=NOW)
    return received


def test_page_shows_fill_rate_and_receiving_accuracy(admin_user, rolled_up):
    client = web_client_for(admin_user)
    response = client.get(reverse("cockpit:dashboard", args=[rolled_up.pk]))
    chart = {c["key"]: c for c in response.context["chart_data"]}["receiving"]
    at = chart["labels"].index(DAY.date().isoformat())
    fill, accuracy = chart["series"]
    assert (fill["values"][at], accuracy["values"][at]) == (71.4, 74.1)  # 20/28, 20/27
    assert chart["targets"] == []  # Amazon sets none
    page = response.content.decode()
    table = page[page.index('data-testid="table-receiving"') :]
    assert ">71.4</a>" in table and ">74.1</a>" in table  # the chart's table view
    fc_table = page[page.index('data-testid="fc-table"') :]
    assert "65.0 %" in fc_table and "87.5 %" in fc_table  # LEJ1 13 of 20, MUC3 7 of 8
    assert "No receiving data yet" not in page
    short = [o.number for o in client.get(fill["urls"][at]).context["page"].orders]
    assert sorted(short) == ["PO-F", "PO-G", "PO-I"]
    off = [o.number for o in client.get(accuracy["urls"][at]).context["page"].orders]
    assert sorted(off) == ["PO-F", "PO-G"]


def test_csv_has_fill_rate_and_receiving_accuracy(admin_user, rolled_up):
    base = reverse("cockpit:export", args=[rolled_up.pk])
    client = web_client_for(admin_user)
    rows = list(csv.reader(io.StringIO(client.get(f"{base}?table=periods").content.decode())))
    week = next(r for r in rows[1:] if r[0] == DAY.date().isoformat())
    head = rows[0]
    assert [week[head.index(k)] for k in ("fill_rate_pct", "receiving_accuracy_pct")] == [
        "71.4",
        "74.1",
    ]
    assert week[head.index("units_received")] == "20"
    fcs = list(csv.reader(io.StringIO(client.get(f"{base}?table=fcs").content.decode())))
    muc = next(r for r in fcs[1:] if r[0] == "MUC3")
    assert muc[fcs[0].index("fill_rate_pct")] == "87.5"  # 7 of 8


def test_a_receipt_weeks_after_the_po_rebuilds_its_older_day(received):
    from cockpit.services import cockpit_rollup_recent

    LineReceipt.objects.update(updated_at=NOW - 72 * H)  # older news: the window is enough
    cockpit_rollup_recent(now=NOW, days=3)
    assert not OrderFact.objects.filter(day=DAY.date()).exists()
    LineReceipt.objects.filter(order__number="PO-F").update(updated_at=NOW - H)
    cockpit_rollup_recent(now=NOW, days=3)  # DAY is 10 days back, outside the 3 days
    assert _facts()["PO-F"] == (True, 14, 13)
