"""Invoices end to end against the simulator with the real client: an invoice of received
quantities after a short receipt, one refused by pre-flight, one refused by Amazon (Failure
with its reasons), exactly once under a killed worker, and credit notes."""

import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from core.outbox import OutboxStatus, Outcome
from invoicing.models import CreditKind, InvoiceBasis, InvoiceStatus, InvoiceType
from invoicing.outbox import RESEND_AFTER, invoice_check, invoice_send
from invoicing.preflight import preflight
from invoicing.services import (
    InvoiceRefused,
    credit_note_create,
    invoice_create_from_group,
    invoice_line_set,
    invoice_submit,
)
from invoicing.tasks import invoice_check_task, invoice_send_task
from receiving.selectors import order_reconciliation
from receiving.services import receiving_sync
from shops.models import Alert
from tests.support.invoicing import (
    RECEIVE_DELAY,
    follow,
    invoices_at_amazon,
    received,
    ship,
    weighed,
)

pytestmark = pytest.mark.django_db


def _received_by_line(order) -> dict[int, int | None]:
    recon = order_reconciliation(order)
    assert recon is not None, "no accepted ASN ships the order"
    return {line.row.pk: line.received for line in recon.lines}


def test_an_invoice_of_received_quantities_after_a_short_receipt(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    sim.simulator.update_config({"shortage_rate": 1.0})  # every line one case short
    group = ship(shop, shipped_order, admin_user, api)
    received(shop, api)
    got = _received_by_line(shipped_order)
    recon = order_reconciliation(shipped_order)
    assert recon.at_risk > 0 and recon.to_invoice == recon.received

    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.RECEIVED, actor=admin_user),
        admin_user,
    )
    lines = list(invoice.lines.all())
    assert {line.row_id: line.quantity for line in lines} == {
        row_id: units for row_id, units in got.items() if units
    }
    assert invoice.number == f"{invoicing.number_prefix}000001"
    assert all(line.net_cost == line.row.unit_price for line in lines)
    sent = follow(invoice_submit(invoice=invoice, actor=admin_user), api)

    assert sent.status == OutboxStatus.SUCCESS, sent.errors
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED
    [at_amazon] = invoices_at_amazon(sim, invoice.number)
    assert at_amazon["invoiceType"] == "Invoice"
    assert sum(i["eaches"] for i in at_amazon["invoicedEaches"]) == recon.received
    payload = at_amazon["invoice"]
    assert payload["remitToParty"]["taxRegistrationDetails"][0]["taxRegistrationNumber"] == (
        "DE123456789"
    )
    assert payload["paymentTerms"]["netDueDays"] == 30
    after = order_reconciliation(shipped_order)
    assert after.invoiced == recon.received and after.to_invoice == 0 and after.credited == 0


def test_preflight_refuses_an_invoice_above_shipped_or_off_the_acknowledged_cost(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    group = ship(shop, shipped_order, admin_user, api)
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user),
        admin_user,
    )
    line = invoice.lines.order_by("item_sequence_number").first()
    invoice_line_set(
        line=line,
        quantity=line.quantity + 1,
        net_cost=line.net_cost + Decimal("1.00"),
        weight=None,
        actor=admin_user,
    )

    with pytest.raises(InvoiceRefused) as refused:
        invoice_submit(invoice=invoice, actor=admin_user)

    rules = {v.rule for v in refused.value.violations}
    assert {"quantity", "net_cost"} <= rules
    assert any("shipped in ASNs" in v.message for v in refused.value.violations)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and not invoice.submissions.exists()
    assert invoices_at_amazon(sim, invoice.number) == []


def test_amazon_refuses_an_invoice_above_received_with_its_reasons(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    sim.simulator.update_config({"shortage_rate": 1.0})
    group = ship(shop, shipped_order, admin_user, api)
    time.sleep(RECEIVE_DELAY + 0.3)  # the FC received, but our receiving sync has not run yet
    # Shipped quantities pass pre-flight (nothing above shipped, no receipt known) but Amazon
    # counted less.
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user),
        admin_user,
    )
    assert preflight(invoice) == []

    sent = follow(invoice_submit(invoice=invoice, actor=admin_user), api)

    assert sent.status == OutboxStatus.ERROR
    assert {e["code"] for e in sent.errors} == {"QUANTITY_EXCEEDS_RECEIVED"}
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REFUSED
    assert Alert.objects.filter(shop=shop, message__contains=invoice.number).exists()
    assert invoices_at_amazon(sim, invoice.number) == []
    assert order_reconciliation(shipped_order).invoiced == 0  # refused: not billed

    receiving_sync(shop=shop, client=api)  # now pre-flight knows what Amazon received
    assert {v.rule for v in preflight(invoice)} == {"quantity"}
    assert "received only" in preflight(invoice)[0].message
    got = _received_by_line(shipped_order)
    for line in invoice.lines.all():  # staff bill what Amazon received (0: line taken off)
        invoice_line_set(
            line=line,
            quantity=got[line.row_id],
            net_cost=line.net_cost,
            weight=None,
            actor=admin_user,
        )
    again = follow(invoice_submit(invoice=invoice, actor=admin_user), api)
    assert again.status == OutboxStatus.SUCCESS, again.errors
    assert len(invoices_at_amazon(sim, invoice.number)) == 1


