"""Writes on the order book. Channel importers (Amazon 1P, ...) call `order_create`."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from core.errors import ShopCtrlError
from orders.catalogue import product_tariffs
from orders.models import Channel, CreditRow, Order, OrderParameter, OrderRow, PurchaseType
from shops.audit import audit_record
from shops.models import (
    AddressFormat,
    CreditReason,
    NameFormat,
    OrderStatus,
    PaymentStatus,
    Shop,
    VatTariff,
)


@dataclass(frozen=True)
class RowInput:
    quantity: int
    unit_price: Decimal
    sku: str = ""
    ean: str = ""
    asin: str = ""
    title: str = ""
    vat_tariff: VatTariff | None = None


@dataclass(frozen=True)
class CustomerInput:
    """Contact data as one name and one street line; split per the shop's settings."""

    name: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class OrderInput:
    number: str
    ordered_at: datetime
    rows: list[RowInput]
    channel: Channel = Channel.MANUAL
    external_reference: str = ""
    currency: str = ""
    purchase_type: PurchaseType = PurchaseType.NONE
    customer: CustomerInput = field(default_factory=CustomerInput)
    parameters: dict[str, str] = field(default_factory=dict)


def contact_fields_for_shop(shop: Shop, customer: CustomerInput) -> dict[str, str]:
    """Store name and address as the shop's contact-info settings ask.

    Split forms are best-effort (last word is the surname; a trailing number is the house
    number); Amazon shops must use single fields, which the sync settings enforce.
    """
    values = {
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": customer.country,
    }
    if shop.name_format == NameFormat.SINGLE:
        values["customer_name"] = customer.name
    else:
        first, _, last = customer.name.rpartition(" ")
        values["customer_first_name"], values["customer_last_name"] = first, last
    if shop.address_format == AddressFormat.SINGLE:
        values["address_line"] = customer.address_line
    else:
        street, _, number = customer.address_line.rpartition(" ")
        if street and number[:1].isdigit():
            values["street"], values["house_number"] = street, number
        else:
            values["street"] = customer.address_line
    return values


@transaction.atomic
def order_create(*, shop: Shop, data: OrderInput, actor: User | None = None) -> Order:
    """Create an order with its rows and parameters in the shop's default statuses.

    A row's VAT tariff: the one given, else its product's VAT category (the catalogue
    product of its ASIN or EAN), else the shop's default. A tariff of another shop is
    refused. Idempotency key: (shop, number); a second call with the same number is refused.
    """
    if Order.objects.filter(shop=shop, number=data.number).exists():
        raise ShopCtrlError(f"Order {data.number} already exists.", field="number")
    if any(r.vat_tariff is not None and r.vat_tariff.shop_id != shop.pk for r in data.rows):
        raise ShopCtrlError("Choose one of this shop's VAT tariffs.", field="vat_tariff")
    order = Order.objects.create(
        shop=shop,
        number=data.number,
        channel=data.channel,
        external_reference=data.external_reference,
        currency=data.currency or shop.currency,
        purchase_type=data.purchase_type,
        ordered_at=data.ordered_at,
        main_status=OrderStatus.objects.get(shop=shop, is_default=True),
        payment_status=PaymentStatus.objects.get(shop=shop, is_default=True),
        **contact_fields_for_shop(shop, data.customer),
    )
    default_vat = VatTariff.objects.filter(shop=shop, is_default=True).first()
    categories = product_tariffs(
        shop.pk, ((r.ean, r.asin) for r in data.rows if r.vat_tariff is None)
    )
    default_id = default_vat.pk if default_vat is not None else None
    OrderRow.objects.bulk_create(
        [
            OrderRow(
                order=order,
                position=i,
                sku=row.sku,
                ean=row.ean,
                asin=row.asin,
                title=row.title,
                quantity=row.quantity,
                unit_price=row.unit_price,
                vat_tariff_id=row.vat_tariff.pk
                if row.vat_tariff is not None
                else categories.tariff_id(row.ean, row.asin, default_id),
            )
            for i, row in enumerate(data.rows, start=1)
        ]
    )
    OrderParameter.objects.bulk_create(
        [OrderParameter(order=order, key=k, value=v) for k, v in data.parameters.items()]
    )
    audit_record(
        actor=actor,
        shop=shop,
        action="order.create",
        target=order,
        changes={"rows": [None, len(data.rows)]},
    )
    return order


def credited_quantity(row: OrderRow) -> int:
    return row.credit_rows.aggregate(total=Sum("quantity"))["total"] or 0


@transaction.atomic
def order_credit_row_add(
    *, actor: User, order: Order, row: OrderRow, quantity: int, reason: CreditReason
) -> CreditRow:
    """Credit part of a row. The row is locked so concurrent credits cannot exceed it."""
    row = OrderRow.objects.select_for_update().get(pk=row.pk, order=order)
    if reason.shop_id != order.shop_id:
        raise ShopCtrlError("Choose one of this shop's credit reasons.", field="reason")
    remaining = row.quantity - credited_quantity(row)
    if quantity < 1:
        raise ShopCtrlError("Credit at least 1.", field="quantity")
    if quantity > remaining:
        raise ShopCtrlError(
            f"Only {remaining} of this row can still be credited.", field="quantity"
        )
    credit = CreditRow.objects.create(
        order=order, row=row, quantity=quantity, reason=reason, created_by=actor
    )
    audit_record(
        actor=actor,
        shop=order.shop,
        action="order.credit_row.create",
        target=order,
        changes={"credit": [None, f"-{quantity} × {row.title or row.sku or row.ean} ({reason})"]},
    )
    return credit


@transaction.atomic
def order_parameter_set(*, actor: User, order: Order, key: str, value: str) -> OrderParameter:
    """Set (create or overwrite) one order parameter; idempotent on (order, key)."""
    key = key.strip()
    if not key:
        raise ShopCtrlError("A parameter needs a key.", field="key")
    existing = OrderParameter.objects.filter(order=order, key=key).first()
    old = existing.value if existing else None
    parameter, _ = OrderParameter.objects.update_or_create(
        order=order, key=key, defaults={"value": value}
    )
    if old != value:
        audit_record(
            actor=actor,
            shop=order.shop,
            action="order.parameter.set",
            target=order,
            changes={key: [old, value]},
        )
    return parameter


@transaction.atomic
def order_row_price_set(
    *, actor: User, order: Order, row: OrderRow, unit_price: Decimal
) -> OrderRow:
    """Set the unit price of a row the channel sent without one (Amazon: no netCost).

    Only a missing price may be set here: a price the channel sent is its word, changed by
    the channel. Side effects: saves the row, one audit entry. Idempotent: setting the same
    price again is refused as the row is priced by then.
    """
    row = OrderRow.objects.select_for_update().get(pk=row.pk, order=order)
    if row.unit_price is not None:
        raise ShopCtrlError(f"Row {row.position} already has a price.", field="unit_price")
    if unit_price <= 0:
        raise ShopCtrlError("A price must be more than zero.", field="unit_price")
    row.unit_price = unit_price
    row.save(update_fields=["unit_price"])
    audit_record(
        actor=actor,
        shop=order.shop,
        action="order.row.price_set",
        target=order,
        changes={f"row {row.position} unit price": [None, str(unit_price)]},
    )
    return row
