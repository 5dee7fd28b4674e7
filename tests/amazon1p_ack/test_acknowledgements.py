"""Acknowledging POs end to end with the real client against the simulator: accept, partial
accept with credit rows, backorder, reject, re-acknowledgement rules, a failed transaction,
one stuck in Processing, and a worker killed between "sent" and "transaction stored"."""

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from amazon1p.acknowledgements import outbox
from amazon1p.acknowledgements.models import Acknowledgement, AckStatus, RejectionReason
from amazon1p.acknowledgements.outbox import Outcome, acknowledgement_check, acknowledgement_send
from amazon1p.acknowledgements.services import (
    LineDecision,
    acknowledgement_reject_all,
    acknowledgement_request,
)
from core.errors import ShopCtrlError
from orders.models import CreditRow
from orders.services import order_credit_row_add
from shops.models import Alert, CreditReason
from tests.support.acknowledgements import acknowledgement_posts, deliver, fresh_order
from tests.support.amazon import vendor_client_for

pytestmark = pytest.mark.django_db


def _status_items(api, order):
    """Amazon's per-line acknowledgement status of the order's PO, by sequence number."""
    po = order.amazon_po
    created = po.purchase_order_date
    pages = api.list_purchase_order_statuses(
        purchase_order_number=po.po_number,
        created_after=created - timedelta(hours=1),
        created_before=created + timedelta(hours=1),
    )
    return {item.sequence_number: item for page in pages for s in page.statuses for item in s.items}


def _amazon_state(api, order) -> str:
    return api.get_purchase_order(order.amazon_po.po_number).state


def test_accept_confirms_every_line_and_maps_the_status(connected, shop, admin_user, api, sim):
    order = fresh_order(shop)

    ack = acknowledgement_request(actor=admin_user, order=order)
    assert ack.status == AckStatus.PENDING and ack.lines.count() == order.rows.count()
    ack = deliver(ack, api)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    assert ack.transaction_id and ack.finished_at
    assert _amazon_state(api, order) == "Acknowledged"
    for item in _status_items(api, order).values():
        assert item.confirmation_status == "ACCEPTED"
        assert ack.acknowledgement_date in item.acknowledgement_dates
    order.refresh_from_db()
    assert order.main_status.name == "Acknowledged"
    assert order.payment_status.name == "Unpaid"
    assert acknowledgement_posts(sim, order.number) == 1


def test_partial_accept_sends_credited_quantities_as_rejected(connected, shop, admin_user, api):
    order = fresh_order(shop, where=lambda po: po.items[0].ordered_quantity.eaches > 1)
    row = order.rows.get(position=1)
    reason = CreditReason.objects.get(shop=shop, name="Rejected by Amazon")
    size = order.rows.get(position=1).case_size or 1
    order_credit_row_add(actor=admin_user, order=order, row=row, quantity=size, reason=reason)

    ack = acknowledgement_request(
        actor=admin_user,
        order=order,
        decisions={row.pk: LineDecision(rejection_reason=RejectionReason.OBSOLETE_PRODUCT)},
    )
    line = ack.lines.get(row=row)
    assert (line.accepted, line.rejected) == (row.quantity - size, size)
    assert line.rejection_reason == "ObsoleteProduct"
    assert deliver(ack, api).status == AckStatus.SUCCESS

    first = _status_items(api, order)[line.item_sequence_number]
    rejected = first.rejected_quantity
    assert rejected.eaches == size
    assert first.confirmation_status in ("PARTIALLY_ACCEPTED", "ACCEPTED")
    item = next(i for i in ack.payload["items"] if i["itemSequenceNumber"] == "1")
    parts = {p["acknowledgementCode"]: p for p in item["itemAcknowledgements"]}
    assert parts["Rejected"]["rejectionReason"] == "ObsoleteProduct"


def test_backorder_goes_out_with_its_dates(connected, shop, admin_user, api):
    order = fresh_order(shop, where=lambda po: po.items[0].is_back_order_allowed)
    row = order.rows.get(position=1)
    ship = timezone.localdate() + timedelta(days=10)
    decision = LineDecision(
        backorder=True, scheduled_ship_date=ship, scheduled_delivery_date=ship + timedelta(days=3)
    )

    ack = deliver(
        acknowledgement_request(actor=admin_user, order=order, decisions={row.pk: decision}), api
    )

    assert ack.status == AckStatus.SUCCESS, ack.errors
    item = next(i for i in ack.payload["items"] if i["itemSequenceNumber"] == "1")
    (part,) = item["itemAcknowledgements"]
    assert part["acknowledgementCode"] == "Backordered"
    assert part["scheduledShipDate"].startswith(ship.isoformat())


