"""In a real browser, with a real Celery worker and the simulator: a warehouse user packs two
acknowledged orders into one group shipment, prints its labels and sends the ASN, which the
page follows to Amazon's Success."""

import re
from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.importing.models import AmazonPurchaseOrder, SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from asn.models import AsnStatus, AsnSubmission, GroupShipment, Warehouse
from shops.models import OrderStatus
from tests.support.acknowledgements import deliver
from tests.support.amazon import connect, days_ago, vendor_client_for
from tests.support.factories import UserFactory, add_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(seed=53, orders_per_day=120, transaction_delay=0.2, rate_limits=False)


@pytest.fixture
def two_acknowledged_orders(shop, sim):
    """Two imported POs to the same FC, acknowledged in full at the simulator."""
    connection = connect(shop, sim)
    connection.acknowledge_orders = True
    connection.export_shipments = True
    connection.gs1_company_prefix = "4012345"
    connection.save()
    connection.acknowledgeable_statuses.set(OrderStatus.objects.filter(shop=shop))
    with vendor_client_for(sim) as api:
        run, _ = sync_run_request(
            shop=shop,
            kind=SyncKind.NEW,
            range_from=days_ago(1),
            range_to=days_ago(0),
            enqueue=False,
        )
        assert sync_run_execute(run_id=run.pk, client=api).status == SyncStatus.SUCCEEDED
        by_fc = defaultdict(list)
        for apo in AmazonPurchaseOrder.objects.filter(shop=shop, state="New").order_by("po_number"):
            by_fc[apo.raw["orderDetails"]["shipToParty"]["partyId"]].append(apo)
        fc, pos = max(by_fc.items(), key=lambda item: len(item[1]))
        assert len(pos) >= 2
        for apo in pos[:2]:
            ack = acknowledgement_request(actor=None, order=apo.order)
            assert deliver(ack, api).status == "success"
    Warehouse.objects.create(
        shop=shop,
        code="WH1",
        name="Main warehouse",
        address_line="Industriestraße 5",
        postal_code="04109",
        city="Leipzig",
        country="DE",
    )
    return fc, [apo.order for apo in pos[:2]]


def test_warehouse_packs_two_orders_and_sends_the_asn(
    live_server,
    shop,
    sim,
    two_acknowledged_orders,
    worker,
    browser_page,
):
    fc, (first, second) = two_acknowledged_orders
    staff = UserFactory(username="packer-pia")
    staff.set_password("pw-Secret-123")
    staff.save()
    add_member(shop, staff, "Warehouse")
    page = browser_page

    page.goto(f"{live_server.url}/shops/{shop.pk}/shipments/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", staff.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Group shipments")).to_be_visible()

    # A new group shipment to the orders' FC, shipped an hour ago.
    page.select_option("#id_fc_code", fc)
    page.select_option("#id_shipment_type", "LessThanTruckLoad")
    page.fill("#id_carrier_scac", "DHLX")
    page.fill("#id_bill_of_lading", "BOL-77001")
    shipped = timezone.localtime(timezone.now() - timedelta(hours=1))
    page.fill("#id_shipped_at", shipped.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("created: add its orders")).to_be_visible()
    group = GroupShipment.objects.get(shop=shop)

    for order in (first, second):
        page.select_option("#id_order", label=order.number)
        page.get_by_role("button", name="Add order").click()
        expect(page.get_by_text(f"Order {order.number} added")).to_be_visible()

    # One pallet, one carton on it; everything into the carton.
    page.select_option("#id_kind", "pallet")
    page.locator("[data-action=container-add]").click()
    expect(page.get_by_text(re.compile(r"Pallet \d{18} added"))).to_be_visible()
    page.select_option("#id_kind", "carton")
    page.locator("#id_pallet").select_option(index=1)
    page.locator("[data-action=container-add]").click()
    expect(page.get_by_text(re.compile(r"Carton \d{18} added"))).to_be_visible()
    carton = group.containers.get(kind="carton")
    page.get_by_label("Place everything in").select_option(str(carton.pk))
    page.locator("[data-action=place-all]").click()
    expect(page.get_by_test_id("preflight-ok")).to_be_visible()

    # The labels print, as PDF.
    with page.expect_response(re.compile("carton_label")) as answer:
        page.evaluate(
            "url => fetch(url).then(r => r.status)",
            f"{live_server.url}/shops/{shop.pk}/shipments/{group.pk}/documents/carton_label/",
        )
    assert answer.value.headers["content-type"] == "application/pdf"

    page.locator("[data-action=asn-submit]").click()
    expect(page.get_by_text("is on its way to Amazon")).to_be_visible()
    # The panel polls until Amazon decides, then the page reloads with the new status.
    expect(page.locator("[data-group-status]")).to_have_attribute(
        "data-group-status", "confirmed", timeout=30_000
    )
    expect(page.locator("[data-asn-status]")).to_have_attribute("data-asn-status", "success")

    sent = AsnSubmission.objects.get(group=group)
    assert sent.status == AsnStatus.SUCCESS and sent.asn_number == "BOL-77001"
    assert sent.created_by == staff
    shipped_pos = {i["itemDetails"]["purchaseOrderNumber"] for i in sent.payload["shippedItems"]}
    assert shipped_pos == {first.number, second.number}
