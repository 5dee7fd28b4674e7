"""What a new shop starts with, so it can take orders before anyone configures it."""

from decimal import Decimal

from shops.models import BaseStatus, PaymentBaseStatus

# Standard and reduced VAT rates of common vendor countries (percent). Others get 0 rates
# only, which staff then adjust on the VAT tariffs page.
VAT_RATES_BY_COUNTRY: dict[str, tuple[Decimal, Decimal]] = {
    "DE": (Decimal("19"), Decimal("7")),
    "NL": (Decimal("21"), Decimal("9")),
    "FR": (Decimal("20"), Decimal("5.5")),
    "IT": (Decimal("22"), Decimal("10")),
    "ES": (Decimal("21"), Decimal("10")),
    "BE": (Decimal("21"), Decimal("6")),
    "AT": (Decimal("20"), Decimal("10")),
    "PL": (Decimal("23"), Decimal("8")),
    "SE": (Decimal("25"), Decimal("12")),
    "GB": (Decimal("20"), Decimal("5")),
}

# Codes "invoice", "consignment", "creditcard" and "prepaid" match Amazon's paymentMethod
# values (lower-cased), so imported POs get their payment type without configuration.
PAYMENT_TYPES = [
    ("Invoice", "invoice"),
    ("Bank transfer", "bank-transfer"),
    ("Prepaid", "prepaid"),
    ("Consignment", "consignment"),
    ("Credit card", "creditcard"),
]

# (name, base status); the first one is the default for new orders.
ORDER_STATUSES = [
    ("New", BaseStatus.ACTIVE),
    ("Acknowledged", BaseStatus.ACTIVE),
    ("In progress", BaseStatus.ACTIVE),
    ("On hold", BaseStatus.ON_HOLD),
    ("Shipped", BaseStatus.FINISHED),
    ("Completed", BaseStatus.FINISHED),
    ("Cancelled", BaseStatus.CANCELLED),
]

PAYMENT_STATUSES = [
    ("Unpaid", PaymentBaseStatus.UNPAID),
    ("Partially paid", PaymentBaseStatus.PARTIALLY_PAID),
    ("Paid", PaymentBaseStatus.PAID),
    ("Fully credited", PaymentBaseStatus.CREDITED),
]

CREDIT_REASONS = [
    "Rejected by Amazon",
    "Cancelled by Amazon",
    "Out of stock",
    "Damaged",
    "Customer request",
]