def test_backorder_is_refused_where_amazon_does_not_allow_it(connected, shop, admin_user):
    order = fresh_order(shop, where=lambda po: not po.items[0].is_back_order_allowed)
    row = order.rows.get(position=1)
    day = timezone.localdate() + timedelta(days=5)
    decision = LineDecision(backorder=True, scheduled_ship_date=day, scheduled_delivery_date=day)
    with pytest.raises(ShopCtrlError, match="does not allow a backorder"):
        acknowledgement_request(actor=admin_user, order=order, decisions={row.pk: decision})
    assert not Acknowledgement.objects.filter(order=order).exists()


def test_reject_credits_every_row_and_amazon_closes_the_po(connected, shop, admin_user, api):
    order = fresh_order(shop)

    ack = deliver(acknowledgement_reject_all(actor=admin_user, order=order), api)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    assert all(line.committed == 0 for line in ack.lines.all())
    credited = {c.row_id: c.quantity for c in CreditRow.objects.filter(order=order)}
    assert credited == {row.pk: row.quantity for row in order.rows.all()}
    assert _amazon_state(api, order) == "Closed"
    order.refresh_from_db()
    assert order.main_status.name == "Cancelled"
    assert order.payment_status.name == "Fully credited"  # the mapping for rejected POs


def test_reacknowledgement_may_lower_but_not_raise_and_rejected_stays_rejected(
    connected, shop, admin_user, api
):
    def two_cases_and_more(po) -> bool:  # row 1 is credited a case twice, and keeps some
        quantity = po.items[0].ordered_quantity
        return len(po.items) >= 2 and quantity.eaches > 2 * (quantity.unit_size or 1)

    order = fresh_order(shop, where=two_cases_and_more)
    first_row, second_row = order.rows.get(position=1), order.rows.get(position=2)
    reason = CreditReason.objects.get(shop=shop, name="Rejected by Amazon")
    size = first_row.case_size or 1
    order_credit_row_add(actor=admin_user, order=order, row=first_row, quantity=size, reason=reason)
    order_credit_row_add(
        actor=admin_user, order=order, row=second_row, quantity=second_row.quantity, reason=reason
    )
    first = deliver(acknowledgement_request(actor=admin_user, order=order), api)
    assert first.status == AckStatus.SUCCESS, first.errors

    # Lower: credit one more case of row 1, acknowledge again.
    order_credit_row_add(actor=admin_user, order=order, row=first_row, quantity=size, reason=reason)
    again = deliver(acknowledgement_request(actor=admin_user, order=order), api)
    assert again.status == AckStatus.SUCCESS, again.errors
    assert again.lines.get(row=first_row).accepted == first_row.quantity - 2 * size

    # Raise: the credit rows disappear (as through the admin); both rules refuse.
    CreditRow.objects.filter(order=order, row=first_row).delete()
    with pytest.raises(ShopCtrlError, match="may only lower quantities"):
        acknowledgement_request(actor=admin_user, order=order)
    order_credit_row_add(
        actor=admin_user, order=order, row=first_row, quantity=2 * size, reason=reason
    )
    CreditRow.objects.filter(order=order, row=second_row).delete()
    with pytest.raises(ShopCtrlError, match="stays rejected"):
        acknowledgement_request(actor=admin_user, order=order)
    assert Acknowledgement.objects.filter(order=order).count() == 2


def test_a_second_acknowledgement_is_refused_while_one_is_in_flight(connected, shop, admin_user):
    order = fresh_order(shop)
    acknowledgement_request(actor=admin_user, order=order)
    with pytest.raises(ShopCtrlError, match="on its way"):
        acknowledgement_request(actor=admin_user, order=order)


def test_order_in_a_status_not_acknowledgeable_is_refused(connected, shop, admin_user):
    connected.acknowledgeable_statuses.clear()
    with pytest.raises(ShopCtrlError, match="acknowledgeable"):
        acknowledgement_request(actor=admin_user, order=fresh_order(shop))


