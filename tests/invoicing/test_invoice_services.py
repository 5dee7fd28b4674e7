"""Invoicing services on orders built in the database: numbers without gaps under
concurrency, the quantities each basis bills, pre-flight's findings, and the tasks (run
twice, a transient failure then the retry, the watchdog)."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, transaction

from invoicing.models import Invoice, InvoiceBasis, InvoiceSettings, InvoiceStatus
from invoicing.preflight import preflight
from invoicing.services import (
    InvoiceError,
    invoice_create_from_group,
    invoice_create_from_orders,
    invoice_number_take,
    invoice_settings_save,
)
from tests.support.invoicing import shipped_in_db

pytestmark = pytest.mark.django_db


def _settings(shop, **values) -> InvoiceSettings:
    return InvoiceSettings.objects.create(
        shop=shop,
        legal_name="Acme Kitchen GmbH",
        remit_to_party_id="VNDR1",
        address_line1="Industriestraße 5",
        city="Leipzig",
        country_code="DE",
        tax_registration_number="DE123456789",
        number_prefix="INV-",
        **values,
    )


@pytest.mark.django_db(transaction=True)
def test_numbers_are_taken_without_gaps_under_concurrency(shop):
    _settings(shop)
    taken: list[str] = []
    start = threading.Barrier(6)

    def take() -> None:
        try:
            start.wait()
            with transaction.atomic():
                taken.append(invoice_number_take(shop))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == [f"INV-{n:06d}" for n in range(1, 7)]
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_number_take(shop)
        raise RuntimeError("the invoice could not be stored")
    with transaction.atomic():
        assert invoice_number_take(shop) == "INV-000007"  # the rolled-back number came back


def test_the_series_may_not_restart_on_a_used_number(shop, group, admin_user):
    settings = _settings(shop)
    shipped_in_db(shop, group, "PO-N1", {})
    invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)
    values = {"next_number": 1, "number_prefix": settings.number_prefix}
    with pytest.raises(InvoiceError) as refused:
        invoice_settings_save(shop=shop, values=values, actor=admin_user)
    assert refused.value.field == "next_number"


def test_each_basis_bills_its_quantities_less_what_was_billed(shop, group, admin_user):
    _settings(shop)
    order = shipped_in_db(shop, group, "PO-B1", {1: 10, 2: 6})  # row 1 (12 shipped) short
    received = invoice_create_from_group(group=group, basis=InvoiceBasis.RECEIVED, actor=admin_user)
    assert sorted(received.lines.values_list("item_sequence_number", "quantity")) == [
        (1, 10),
        (2, 6),
    ]
    line = received.lines.get(item_sequence_number=1)
    assert line.net_cost == Decimal("18.40") and line.net_amount == Decimal("184.00")
    assert line.tax_amount == (line.net_amount * line.tax_rate / 100).quantize(Decimal("0.01"))

    # Amazon counted the lines: the shipped basis bills no more than it received either
    with pytest.raises(InvoiceError, match="Nothing left"):
        invoice_create_from_orders(
            shop=shop, orders=[order], basis=InvoiceBasis.SHIPPED, actor=admin_user
        )

    # before the FC counts, the shipped basis bills the ASN; the draft holds its quantities
    early = shipped_in_db(shop, group, "PO-B2", None)
    shipped = invoice_create_from_orders(
        shop=shop, orders=[early], basis=InvoiceBasis.SHIPPED, actor=admin_user
    )
    assert list(shipped.lines.values_list("item_sequence_number", "quantity")) == [
        (row.position, row.quantity) for row in early.rows.order_by("position")
    ]
    with pytest.raises(InvoiceError, match="Nothing left"):
        invoice_create_from_orders(
            shop=shop, orders=[early], basis=InvoiceBasis.SHIPPED, actor=admin_user
        )


def test_the_shipped_basis_bills_no_more_than_amazons_fc_counted(shop, group, admin_user):
    _settings(shop)
    order = shipped_in_db(shop, group, "PO-B3", {1: 10})  # row 1: 12 shipped, 10 received

    invoice = invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)

    assert sorted(invoice.lines.values_list("item_sequence_number", "quantity")) == [
        (1, 10),
        *[(row.position, row.quantity) for row in order.rows.filter(position__gt=1)],
    ]
    assert preflight(invoice) == []


def test_one_invoice_covers_one_ship_to_party(shop, group, admin_user):
    _settings(shop)
    first = shipped_in_db(shop, group, "PO-S1", {})
    group.fc_code = "DUS2"
    other = shipped_in_db(shop, group, "PO-S2", {})
    with pytest.raises(InvoiceError, match="one ship-to party"):
        invoice_create_from_orders(
            shop=shop, orders=[first, other], basis=InvoiceBasis.SHIPPED, actor=admin_user
        )


def test_preflight_names_every_broken_rule(shop, group, admin_user):
    _settings(shop)
    shipped_in_db(shop, group, "PO-P1", {})
    invoice = invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)
    line = invoice.lines.get(item_sequence_number=1)
    line.po_number = "PO-XX"  # a PO number not real
    line.quantity += 5  # above shipped
    line.tax_amount += 1  # tax that does not add up
    line.save()
    Invoice.objects.filter(pk=invoice.pk).update(currency="USD")
    invoice.refresh_from_db()

    messages = {v.rule: v.message for v in preflight(invoice)}

    assert set(messages) >= {"po", "quantity", "tax", "currency"}
    assert "belongs to PO PO-P1" in messages["po"]
    assert "one currency" in messages["currency"]


def _queued(monkeypatch):
    from invoicing import tasks

    queued: list[str] = []
    monkeypatch.setattr(
        tasks.invoice_send_task, "apply_async", lambda *a, **k: queued.append("send")
    )
    monkeypatch.setattr(
        tasks.invoice_check_task, "apply_async", lambda *a, **k: queued.append("check")
    )
    return queued


def test_the_watchdog_hands_idle_invoices_back_to_the_tasks(
    shop,
    group,
    admin_user,
    monkeypatch,
):
    from datetime import timedelta

    from django.utils import timezone

    from invoicing import tasks
    from invoicing.models import InvoiceSubmission

    _settings(shop)
    shipped_in_db(shop, group, "PO-W1", {})
    invoice = invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)
    queued = _queued(monkeypatch)
    pending = InvoiceSubmission.objects.create(invoice=invoice, payload={})
    InvoiceSubmission.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.invoices_watchdog_task(120) == 1
    assert queued == ["send"]
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_a_line_set_to_zero_leaves_the_draft_but_the_last_line_stays(shop, group, admin_user):
    from invoicing.services import invoice_line_set
    from shops.models import AuditEntry

    _settings(shop)
    order = shipped_in_db(shop, group, "PO-Z1", None)
    invoice = invoice_create_from_orders(
        shop=shop, orders=[order], basis=InvoiceBasis.SHIPPED, actor=admin_user
    )
    first, *others = invoice.lines.order_by("item_sequence_number")
    assert others, "the order needs two rows for this test"
    for line in others:
        invoice_line_set(
            line=line, quantity=0, net_cost=line.net_cost, weight=None, actor=admin_user
        )
    assert list(invoice.lines.values_list("pk", flat=True)) == [first.pk]
    assert AuditEntry.objects.filter(
        action="invoice.line_remove", target_id=invoice.pk
    ).count() == len(others)
    with pytest.raises(InvoiceError, match="only line"):
        invoice_line_set(
            line=first, quantity=0, net_cost=first.net_cost, weight=None, actor=admin_user
        )
    assert invoice.lines.count() == 1
    assert preflight(invoice) == []
