"""Our own words for what Amazon's vendor APIs send and take: frozen dataclasses.

Nothing past amazon1p.spapi sees a raw payload, except `PurchaseOrder.raw`, kept on purpose so
importers can store exactly what Amazon sent.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from amazon1p.spapi.errors import ApiError

EACHES = "Eaches"
CASES = "Cases"

# How far back Amazon answers purchase-order queries (docs/amazon.md, "History").
HISTORY_LIMIT = timedelta(days=183)


@dataclass(frozen=True)
class Credentials:
    """LWA credentials of one vendor account. `repr` never shows the secrets."""

    lwa_client_id: str
    lwa_client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str
    unit_of_measure: str | None = None  # only for items priced by weight


@dataclass(frozen=True)
class Quantity:
    amount: int
    unit: str = EACHES  # Cases or Eaches
    unit_size: int | None = None  # eaches per case

    @property
    def eaches(self) -> int:
        """The quantity in eaches: cases × case size."""
        if self.unit == CASES:
            return self.amount * (self.unit_size or 1)
        return self.amount


@dataclass(frozen=True)
class Address:
    name: str
    address_line1: str
    country_code: str
    address_line2: str = ""
    address_line3: str = ""
    city: str = ""
    county: str = ""
    district: str = ""
    state_or_region: str = ""
    postal_code: str = ""
    phone: str = ""

    @property
    def street(self) -> str:
        """The address lines as the single field Amazon-connected shops store."""
        return ", ".join(
            p for p in (self.address_line1, self.address_line2, self.address_line3) if p
        )


@dataclass(frozen=True)
class Party:
    party_id: str
    address: Address | None = None
    tax_registration_type: str = ""
    tax_registration_number: str = ""


@dataclass(frozen=True)
class Window:
    """Amazon's DateTimeInterval (`start--end`)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ImportDetails:
    method_of_payment: str = ""
    international_commercial_terms: str = ""
    port_of_delivery: str = ""
    import_containers: str = ""
    shipping_instructions: str = ""


@dataclass(frozen=True)
class OrderItem:
    sequence_number: str
    ordered_quantity: Quantity
    is_back_order_allowed: bool
    asin: str = ""
    vendor_product_id: str = ""
    net_cost: Money | None = None
    list_price: Money | None = None


@dataclass(frozen=True)
class PurchaseOrder:
    number: str
    state: str  # New, Acknowledged, Closed
    # Details are absent when listed with includeDetails=false.
    purchase_order_date: datetime | None = None
    changed_date: datetime | None = None
    state_changed_date: datetime | None = None
    purchase_order_type: str = ""
    payment_method: str = ""
    deal_code: str = ""
    import_details: ImportDetails | None = None
    buying_party: Party | None = None
    selling_party: Party | None = None
    ship_to_party: Party | None = None
    bill_to_party: Party | None = None
    ship_window: Window | None = None
    delivery_window: Window | None = None
    items: tuple[OrderItem, ...] = ()
    # Values Amazon does not document (an importer raises an alert, keeps the PO).
    warnings: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class MalformedPurchaseOrder:
    """A PO that could not be read; kept raw so nothing is lost and it can be reported."""

    number: str | None
    error: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PurchaseOrderPage:
    """One page of POs, kept as Amazon sent them and read on first use.

    `orders` and `malformed` read every payload (once); `read_except` reads all but the POs
    named, so an importer that recognises an unchanged PO by its hash never pays for reading
    it — the larger part of a re-sync otherwise.
    """

    window_start: datetime | None
    window_end: datetime | None
    payloads: tuple[Any, ...]
    read: Callable[[Any], "PurchaseOrder | MalformedPurchaseOrder"] = field(
        repr=False, compare=False
    )
    next_token: str | None = None

    @staticmethod
    def number_of(payload: Any) -> str | None:
        number = payload.get("purchaseOrderNumber") if isinstance(payload, dict) else None
        return number if isinstance(number, str) and number else None

    @property
    def numbers(self) -> list[str]:
        """The PO numbers on the page (payloads without a readable number left out)."""
        return [n for n in map(self.number_of, self.payloads) if n]

    def read_except(
        self, numbers: Collection[str]
    ) -> tuple[tuple[PurchaseOrder, ...], tuple[MalformedPurchaseOrder, ...]]:
        """(readable POs, malformed POs) among the payloads whose number is not in `numbers`."""
        if "_all" in self.__dict__:  # read already (`orders`, `malformed`, `read_all`)
            everything: tuple[PurchaseOrder | MalformedPurchaseOrder, ...] = (
                *self._all[0],
                *self._all[1],
            )
            kept = [po for po in everything if po.number not in numbers]
            return (
                tuple(po for po in kept if isinstance(po, PurchaseOrder)),
                tuple(po for po in kept if isinstance(po, MalformedPurchaseOrder)),
            )
        orders: list[PurchaseOrder] = []
        malformed: list[MalformedPurchaseOrder] = []
        for payload in self.payloads:
            if numbers and self.number_of(payload) in numbers:
                continue
            read = self.read(payload)
            if isinstance(read, PurchaseOrder):
                orders.append(read)
            else:
                malformed.append(read)
        return tuple(orders), tuple(malformed)

    def read_all(self) -> None:
        """Read every payload now (e.g. in a prefetch thread), for later calls to reuse."""
        self._all  # noqa: B018 (the cached property does the work)

    @cached_property
    def _all(self) -> tuple[tuple[PurchaseOrder, ...], tuple[MalformedPurchaseOrder, ...]]:
        return self.read_except(())

    @property
    def orders(self) -> tuple[PurchaseOrder, ...]:
        return self._all[0]

    @property
    def malformed(self) -> tuple[MalformedPurchaseOrder, ...]:
        return self._all[1]


