"""Demo: the demo shop's invoicing settings, so a shipment the simulator received (short or
in full) can be invoiced at once (called by the demo command, shopctrl/demo.py)."""

from django.contrib.auth.models import User

from amazon1p.demo import DEMO_VENDOR_CODE
from invoicing.models import InvoiceBasis, InvoiceSettings, TaxRegistrationType
from invoicing.services import invoice_settings_save
from shops.models import Shop

DEMO_INVOICE_PREFIX = "DEMO-"


def invoicing_demo_settings(*, shop: Shop, actor: User) -> InvoiceSettings:
    """The demo's legal entity, remit-to party (the simulator's vendor code), VAT number,
    number series, payment terms and "received" basis. Created once: run again, it keeps
    what is there (the number series has moved on, and a user may have changed the rest)."""
    current = InvoiceSettings.objects.filter(shop=shop).first()
    if current is not None:
        return current
    return invoice_settings_save(
        shop=shop,
        actor=actor,
        values={
            "legal_name": shop.name,
            "remit_to_party_id": DEMO_VENDOR_CODE,
            "address_line1": "Lagerstraße 1",
            "postal_code": "04103",
            "city": "Leipzig",
            "country_code": "DE",
            "tax_registration_type": TaxRegistrationType.VAT,
            "tax_registration_number": "DE999999999",
            "tax_type": "VAT",
            "number_prefix": DEMO_INVOICE_PREFIX,
            "next_number": 1,
            "payment_terms_days": 60,
            "default_basis": InvoiceBasis.RECEIVED,
        },
    )