def test_a_killed_worker_sends_the_invoice_exactly_once(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    group = ship(shop, shipped_order, admin_user, api)
    received(shop, api)
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.RECEIVED, actor=admin_user),
        admin_user,
    )
    submission = invoice_submit(invoice=invoice, actor=admin_user)
    # The worker claims the row and POSTs; Amazon takes the invoice, and the worker dies
    # before it stores the transaction id.
    submission.status = OutboxStatus.SENDING
    submission.attempts = 1
    submission.send_started_at = timezone.now()
    submission.save()
    api.submit_invoice_bodies([submission.payload])

    assert invoice_check(submission.pk, api) == Outcome.CHECK_LATER  # too early to resend
    submission.refresh_from_db()
    assert submission.status == OutboxStatus.SENDING
    type(submission).objects.filter(pk=submission.pk).update(
        send_started_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1)
    )
    finished = follow(submission, api)  # the watchdog's retry: sent again

    assert finished.status == OutboxStatus.SUCCESS, finished.errors
    assert finished.attempts == 2
    assert len(invoices_at_amazon(sim, invoice.number)) == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED
    assert invoice_send(submission.pk, api) == Outcome.DONE  # a late duplicate task: nothing


def test_credit_notes_for_an_accepted_shortage_and_for_returns(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    sim.simulator.update_config({"shortage_rate": 1.0, "receive_delay": 4.0})
    group = ship(shop, shipped_order, admin_user, api)
    # Invoiced on the ASN before the FC counted: Amazon takes it (nothing received yet).
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user),
        admin_user,
    )
    assert follow(invoice_submit(invoice=invoice, actor=admin_user), api).status == "success"
    received(shop, api, seconds=4.3)
    recon = order_reconciliation(shipped_order)
    assert recon.at_risk > 0

    note = credit_note_create(invoice=invoice, kind=CreditKind.SHORTAGE, actor=admin_user)
    assert note.invoice_type == InvoiceType.CREDIT_NOTE and note.reference == invoice
    assert sum(line.quantity for line in note.lines.all()) == recon.at_risk
    sent = follow(invoice_submit(invoice=note, actor=admin_user), api)
    assert sent.status == OutboxStatus.SUCCESS, sent.errors
    [at_amazon] = invoices_at_amazon(sim, note.number)
    assert at_amazon["invoiceType"] == "CreditNote"
    assert at_amazon["referenceInvoiceNumber"] == invoice.number
    after = order_reconciliation(shipped_order)
    assert after.credited == recon.at_risk and after.invoiced == recon.shipped

    first = invoice.lines.order_by("item_sequence_number").first()
    returns = credit_note_create(
        invoice=invoice,
        kind=CreditKind.RETURN,
        quantities={first.pk: 1},
        returns_reference="RN-4711",
        actor=admin_user,
    )
    assert follow(invoice_submit(invoice=returns, actor=admin_user), api).status == "success"
    payload = invoices_at_amazon(sim, returns.number)[0]["invoice"]
    assert payload["creditNoteDetails"]["returnsReferenceNumber"] == "RN-4711"


def _posts(sim) -> int:
    """submitInvoices calls the simulator has answered so far."""
    log = httpx.get(f"{sim.base_url}/_simulator/requests", timeout=10).json()
    return sum(1 for entry in log if entry.get("operation") == "submitInvoices")


def _tasks_queued(monkeypatch) -> list[str]:
    queued: list[str] = []
    monkeypatch.setattr(invoice_send_task, "apply_async", lambda *a, **k: queued.append("send"))
    monkeypatch.setattr(invoice_check_task, "apply_async", lambda *a, **k: queued.append("check"))
    return queued


def _check_until_done(submission_id: int) -> None:
    for _ in range(100):
        if invoice_check_task(submission_id, 0) == Outcome.DONE:
            return
        time.sleep(0.1)
    raise AssertionError("the invoice is still in flight")


def test_the_send_task_run_twice_posts_the_invoice_once(
    shop, shipped_order, admin_user, api, sim, invoicing, monkeypatch
):
    group = ship(shop, shipped_order, admin_user, api)
    received(shop, api)
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.RECEIVED, actor=admin_user),
        admin_user,
    )
    submission = invoice_submit(invoice=invoice, actor=admin_user)
    queued = _tasks_queued(monkeypatch)
    before = _posts(sim)

    assert invoice_send_task(submission.pk) == Outcome.CHECK_LATER
    assert invoice_send_task(submission.pk) == Outcome.DONE  # a duplicate delivery
    assert queued == ["check"]
    _check_until_done(submission.pk)

    assert _posts(sim) - before == 1
    submission.refresh_from_db()
    assert submission.status == OutboxStatus.SUCCESS
    assert len(invoices_at_amazon(sim, invoice.number)) == 1


def test_a_transient_failure_then_the_retry_sends_the_invoice(
    shop, shipped_order, admin_user, api, sim, invoicing, monkeypatch
):
    group = ship(shop, shipped_order, admin_user, api)
    received(shop, api)
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.RECEIVED, actor=admin_user),
        admin_user,
    )
    submission = invoice_submit(invoice=invoice, actor=admin_user)
    _tasks_queued(monkeypatch)
    sim.simulator.update_config({"error_rate": 1.0})  # Amazon answers 500/503

    assert invoice_send_task(submission.pk) == Outcome.CHECK_LATER  # fate unknown
    submission.refresh_from_db()
    assert submission.status == OutboxStatus.SENDING and submission.transaction_id == ""

    sim.simulator.update_config({"error_rate": 0.0})
    type(submission).objects.filter(pk=submission.pk).update(
        send_started_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1)
    )
    _check_until_done(submission.pk)  # the check finds it unsent for long: sends again

    submission.refresh_from_db()
    assert submission.status == OutboxStatus.SUCCESS and submission.attempts == 2
    assert len(invoices_at_amazon(sim, invoice.number)) == 1