@dataclass(frozen=True)
class OrderedQuantityDetail:
    updated_date: datetime | None
    ordered: Quantity | None
    cancelled: Quantity | None


@dataclass(frozen=True)
class ItemStatus:
    sequence_number: str
    asin: str = ""
    vendor_product_id: str = ""
    net_cost: Money | None = None
    list_price: Money | None = None
    ordered_quantity: Quantity | None = None
    ordered_quantity_details: tuple[OrderedQuantityDetail, ...] = ()
    confirmation_status: str = ""  # ACCEPTED, PARTIALLY_ACCEPTED, REJECTED, UNCONFIRMED
    accepted_quantity: Quantity | None = None
    rejected_quantity: Quantity | None = None
    # acknowledgementStatusDetails[].acknowledgementDate: which acknowledgements Amazon applied
    acknowledgement_dates: tuple[datetime, ...] = ()
    receive_status: str = ""  # NOT_RECEIVED, PARTIALLY_RECEIVED, RECEIVED
    received_quantity: Quantity | None = None
    last_receive_date: datetime | None = None


@dataclass(frozen=True)
class PurchaseOrderStatus:
    number: str
    status: str  # OPEN, CLOSED
    purchase_order_date: datetime
    last_updated_date: datetime | None
    selling_party_id: str
    ship_to_party_id: str
    items: tuple[ItemStatus, ...]


@dataclass(frozen=True)
class PurchaseOrderStatusPage:
    statuses: tuple[PurchaseOrderStatus, ...]
    next_token: str | None = None
    # Statuses that could not be read: (PO number or "", the mapping error). The number
    # alone still tells a reconciliation which PO Amazon has.
    unreadable: tuple[tuple[str, str], ...] = ()

    @property
    def numbers(self) -> set[str]:
        """Every PO number on the page, readable or not."""
        return {s.number for s in self.statuses} | {n for n, _ in self.unreadable if n}


