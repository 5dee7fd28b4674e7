"""Issue #19: a PO with a line Amazon cancelled, imported by the historical sync, keeps the
row at its first quantity with a credit row for the cancelled part; acknowledging it answers
with the quantities Amazon now holds (a cancelled line: 0 ordered, 0 rejected), and the credit
row is not counted again as a rejection."""

import pytest
from django.urls import reverse

from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.models import Acknowledgement, AckStatus, AmazonPurchaseOrder, SyncKind, SyncStatus
from amazon1p.spapi.parsing import parse_purchase_order
from core.errors import ShopCtrlError
from orders.models import CreditRow
from tests.support.acknowledgements import USED_PO_NUMBERS, acknowledgement_posts, deliver
from tests.support.amazon import days_ago, vendor_client_for

pytestmark = pytest.mark.django_db


def _historical_import(shop, sim):
    run, _ = sync_run_request(
        shop=shop,
        kind=SyncKind.HISTORICAL,
        range_from=days_ago(2),  # two days: POs with a cancelled line to spare
        range_to=days_ago(0),
        enqueue=False,
    )
    with vendor_client_for(sim) as client:
        run = sync_run_execute(run_id=run.pk, client=client)
    assert run.status == SyncStatus.SUCCEEDED, run.error


def _order_with_a_cancelled_line(shop, connected, *, fully=True):
    """A New PO, not acknowledged yet, with a line Amazon cancelled (to 0, if `fully`) and
    credited."""
    credits = CreditRow.objects.filter(
        order__shop=shop,
        reason=connected.credit_reason_cancelled,
        order__amazon_po__state="New",
        order__main_status__in=connected.acknowledgeable_statuses.all(),
    ).exclude(order__amazon_po__po_number__in=USED_PO_NUMBERS)
    for credit in credits.select_related("order", "row").order_by("order__number"):
        po = parse_purchase_order(credit.order.amazon_po.raw)
        ordered = po.items[credit.row.position - 1].ordered_quantity.eaches
        if ordered == 0 or (not fully and ordered < credit.row.quantity):
            USED_PO_NUMBERS.add(credit.order.number)
            return credit.order, credit.row
    raise AssertionError("the simulator cancelled no line of a New PO in the window")


def test_historical_po_with_a_cancelled_line_is_acknowledged_with_amazons_quantities(
    connected, shop, admin_client, sim, api
):
    _historical_import(shop, sim)
    order, cancelled_row = _order_with_a_cancelled_line(shop, connected)
    assert cancelled_row.quantity > 0  # the first quantity, credited in full
    credits_before = CreditRow.objects.filter(order=order).count()
    data = {}
    for row in order.rows.all():  # the page's form, every row at its open quantity
        credited = sum(c.quantity for c in row.credit_rows.all())
        data.update(
            {
                f"quantity_{row.pk}": row.quantity - credited,
                f"mode_{row.pk}": "accept",
                f"reason_{row.pk}": "TemporarilyUnavailable",
            }
        )

    url = reverse("amazon1p:acknowledge-lines", args=[shop.pk, order.pk])
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert CreditRow.objects.filter(order=order).count() == credits_before
    ack = deliver(Acknowledgement.objects.get(order=order), api)
    assert ack.status == AckStatus.SUCCESS, ack.errors
    line = ack.lines.get(row=cancelled_row)
    assert (line.accepted, line.backordered, line.rejected) == (0, 0, 0)
    po = parse_purchase_order(AmazonPurchaseOrder.objects.get(order=order).raw)
    sent = {i["itemSequenceNumber"]: i for i in ack.payload["items"]}
    for item, row in zip(po.items, order.rows.order_by("position"), strict=True):
        said = sent[item.sequence_number]["itemAcknowledgements"]
        if row == cancelled_row:
            assert sent[item.sequence_number]["orderedQuantity"]["amount"] == 0
            said = [(e["acknowledgementCode"], e["acknowledgedQuantity"]["amount"]) for e in said]
            assert said == [("Rejected", 0)]
        # Every line answers what Amazon orders now, no more (the credit row is not re-counted).
        answered = ack.lines.get(row=row)
        total = answered.accepted + answered.backordered + answered.rejected
        assert total == item.ordered_quantity.eaches
        credited = sum(c.quantity for c in row.credit_rows.all())
        assert answered.rejected == credited - (row.quantity - total)

    # Run twice: the outbox sends once; a second historical import adds no credit rows.
    deliver(ack, api)
    assert acknowledgement_posts(sim, order.number) == 1
    _historical_import(shop, sim)
    assert CreditRow.objects.filter(order=order).count() == credits_before


def test_a_cancelled_part_not_credited_is_refused_with_the_reason(connected, shop, admin_user, sim):
    _historical_import(shop, sim)
    order, cancelled_row = _order_with_a_cancelled_line(shop, connected, fully=False)
    CreditRow.objects.filter(row=cancelled_row, reason=connected.credit_reason_cancelled).delete()

    with pytest.raises(ShopCtrlError, match="credit what Amazon cancelled first"):
        acknowledgement_request(actor=admin_user, order=order)

    assert not Acknowledgement.objects.filter(order=order).exists()
