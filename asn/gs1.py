"""GS1 identifiers for shipments: the SSCC (Serial Shipping Container Code) and its barcode.

Pure functions, no Django. An SSCC has 18 digits:

    extension digit (1) + GS1 company prefix (6-12) + serial reference (16 - prefix) + check digit

so a longer company prefix leaves fewer digits for the serial reference: a 7-digit prefix
numbers 10**9 logistic units per extension digit, a 12-digit prefix only 10**4.

The check digit is GS1's standard mod-10 check digit (GS1 General Specifications, section
7.9.1): weights 3 and 1 alternate from the rightmost data digit, and the check digit is what
brings the weighted sum up to a multiple of 10.

On a label the SSCC is a GS1-128 barcode: Code 128 with FNC1 in first position, then the
application identifier "00" and the 18 digits. A scanner transmits it as "]C1" + "00" + SSCC.
"""

from __future__ import annotations

import re

SSCC_LENGTH = 18
PREFIX_MIN_LENGTH = 6
PREFIX_MAX_LENGTH = 12
# reportlab's Code 128 writes the FNC1 function character as "\xf1" in its input string.
FNC1 = "\xf1"
SSCC_AI = "00"

# GS1 prefixes (the first digits of a company prefix) that do not identify a company:
# GS1 General Specifications, figure 1.4.2-1 ("GS1 Prefixes").
_NOT_A_COMPANY = (
    ("0000", "is a GTIN-8 prefix"),
    ("02", "is for restricted circulation (numbers used inside one company)"),
    ("04", "is for restricted circulation (numbers used inside one company)"),
    ("05", "is for coupons"),
    ("2", "is for restricted circulation (numbers used inside one company or country)"),
    ("977", "is for serial publications (ISSN)"),
    ("978", "is for books (ISBN)"),
    ("979", "is for books and sheet music (ISBN, ISMN)"),
    ("98", "is for refund receipts and coupons"),
    ("99", "is for coupons"),
)


class InvalidSSCC(ValueError):
    """An SSCC that is not 18 digits with a valid check digit. str() is a message for people."""


class InvalidCompanyPrefix(ValueError):
    """A GS1 company prefix that cannot build SSCCs. str() is a message for people."""


class SerialOutOfRange(ValueError):
    """A serial reference that does not fit the digits the company prefix leaves."""