@dataclass(frozen=True)
class TransactionStatus:
    transaction_id: str
    status: str  # Processing, Success, Failure
    errors: tuple[ApiError, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.status in ("Success", "Failure")


# --- What we send --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAcknowledgement:
    """One part of a line's answer, e.g. 10 Accepted plus 2 Rejected."""

    code: str  # Accepted, Backordered, Rejected
    quantity: Quantity
    scheduled_ship_date: datetime | None = None
    scheduled_delivery_date: datetime | None = None
    rejection_reason: str = ""  # TemporarilyUnavailable, InvalidProductIdentifier, ObsoleteProduct


@dataclass(frozen=True)
class AcknowledgementItem:
    ordered_quantity: Quantity
    acknowledgements: tuple[ItemAcknowledgement, ...]
    sequence_number: str = ""
    asin: str = ""
    vendor_product_id: str = ""
    net_cost: Money | None = None
    list_price: Money | None = None
    discount_multiplier: str = ""


@dataclass(frozen=True)
class OrderAcknowledgement:
    purchase_order_number: str
    selling_party: Party
    acknowledgement_date: datetime
    items: tuple[AcknowledgementItem, ...]


@dataclass(frozen=True)
class ContainerIdentifier:
    type: str  # SSCC, AMZNCC, GTIN, BPS, CID
    number: str


@dataclass(frozen=True)
class ContainerItem:
    item_reference: str  # an itemSequenceNumber of the shipped items
    shipped_quantity: Quantity
    # Set when the item's PO is named per container (an item mixing POs, or a MasterPallet /
    # MasterCase structure, where orders sit under the containers).
    purchase_order_number: str = ""


@dataclass(frozen=True)
class Measure:
    """A weight (G/Kg/Oz/Lb) or a length unit for dimensions (In/Ft/Meter/Yard)."""

    value: Decimal
    unit: str


@dataclass(frozen=True)
class Dimensions:
    length: Decimal
    width: Decimal
    height: Decimal
    unit: str  # In, Ft, Meter, Yard


@dataclass(frozen=True)
class Carton:
    sequence_number: str
    items: tuple[ContainerItem, ...]
    identifiers: tuple[ContainerIdentifier, ...] = ()
    weight: Measure | None = None
    dimensions: Dimensions | None = None
    tracking_number: str = ""


@dataclass(frozen=True)
class Pallet:
    identifiers: tuple[ContainerIdentifier, ...]
    carton_sequence_numbers: tuple[str, ...] = ()
    items: tuple[ContainerItem, ...] = ()
    weight: Measure | None = None
    dimensions: Dimensions | None = None
    tier: int | None = None
    block: int | None = None


@dataclass(frozen=True)
class ShippedItem:
    sequence_number: str
    shipped_quantity: Quantity
    purchase_order_number: str = ""
    asin: str = ""
    vendor_product_id: str = ""


@dataclass(frozen=True)
class ShipmentConfirmation:
    shipment_identifier: str
    confirmation_type: str  # Original, Replace
    confirmation_date: datetime
    selling_party: Party
    ship_from_party: Party
    ship_to_party: Party
    shipped_items: tuple[ShippedItem, ...]
    shipped_date: datetime | None = None
    estimated_delivery_date: datetime | None = None
    shipment_type: str = ""  # TruckLoad, LessThanTruckLoad, SmallParcel
    shipment_structure: str = ""
    carrier_scac: str = ""
    carrier_shipment_reference: str = ""
    transportation_mode: str = ""  # Road, Air, Ocean
    bill_of_lading_number: str = ""
    amazon_reference_number: str = ""
    gross_weight: Measure | None = None
    carton_count: int | None = None
    pallet_count: int | None = None
    cartons: tuple[Carton, ...] = ()
    pallets: tuple[Pallet, ...] = ()


# --- Invoices (vendorInvoices submitInvoices) ----------------------------------------------


@dataclass(frozen=True)
class InvoiceTax:
    """A tax on an item or on the whole invoice: `rate` in percent (Amazon's "9" is 9 %)."""

    tax_type: str  # VAT, MwSt., TVA, GST ... (TaxDetails.taxType)
    rate: Decimal
    taxable: Money
    amount: Money


@dataclass(frozen=True)
class InvoiceCharge:
    """A charge on the whole invoice (ChargeDetails): `type` is Amazon's (Freight, Packing,
    Duty ...); `amount` is net, its tax in `taxes`."""

    type: str
    amount: Money
    description: str = ""
    taxes: tuple[InvoiceTax, ...] = ()


@dataclass(frozen=True)
class InvoiceAllowance:
    """An allowance off the whole invoice (AllowanceDetails): `type` is Amazon's (Discount,
    Promotional ...); `amount` is net and positive (Amazon subtracts it), its tax in `taxes`."""

    type: str
    amount: Money
    description: str = ""
    taxes: tuple[InvoiceTax, ...] = ()


@dataclass(frozen=True)
class VendorInvoiceItem:
    """One invoiced (or credited) PO line. `net_cost` is per each, or per its
    `unit_of_measure` weight unit for items priced by weight; then `total_weight` (in that
    unit) is what the line bills."""

    sequence_number: int
    quantity: Quantity
    net_cost: Money
    purchase_order_number: str = ""
    asin: str = ""
    vendor_product_id: str = ""
    total_weight: Decimal | None = None
    taxes: tuple[InvoiceTax, ...] = ()


@dataclass(frozen=True)
class VendorInvoice:
    """An Invoice or CreditNote as submitInvoices takes it."""

    invoice_type: str  # Invoice or CreditNote
    number: str
    date: datetime
    remit_to: Party
    total: Money
    items: tuple[VendorInvoiceItem, ...]
    bill_to: Party | None = None
    ship_to: Party | None = None
    ship_from: Party | None = None
    net_due_days: int | None = None
    taxes: tuple[InvoiceTax, ...] = ()  # per rate: the items', charges' less allowances'
    charges: tuple[InvoiceCharge, ...] = ()
    allowances: tuple[InvoiceAllowance, ...] = ()
    reference_invoice_number: str = ""  # a credit note's invoice
    returns_reference_number: str = ""  # a returns credit note's returns notice
    goods_return_date: datetime | None = None
