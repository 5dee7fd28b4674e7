"""The order page of a realistic Amazon order: everything it shows, in a number of queries
that is bounded and does not grow with the order's rows, acknowledgements, alerts or
history (issue #19: each page at about 25-30 ms of server CPU; bench/order_page.py)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from amazon1p.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckStatus,
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
)
from bulkbuy.models import OrderLink
from invoicing.models import InvoiceSettings, InvoiceStatus
from invoicing.services import invoice_create_from_group
from orders.models import Channel, Order, PurchaseType
from orders.services import RowInput, order_credit_row_add, order_parameter_set
from receiving.models import OrderReceiving
from shops.alerts import AlertGroup, alerts_group_raise
from shops.models import AlertSeverity, CreditReason
from shops.services import alert_raise
from tests.support.factories import make_order
from tests.support.invoicing import shipped_in_db

pytestmark = pytest.mark.django_db

# The order page of a shipped Amazon order with every panel, as the shop's owner sees it
# (every form) and as a viewer does: session, user, shop and roles (4); the order with its
# Amazon PO, Bulk Buy link and receiving state, its rows, credit rows and parameters (4);
# the catalogue's titles; the PO's versions; the acknowledgements and their lines; the
# Amazon settings and their acknowledgeable statuses; what accepted ASNs shipped, the
# receipts and what invoices billed; the layout's alert count and shop list (2); the order's
# alerts; its history; and for the owner the choices of two forms (credit reasons, Bulk
# Buy offers). The Bulk Buy link found discrepancies: no offer, no lines to read. Before
# issue #19 the owner's page took 46 queries for the small order, 48 for the big one.
OWNER_BUDGET = 22
VIEWER_BUDGET = 20
# A manual order: no Amazon PO, so no panel reads anything.
MANUAL_BUDGET = 14


def _row(n: int) -> RowInput:
    return RowInput(
        ean=f"40063813339{n:02d}",
        sku=f"SKU-{n}",
        title=f"Product {n}",
        quantity=12 * n,
        unit_price=Decimal("18.40") + n,
    )


def _realistic(shop, group, actor, number: str, *, rows: int, acks: int, alerts: int) -> Order:
    """An Amazon order acknowledged (after `acks - 1` refused tries), shipped in `group`
    (ASN accepted), received short on its first row, with a PO changed at Amazon, a credit
    row, a parameter, a Bulk Buy check that found discrepancies, `alerts` alerts on it and a
    grouped alert counting it, and the audit entries all that wrote."""
    order = shipped_in_db(shop, group, number, {1: 10}, rows=[_row(n) for n in range(1, rows + 1)])
    apo = AmazonPurchaseOrder.objects.get(order=order)
    for version in (1, 2):
        AmazonPurchaseOrderVersion.objects.create(
            purchase_order=apo,
            version=version,
            content_hash=f"{number}-{version}",
            diff=[] if version == 1 else [{"field": "items[1].quantity", "old": 10, "new": 12}],
        )
    for attempt in range(acks - 1):
        refused = Acknowledgement.objects.create(
            shop=shop,
            order=order,
            purchase_order=apo,
            status=AckStatus.ERROR,
            acknowledgement_date=timezone.now(),
            payload={},
            errors=[{"code": "InvalidInput", "message": f"Try {attempt} refused"}],
            finished_at=timezone.now(),
        )
        for row in order.rows.all():
            AcknowledgementLine.objects.create(
                acknowledgement=refused,
                row=row,
                item_sequence_number=str(row.position),
                accepted=row.quantity,
            )
    reason = CreditReason.objects.get(shop=shop, name="Out of stock")
    first = order.rows.get(position=1)
    order_credit_row_add(actor=actor, order=order, row=first, quantity=1, reason=reason)
    order_parameter_set(actor=actor, order=order, key="WarehouseNote", value="Ramp 4")
    Order.objects.filter(pk=order.pk).update(purchase_type=PurchaseType.UNDEFINED)
    OrderLink.objects.create(order=order, discrepancies=[f"{number}: no offer for row 1"])
    OrderReceiving.objects.create(shop=shop, order=order, shortage_alerted_at=timezone.now())
    for n in range(alerts):
        alert_raise(
            shop=shop,
            severity=AlertSeverity.WARNING,
            message=f"{number}: alert {n}",
            target=order,
            kind="receiving",
        )
    alerts_group_raise(
        shop=shop,
        groups=[
            AlertGroup(
                key=f"backorders-{number}",
                kind="acknowledgement",
                severity=AlertSeverity.INFO,
                message=f"{number} counted in a grouped alert",
                item_model=Order,
                object_ids=[order.pk],
            )
        ],
    )
    return order


@pytest.fixture
def orders(shop, group, admin_user):
    """A small and a big realistic order in one group shipment, invoiced (Amazon accepted)."""
    small = _realistic(shop, group, admin_user, "PO-PAGE-S", rows=2, acks=1, alerts=1)
    big = _realistic(shop, group, admin_user, "PO-PAGE-B", rows=6, acks=4, alerts=3)
    InvoiceSettings.objects.create(
        shop=shop,
        legal_name="Acme Kitchen GmbH",
        remit_to_party_id="VNDR1",
        address_line1="Industriestraße 5",
        city="Leipzig",
        country_code="DE",
        tax_registration_number="DE123456789",
    )
    invoice = invoice_create_from_group(group=group, basis="shipped", actor=admin_user)
    invoice.status = InvoiceStatus.ACCEPTED
    invoice.save(update_fields=["status"])
    return small, big


def _page(client, order) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("orders:order-detail", args=[order.shop_id, order.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_the_page_shows_every_panel_of_a_realistic_order(orders, admin_client):
    small, _ = orders
    html, _ = _page(admin_client, small)
    for marker in (
        'id="acknowledgement"',  # acknowledgement panel, with Amazon's verdict
        'data-ack-status="success"',
        'id="receiving"',  # receiving: row 1 received short
        "Partially received",
        # 10 + 24 eaches invoiced: row 1 shipped 12, and the shipped basis bills no more
        # than the FC counted (10) once it has counted it
        "data-invoiced-total>34<",
        'id="bulk-buy"',
        "PO-PAGE-S: no offer for row 1",
        'id="amazon-po"',
        "items[1].quantity",
        "PO-PAGE-S: alert 0",  # alerts on the order, and the grouped one counting it
        "PO-PAGE-S counted in a grouped alert",
        "order.credit_row.create",  # history
        "WarehouseNote",
        "Add credit row",  # the owner's forms
        'data-action="link-offer"',
    ):
        assert marker in html, marker


def test_the_page_reads_an_order_in_a_fixed_number_of_queries(orders, admin_client, viewer_client):
    """Three times the rows, acknowledgements and alerts: not one query more."""
    small, big = orders
    for client, budget in ((admin_client, OWNER_BUDGET), (viewer_client, VIEWER_BUDGET)):
        _page(client, small)  # a first request may read what later ones have cached
        _, small_queries = _page(client, small)
        big_html, big_queries = _page(client, big)
        assert small_queries == big_queries <= budget
        assert big_html.count('data-recon-line="') == 6
        assert "Earlier acknowledgements (3)" in big_html
        assert big_html.count("PO-PAGE-B: alert") == 3


def test_a_manual_order_reads_fewer(shop, admin_client, django_assert_max_num_queries):
    order = make_order(shop, "M-PAGE", channel=Channel.MANUAL)
    url = reverse("orders:order-detail", args=[shop.pk, order.pk])
    admin_client.get(url)
    with django_assert_max_num_queries(MANUAL_BUDGET):
        response = admin_client.get(url)
    assert response.status_code == 200 and 'id="bulk-buy"' not in response.content.decode()
