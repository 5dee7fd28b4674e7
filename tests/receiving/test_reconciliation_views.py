"""The reconciliation pages and the CSV, on orders shipped and received in the database
(only the pages are tested here; the sync has its end-to-end tests)."""

import csv
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from asn.models import AsnStatus, AsnSubmission, Shipment, ShipmentLine
from receiving.models import LineReceipt, OrderReceiving, ReceiveStatus
from tests.support.asn import acknowledged_order

pytestmark = pytest.mark.django_db

RECEIVED_AT = datetime(2026, 11, 20, 9, tzinfo=UTC)


def shipped(shop, group, number: str, received: dict[int, int] | None):
    """An acknowledged order, shipped in full in `group` (ASN accepted), received as given
    (row position → eaches; None: nothing heard from Amazon yet)."""
    order = acknowledged_order(shop, number)
    rows = list(order.rows.all())
    shipment = Shipment.objects.create(group=group, order=order)
    for row in rows:
        ShipmentLine.objects.create(shipment=shipment, row=row, quantity=row.quantity)
        if received is not None:
            got = received.get(row.position, row.quantity)
            LineReceipt.objects.create(
                shop=shop,
                order=order,
                row=row,
                receive_status=ReceiveStatus.RECEIVED
                if got >= row.quantity
                else ReceiveStatus.PARTIALLY_RECEIVED,
                received_quantity=got,
                last_receive_date=RECEIVED_AT,
            )
    if received is not None:
        OrderReceiving.objects.create(
            shop=shop,
            order=order,
            fully_received=all(received.get(r.position, r.quantity) >= r.quantity for r in rows),
        )
    if not group.submissions.filter(status=AsnStatus.SUCCESS).exists():
        AsnSubmission.objects.create(
            group=group,
            confirmation_type="Original",
            asn_number=group.code,
            status=AsnStatus.SUCCESS,
            payload={},
        )
    return order


def test_the_list_shows_what_is_at_risk_and_filters(admin_client, shop, group):
    shipped(shop, group, "PO-FULL", {})
    shipped(shop, group, "PO-SHORT", {1: 10})  # row 1: 12 shipped, 10 received at 18.40
    shipped(shop, group, "PO-TRANSIT", None)
    url = reverse("receiving:reconciliation-list", args=[shop.pk])

    page = admin_client.get(url).content.decode()
    assert all(f'data-recon-order="{n}"' in page for n in ("PO-FULL", "PO-SHORT", "PO-TRANSIT"))

    risky = admin_client.get(url, {"at_risk": "on"}).content.decode()
    assert 'data-recon-order="PO-SHORT"' in risky
    assert 'data-recon-order="PO-FULL"' not in risky and "PO-TRANSIT" not in risky
    assert "36.80" in risky  # 2 × 18.40 at risk

    received = admin_client.get(url, {"status": "RECEIVED"}).content.decode()
    assert 'data-recon-order="PO-FULL"' in received and "PO-SHORT" not in received
    assert "PO-FULL" not in admin_client.get(url, {"fc": "XXX1"}).content.decode()


def test_bad_filters_are_refused_with_a_message(admin_client, shop):
    url = reverse("receiving:reconciliation-list", args=[shop.pk])
    response = admin_client.get(url, {"ordered_from": "2026-12-01", "ordered_to": "2026-11-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    export = reverse("receiving:reconciliation-export", args=[shop.pk])
    assert admin_client.get(export, {"fc": "=cmd"}).status_code == 400


def test_the_list_has_a_query_budget(admin_client, shop, group):
    url = reverse("receiving:reconciliation-list", args=[shop.pk])
    shipped(shop, group, "PO-B1", {1: 11})
    admin_client.get(url)  # the session's first request costs a few more
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for n in range(2, 8):
        shipped(shop, group, f"PO-B{n}", {1: 11})
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) == len(few) <= 25


def test_the_csv_has_a_line_per_po_line_and_no_formulas(admin_client, shop, group):
    order = shipped(shop, group, "PO-CSV", {1: 10})
    order.rows.filter(position=1).update(title='=HYPERLINK("http://x")')
    response = admin_client.get(reverse("receiving:reconciliation-export", args=[shop.pk]))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="reconciliation-')
    rows = list(csv.DictReader(StringIO(response.content.decode())))
    assert [r["Line"] for r in rows] == ["1", "2"]
    first = rows[0]
    assert first["Title"] == '\'=HYPERLINK("http://x")'
    assert (first["Shipped (ASN)"], first["Received"], first["At risk"]) == ("12", "10", "2")
    assert Decimal(first["At risk value"]) == Decimal("36.80")
    assert first["Invoiced"] == first["Credited"] == "0"  # no invoice yet
    assert first["To invoice"] == "10"  # received, not invoiced


def test_the_group_page_and_the_order_panel(admin_client, shop, group):
    order = shipped(shop, group, "PO-PANEL", {2: 3})
    group_page = admin_client.get(
        reverse("receiving:group-reconciliation", args=[shop.pk, group.pk])
    ).content.decode()
    assert 'data-recon-po="PO-PANEL"' in group_page and "66.30" in group_page  # 3 × 22.10

    order_page = admin_client.get(
        reverse("orders:order-detail", args=[shop.pk, order.pk])
    ).content.decode()
    assert 'id="receiving"' in order_page and "Partially received" in order_page


def test_an_order_not_shipped_has_no_receiving_panel(admin_client, shop, asn_connection):
    order = acknowledged_order(shop, "PO-NOSHIP")
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    assert 'id="receiving"' not in page.content.decode()


def test_a_line_without_a_price_is_shown_missing_and_left_out_of_the_money(
    admin_client,
    shop,
    group,
):
    order = shipped(shop, group, "PO-NOCOST", {1: 10})  # row 1: 12 shipped, 10 received
    order.rows.filter(position=1).update(unit_price=None)  # Amazon sent no net cost
    url = reverse("receiving:reconciliation-list", args=[shop.pk])

    page = admin_client.get(url, {"at_risk": "on"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-recon-order="PO-NOCOST"' in html
    export = admin_client.get(reverse("receiving:reconciliation-export", args=[shop.pk]))
    rows = list(csv.reader(StringIO(export.content.decode())))
    (line,) = [r for r in rows[1:] if r[0] == "PO-NOCOST" and r[2] == "1"]
    assert "None" not in line
    group_page = admin_client.get(
        reverse("receiving:group-reconciliation", args=[shop.pk, group.pk])
    ).content.decode()
    assert "data-price-missing" in group_page and "(priced lines)" in group_page
