"""The demo's invoicing settings bill a shipment received short without further setup."""

import pytest

from invoicing.demo import invoicing_demo_settings
from invoicing.models import InvoiceBasis
from invoicing.preflight import preflight
from invoicing.services import invoice_create_from_group
from tests.support.invoicing import shipped_in_db

pytestmark = pytest.mark.django_db


def test_demo_settings_invoice_what_was_received(shop, group, admin_user):
    settings = invoicing_demo_settings(shop=shop, actor=admin_user)
    assert invoicing_demo_settings(shop=shop, actor=admin_user).pk == settings.pk
    shipped_in_db(shop, group, "PO-DEMO1", {1: 10})  # row 1: 12 shipped, 10 received

    invoice = invoice_create_from_group(group=group, basis=None, actor=admin_user)

    assert invoice.basis == InvoiceBasis.RECEIVED  # the demo's default
    assert invoice.number == "DEMO-000001"
    assert invoice.lines.get(item_sequence_number=1).quantity == 10
    assert preflight(invoice) == []
