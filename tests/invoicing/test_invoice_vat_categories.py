"""VAT per product category on invoices: each line at its row's tariff (its product's
category), tax per rate on the invoice page, the PDF and in Amazon's model (per item and in
the invoice's totals, consistent), through pre-flight and accepted by the simulator; the
categories on the invoicing settings page."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon1p.spapi.invoices import invoice_json
from core.outbox import OutboxStatus
from invoicing.documents import invoice_pdf
from invoicing.models import InvoiceBasis, InvoiceStatus
from invoicing.preflight import preflight
from invoicing.selectors import shipped_by_row
from invoicing.services import invoice_create_from_group, invoice_submit, vendor_invoice
from orders.catalogue import product_create, product_vat_tariff_set
from orders.models import Product
from shops.models import VatTariff
from simulator import SimulatorConfig
from simulator.validation import schema_errors
from tests.support.invoicing import (
    RECEIVE_DELAY,
    follow,
    invoices_at_amazon,
    ship,
    shipped_in_db,
    weighed,
)
from tests.support.pdfs import page_text

pytestmark = pytest.mark.django_db

KETTLE, TOASTER = "4006381333931", "4006381333948"  # the rows of shipped_in_db's orders


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    # Three lines a PO: the shipped order has lines for two categories.
    return SimulatorConfig(
        seed=73,
        orders_per_day=80,
        transaction_delay=0.1,
        rate_limits=False,
        receive_delay=RECEIVE_DELAY,
        shortage_rate=0.0,
        lines_per_po=3,
    )


def tariff(shop, name: str) -> VatTariff:
    return VatTariff.objects.get(shop=shop, name=name)


def test_an_invoice_in_two_categories_bills_tax_per_rate_and_passes_preflight(
    shop, group, admin_user, invoicing
):
    product_create(
        actor=admin_user,
        shop=shop,
        values={"ean": TOASTER, "title": "Toaster", "vat_tariff": tariff(shop, "Reduced")},
    )
    shipped_in_db(shop, group, "PO-T1", {})  # Kettle 12 × 18.40, Toaster 6 × 22.10

    invoice = invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)

    lines = {line.ean: line for line in invoice.lines.all()}
    assert {
        ean: (line.tax_rate, line.net_amount, line.tax_amount) for ean, line in lines.items()
    } == {
        KETTLE: (Decimal("19.00"), Decimal("220.80"), Decimal("41.95")),  # 41.952
        TOASTER: (Decimal("7.00"), Decimal("132.60"), Decimal("9.28")),  # 9.282
    }
    assert preflight(invoice) == []

    body = invoice_json(vendor_invoice(invoice, invoicing, timezone.now()))

    assert schema_errors("vendorInvoices", "SubmitInvoicesRequest", {"invoices": [body]}) == []
    items = {item["vendorProductIdentifier"]: item["taxDetails"] for item in body["items"]}
    assert items[KETTLE] == [
        {
            "taxType": "VAT",
            "taxRate": "19",
            "taxAmount": {"currencyCode": "EUR", "amount": "41.95"},
            "taxableAmount": {"currencyCode": "EUR", "amount": "220.80"},
        }
    ]
    assert items[TOASTER][0]["taxRate"] == "7"
    assert [
        (t["taxRate"], t["taxableAmount"]["amount"], t["taxAmount"]["amount"])
        for t in body["taxDetails"]
    ] == [("7", "132.60", "9.28"), ("19", "220.80", "41.95")]
    assert body["invoiceTotal"] == {"currencyCode": "EUR", "amount": "404.63"}  # 353.40 + 51.23


def test_the_page_and_the_pdf_show_the_tax_of_each_rate(
    shop, group, admin_user, admin_client, invoicing
):
    product_create(
        actor=admin_user,
        shop=shop,
        values={"ean": TOASTER, "title": "Toaster", "vat_tariff": tariff(shop, "Reduced")},
    )
    shipped_in_db(shop, group, "PO-T2", {})
    invoice = invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)

    page = admin_client.get(reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk]))
    text = " ".join(page_text(invoice_pdf(invoice)))

    for shown in (page.content.decode(), text):
        assert "VAT 7 % of 132.60" in shown and "VAT 19 % of 220.80" in shown
    assert "9.28" in text and "41.95" in text and "404.63" in text


def test_an_invoiced_row_keeps_its_tariff_when_its_product_is_refiled(
    shop, group, admin_user, invoicing
):
    """Re-rating skips rows an invoice bills: the line's rate and the row's stay in step."""
    shipped_in_db(shop, group, "PO-T3", {})
    invoice = invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user)
    kettle = product_create(actor=admin_user, shop=shop, values={"ean": KETTLE})

    change = product_vat_tariff_set(
        actor=admin_user,
        shop=shop,
        product_ids=[kettle.pk],
        vat_tariff=tariff(shop, "Zero"),
        apply_to_rows=True,
    )

    assert (change.products, change.rows) == (1, 0)
    line = invoice.lines.select_related("row__vat_tariff").get(ean=KETTLE)
    assert line.row.vat_tariff.rate == line.tax_rate == Decimal("19.00")


def test_the_settings_page_lists_the_categories_for_the_shop_owner_admin(
    shop, admin_user, admin_client, viewer_client, other_client
):
    product_create(
        actor=admin_user, shop=shop, values={"ean": TOASTER, "vat_tariff": tariff(shop, "Reduced")}
    )
    url = reverse("invoicing:settings", args=[shop.pk])

    page = admin_client.get(url)

    html = page.content.decode()
    assert page.status_code == 200 and "VAT per product category" in html
    assert reverse("shops:vat-tariff-list", args=[shop.pk]) in html
    assert reverse("orders:product-list", args=[shop.pk]) in html
    assert '<td>Reduced</td><td class="num">7 %</td><td></td><td class="num">1</td>' in html
    assert viewer_client.get(url).status_code == 403
    assert other_client.get(url).status_code == 404


def test_amazon_accepts_an_invoice_in_two_categories(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    group = ship(shop, shipped_order, admin_user, api)
    shipped = shipped_by_row([shipped_order.pk])
    rows = [r for r in shipped_order.rows.order_by("position") if shipped.get(r.pk)]
    assert len(rows) >= 2, "the simulator's PO has three lines"
    food = Product.objects.get(shop=shop, asin=rows[0].asin)
    # Filed after the import: its rows are re-rated (no invoice bills them yet).
    change = product_vat_tariff_set(
        actor=admin_user,
        shop=shop,
        product_ids=[food.pk],
        vat_tariff=tariff(shop, "Reduced"),
        apply_to_rows=True,
    )
    assert change.rows >= 1
    invoice = weighed(
        invoice_create_from_group(group=group, basis=InvoiceBasis.SHIPPED, actor=admin_user),
        admin_user,
    )
    expected = {r.position: "7" if r.pk == rows[0].pk else "19" for r in rows}

    sent = follow(invoice_submit(invoice=invoice, actor=admin_user), api)

    assert sent.status == OutboxStatus.SUCCESS, sent.errors
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED
    [at_amazon] = invoices_at_amazon(sim, invoice.number)
    payload = at_amazon["invoice"]
    items = payload["items"]
    assert {i["itemSequenceNumber"]: i["taxDetails"][0]["taxRate"] for i in items} == expected
    per_rate: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for item in items:
        [tax] = item["taxDetails"]
        per_rate[tax["taxRate"]][0] += Decimal(tax["taxableAmount"]["amount"])
        per_rate[tax["taxRate"]][1] += Decimal(tax["taxAmount"]["amount"])
    totals = {
        t["taxRate"]: [Decimal(t["taxableAmount"]["amount"]), Decimal(t["taxAmount"]["amount"])]
        for t in payload["taxDetails"]
    }
    assert totals == dict(per_rate) and set(totals) == {"7", "19"}
    net = sum((pair[0] for pair in totals.values()), Decimal(0))
    tax = sum((pair[1] for pair in totals.values()), Decimal(0))
    assert Decimal(payload["invoiceTotal"]["amount"]) == net + tax