def check_digit(digits: str) -> int:
    """GS1 mod-10 check digit for `digits` (the data digits, without the check digit).

    Works for every GS1 key length (GTIN-8/12/13/14, GLN, SSCC, ...): weights 3, 1, 3, ...
    are applied from the rightmost digit.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"A check digit is computed over digits only, not {digits!r}.")
    total = 0
    for position, char in enumerate(reversed(digits)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def _digits_only(text: str) -> str:
    return re.sub(r"[\s()\-.]", "", text)


def validate_company_prefix(company_prefix: str) -> str:
    """The prefix without spaces, or InvalidCompanyPrefix with a message for the shop admin."""
    prefix = _digits_only(str(company_prefix))
    if not prefix:
        raise InvalidCompanyPrefix(
            "Enter the GS1 company prefix that GS1 assigned to your company."
        )
    if not (prefix.isascii() and prefix.isdigit()):
        raise InvalidCompanyPrefix(
            f"A GS1 company prefix has digits only; {company_prefix!r} has other characters."
        )
    if not PREFIX_MIN_LENGTH <= len(prefix) <= PREFIX_MAX_LENGTH:
        raise InvalidCompanyPrefix(
            f"A GS1 company prefix has {PREFIX_MIN_LENGTH} to {PREFIX_MAX_LENGTH} digits; "
            f"{prefix} has {len(prefix)}."
        )
    for start, reason in _NOT_A_COMPANY:
        if prefix.startswith(start):
            raise InvalidCompanyPrefix(
                f"{prefix} is not a GS1 company prefix: the GS1 prefix {start} {reason}. "
                "Use the company prefix from your GS1 membership certificate."
            )
    return prefix


def serial_capacity(company_prefix: str) -> int:
    """How many serial references one extension digit gives: 10 ** (16 - prefix length)."""
    prefix = validate_company_prefix(company_prefix)
    return 10 ** (SSCC_LENGTH - 2 - len(prefix))


def make_sscc(company_prefix: str, serial: int, extension: int = 0) -> str:
    """The 18-digit SSCC for `serial` (0 <= serial < serial_capacity(prefix)).

    `extension` is the extension digit (0-9) that the company uses to multiply its capacity.
    """
    prefix = validate_company_prefix(company_prefix)
    if isinstance(extension, bool) or not isinstance(extension, int) or not 0 <= extension <= 9:
        raise ValueError(f"The extension digit is a single digit 0-9, not {extension!r}.")
    if isinstance(serial, bool) or not isinstance(serial, int):
        raise TypeError(f"The serial reference is an integer, not {serial!r}.")
    serial_digits = SSCC_LENGTH - 2 - len(prefix)
    capacity = 10**serial_digits
    if serial < 0:
        raise SerialOutOfRange(f"The serial reference cannot be negative ({serial}).")
    if serial >= capacity:
        raise SerialOutOfRange(
            f"Serial reference {serial:,} does not fit: with the {len(prefix)}-digit GS1 company "
            f"prefix {prefix} an SSCC has {serial_digits} digits for the serial reference, so "
            f"extension digit {extension} numbers at most {capacity:,} logistic units "
            f"(0 to {capacity - 1:,}). Switch to another extension digit or ask GS1 for "
            "another company prefix."
        )
    body = f"{extension}{prefix}{serial:0{serial_digits}d}"
    return body + str(check_digit(body))


def normalise_sscc(text: str) -> str:
    """The 18-digit SSCC in `text`, as people and scanners write it, or InvalidSSCC.

    Accepts spaces, hyphens, dots and parentheses ("(00) 1 0614141 123456789 7"), the
    application identifier 00 in front (20 digits starting with 00), and a scanner's
    symbology identifier "]C1" in front.
    """
    if text is None:
        raise InvalidSSCC("Enter an SSCC (18 digits).")
    raw = str(text).strip()
    if raw.startswith("]C1"):
        raw = raw[3:]
    raw = raw.replace(FNC1, "").replace("\x1d", "")
    digits = _digits_only(raw)
    if not digits:
        raise InvalidSSCC("Enter an SSCC (18 digits).")
    if not (digits.isascii() and digits.isdigit()):
        bad = next(c for c in digits if not (c.isascii() and c.isdigit()))
        raise InvalidSSCC(
            f"An SSCC has digits only; {text!r} contains {bad!r}. "
            "Spaces and the (00) in front are allowed."
        )
    if len(digits) == SSCC_LENGTH + 2 and digits.startswith(SSCC_AI):
        digits = digits[2:]
    if len(digits) != SSCC_LENGTH:
        raise InvalidSSCC(
            f"An SSCC has {SSCC_LENGTH} digits (20 with the 00 in front); "
            f"{text!r} has {len(digits)}."
        )
    expected = check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise InvalidSSCC(
            f"{digits} is not a valid SSCC: its last digit (the check digit) is {digits[-1]}, "
            f"but the first 17 digits need {expected}. Check for a typing error."
        )
    return digits


def sscc_hri(sscc: str, company_prefix_length: int | None = None) -> str:
    """Human readable interpretation, "(00) 106141411234567897".

    With the company prefix length, the digits are grouped as GS1 labels show them:
    "(00) 1 0614141 123456789 7".
    """
    sscc = normalise_sscc(sscc)
    if company_prefix_length is None:
        return f"({SSCC_AI}) {sscc}"
    if not PREFIX_MIN_LENGTH <= company_prefix_length <= PREFIX_MAX_LENGTH:
        raise ValueError(f"A company prefix has 6 to 12 digits, not {company_prefix_length}.")
    end = 1 + company_prefix_length
    return f"({SSCC_AI}) {sscc[0]} {sscc[1:end]} {sscc[end:17]} {sscc[17]}"


def gs1_128_data(sscc: str) -> str:
    """The input for reportlab's Code 128 that makes a GS1-128 SSCC barcode.

    FNC1 (written "\\xf1" for reportlab) in first position marks the symbol as GS1-128,
    then AI 00 and the 18 digits. All digits, so reportlab encodes it as Start C, FNC1 and
    ten digit pairs: 156 modules with the check character and the stop pattern.
    """
    return FNC1 + SSCC_AI + normalise_sscc(sscc)