def test_failed_transaction_shows_amazons_errors_and_alerts(connected, shop, admin_user, api):
    order = fresh_order(shop)
    ack = acknowledgement_request(actor=admin_user, order=order)
    # As if our payload were wrong: Amazon refuses a zero net cost in its business checks.
    ack.payload["items"][0]["netCost"]["amount"] = "0.00"
    ack.save(update_fields=["payload"])

    ack = deliver(ack, api)

    assert ack.status == AckStatus.ERROR
    assert [e["code"] for e in ack.errors] == ["INVALID_NET_COST"]
    alert = Alert.objects.get(shop=shop, target_id=str(order.pk), severity="error")
    assert "zero" in alert.message or "netCost" in alert.message
    assert _amazon_state(api, order) == "New"


def test_transaction_stuck_in_processing_is_cross_checked_and_alerts_once(
    connected, shop, admin_user, api, sim
):
    order = fresh_order(shop)
    connected.ack_stuck_after_minutes = 1
    connected.save()
    sim.simulator.update_config({"transaction_delay": 3600})
    try:
        ack = acknowledgement_request(actor=admin_user, order=order)
        assert acknowledgement_send(ack.pk, api) == Outcome.CHECK_LATER
        assert acknowledgement_check(ack.pk, api) == Outcome.CHECK_LATER  # Processing, in time
        Acknowledgement.objects.filter(pk=ack.pk).update(
            submitted_at=timezone.now() - timedelta(minutes=2)
        )
        for _ in range(2):
            assert acknowledgement_check(ack.pk, api) == Outcome.CHECK_LATER
    finally:
        sim.simulator.update_config({"transaction_delay": 0.3})
    ack.refresh_from_db()
    assert ack.status == AckStatus.SUBMITTED
    assert [e["code"] for e in ack.errors] == ["STUCK"]
    assert Alert.objects.filter(shop=shop, message__contains="stuck at Amazon").count() == 1


class WorkerKilled(BaseException):
    """Stands in for SIGKILL between Amazon's answer and our write of it."""


def test_killed_between_sent_and_stored_is_recovered_without_sending_twice(
    connected, shop, admin_user, sim, monkeypatch
):
    order = fresh_order(shop)
    ack = acknowledgement_request(actor=admin_user, order=order)

    def die(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(outbox.OUTBOX, "submitted", die)
        with vendor_client_for(sim) as client, pytest.raises(WorkerKilled):
            acknowledgement_send(ack.pk, client)
    ack.refresh_from_db()
    assert ack.status == AckStatus.SENDING and not ack.transaction_id

    with vendor_client_for(sim) as client:
        # The redelivered task finds it SENDING: it asks Amazon's PO status, it does not resend.
        assert acknowledgement_send(ack.pk, client) in (Outcome.CHECK_LATER, Outcome.DONE)
        ack = deliver(ack, client)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    assert acknowledgement_posts(sim, order.number) == 1


@pytest.mark.django_db(transaction=True)  # the threads need to see committed rows
def test_two_workers_sending_the_same_acknowledgement_send_it_once(
    connected, shop, admin_user, sim
):
    order = fresh_order(shop)
    ack = acknowledgement_request(actor=admin_user, order=order)
    outcomes = []

    def send():
        try:
            with vendor_client_for(sim) as client:
                outcomes.append(acknowledgement_send(ack.pk, client))
        finally:
            db_connection.close()  # this thread's own connection

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert acknowledgement_posts(sim, order.number) == 1
    with vendor_client_for(sim) as client:
        assert deliver(ack, client).status == AckStatus.SUCCESS


def test_status_panel_polls_while_in_flight_and_reloads_the_page_once_decided(
    connected, shop, admin_user, admin_client, api
):
    order = fresh_order(shop)
    ack = acknowledgement_request(actor=admin_user, order=order)
    url = reverse("amazon1p:acknowledgement-status", args=[shop.pk, order.pk])

    polling = admin_client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert "HX-Refresh" not in polling.headers

    deliver(ack, api)
    decided = admin_client.get(url, headers={"HX-Request": "true"})
    assert decided.headers["HX-Refresh"] == "true"
    assert 'data-ack-status="success"' in decided.content.decode()


def test_only_users_who_may_acknowledge_see_the_buttons(
    connected, shop, admin_client, viewer_client
):
    order = fresh_order(shop)
    url = reverse("orders:order-detail", args=[shop.pk, order.pk])

    admin_page = admin_client.get(url).content.decode()
    viewer_page = viewer_client.get(url).content.decode()

    assert 'data-action="ack-accept"' in admin_page and 'data-action="ack-reject"' in admin_page
    assert 'data-action="ack-' not in viewer_page
    assert 'id="acknowledgement"' in viewer_page  # the status is there for everyone
