"""The per-shop settings lists that share one list/add, edit and delete page.

Each entry names its model, form and the columns its table shows; `shops.urls.collection_urls`
turns each into three routes (`<namespace>:<key>-list`, `-edit`, `-delete`). The entries here
are the shop's own settings (listed in the settings menu's General group); a higher app may
declare a collection of its own (asn's warehouses) and mount its routes in its urls.
"""

from dataclasses import dataclass

from django import forms
from django.db import models

from shops import forms as shop_forms
from shops.models import CreditReason, OrderStatus, PaymentStatus, PaymentType, VatTariff
from shops.permissions import Perm


@dataclass(frozen=True)
class SettingCollection:
    key: str
    path: str
    title: str
    singular: str
    model: type[models.Model]
    form: type[forms.ModelForm]
    columns: tuple[tuple[str, str], ...]
    help: str
    perm: Perm = Perm.SHOP_CONFIGURE
    namespace: str = "shops"

    @property
    def url_base(self) -> str:
        """The route names without their suffix: `<namespace>:<key>` (+ -list/-edit/-delete)."""
        return f"{self.namespace}:{self.key}"


COLLECTIONS: dict[str, SettingCollection] = {
    c.key: c
    for c in (
        SettingCollection(
            key="vat-tariff",
            path="vat-tariffs",
            title="VAT tariffs",
            singular="VAT tariff",
            model=VatTariff,
            form=shop_forms.VatTariffForm,
            columns=(("name", "Name"), ("rate", "Rate (%)"), ("is_default", "Default")),
            help="Rates applied to order rows, and the VAT categories products are filed under "
            "(Products page): a product's new order rows get its category, other rows the "
            "default tariff.",
        ),
        SettingCollection(
            key="payment-type",
            path="payment-types",
            title="Payment types",
            singular="payment type",
            model=PaymentType,
            form=shop_forms.PaymentTypeForm,
            columns=(("name", "Name"), ("code", "Code")),
            help="How customers pay. Amazon 1P orders map Amazon's payment method to one of these.",
        ),
        SettingCollection(
            key="order-status",
            path="order-statuses",
            title="Order statuses",
            singular="order status",
            model=OrderStatus,
            form=shop_forms.OrderStatusForm,
            columns=(
                ("name", "Name"),
                ("get_base_status_display", "Base status"),
                ("position", "Position"),
                ("is_default", "Default"),
            ),
            help="Main statuses of your orders. The base status tells reports and rules "
            "whether an order is still active, finished or cancelled.",
        ),
        SettingCollection(
            key="payment-status",
            path="payment-statuses",
            title="Payment statuses",
            singular="payment status",
            model=PaymentStatus,
            form=shop_forms.PaymentStatusForm,
            columns=(
                ("name", "Name"),
                ("get_base_status_display", "Base status"),
                ("position", "Position"),
                ("is_default", "Default"),
            ),
            help="Payment progress of your orders. Amazon sends no payment data; the Amazon "
            "settings map its PO states to these.",
        ),
        SettingCollection(
            key="credit-reason",
            path="credit-reasons",
            title="Credit reasons",
            singular="credit reason",
            model=CreditReason,
            form=shop_forms.CreditReasonForm,
            columns=(("name", "Name"),),
            help="Why a row was reduced. Amazon rows reported Rejected or Cancelled get the "
            "reasons chosen in the Amazon settings.",
        ),
    )
}
