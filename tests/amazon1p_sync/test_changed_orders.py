"""A PO Amazon changes after import (here: acknowledged in the simulator) is picked up by the
changed-orders run: new version with its diff, order updated, staff edits kept with an alert."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from amazon1p.importing.models import AmazonPurchaseOrder, SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.spapi.types import (
    AcknowledgementItem,
    ItemAcknowledgement,
    OrderAcknowledgement,
    PurchaseOrder,
)
from orders.models import Order
from shops.models import Alert, OrderStatus
from simulator import SimulatorConfig
from tests.support.amazon import days_ago, vendor_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    """Its own simulator: acknowledgements change its state for good."""
    return SimulatorConfig(seed=23, orders_per_day=48, transaction_delay=0.1, rate_limits=False)


def _accept_all(po: PurchaseOrder) -> OrderAcknowledgement:
    assert po.selling_party is not None
    return OrderAcknowledgement(
        purchase_order_number=po.number,
        selling_party=po.selling_party,
        acknowledgement_date=datetime.now(UTC),
        items=tuple(
            AcknowledgementItem(
                sequence_number=item.sequence_number,
                asin=item.asin,
                vendor_product_id=item.vendor_product_id,
                ordered_quantity=item.ordered_quantity,
                net_cost=item.net_cost,
                acknowledgements=(ItemAcknowledgement("Accepted", item.ordered_quantity),),
            )
            for item in po.items
        ),
    )


def _acknowledge(sim, numbers: list[str]) -> None:
    with vendor_client_for(sim) as client:
        pos = []
        for number in numbers:
            po = client.get_purchase_order(number)
            assert isinstance(po, PurchaseOrder), po
            pos.append(po)
        transaction_id = client.submit_acknowledgements([_accept_all(po) for po in pos])
        deadline = time.monotonic() + 10
        while not client.get_transaction(transaction_id).is_final:
            assert time.monotonic() < deadline, "the acknowledgement never finished"
            time.sleep(0.1)
        assert client.get_transaction(transaction_id).status == "Success"


def _run(shop, sim, kind, start, end):
    run, _ = sync_run_request(shop=shop, kind=kind, range_from=start, range_to=end, enqueue=False)
    with vendor_client_for(sim) as client:
        return sync_run_execute(run_id=run.pk, client=client)


def test_changed_po_adds_a_version_updates_the_order_and_keeps_staff_edits(
    connected, shop, sim, admin_client
):
    start, end = days_ago(1), days_ago(0)
    first = _run(shop, sim, SyncKind.NEW, start, end)
    assert first.status == SyncStatus.SUCCEEDED, first.error
    edited, untouched = (
        AmazonPurchaseOrder.objects.filter(shop=shop, state="New")
        .select_related("order")
        .order_by("po_number")[:2]
    )
    on_hold = OrderStatus.objects.get(shop=shop, name="On hold")
    Order.objects.filter(pk=edited.order_id).update(main_status=on_hold)  # a staff edit

    acknowledged_at = datetime.now(UTC) - timedelta(seconds=5)
    _acknowledge(sim, [edited.po_number, untouched.po_number])
    run = _run(shop, sim, SyncKind.CHANGED, acknowledged_at, datetime.now(UTC))

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.changed_count >= 2 and run.new_count == 0
    for apo in (edited, untouched):
        first_payload = apo.raw
        versions = list(apo.versions.order_by("version"))
        assert [v.version for v in versions] == [1, 2]
        assert {"field": "purchaseOrderState", "old": "New", "new": "Acknowledged"} in versions[
            1
        ].diff
        apo.refresh_from_db()
        assert apo.state == "Acknowledged"
        # Every version keeps its payload; the latest one's lives on the PO, stored once.
        assert versions[0].raw == versions[0].payload == first_payload
        assert versions[1].raw is None and versions[1].payload == apo.raw != first_payload
    assert Order.objects.get(pk=untouched.order_id).main_status.name == "Acknowledged"
    assert Order.objects.get(pk=edited.order_id).main_status == on_hold
    conflict = Alert.objects.get(shop=shop, message__contains="staff edited")
    assert conflict.target_id == str(edited.order_id)

    again = _run(shop, sim, SyncKind.CHANGED, acknowledged_at, datetime.now(UTC))
    assert again.changed_count == 0  # run twice: nothing new, no third version
    assert edited.versions.count() == 2

    # The order page shows both versions and what changed between them.
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, untouched.order_id]))
    html = page.content.decode()
    assert (
        page.status_code == 200
        and f'Amazon purchase order <span class="mono">{untouched.po_number}' in html
    )
    assert "v2" in html and "v1" in html and "<code>purchaseOrderState</code>: New" in html
    assert "<strong>Acknowledged</strong>" in html
