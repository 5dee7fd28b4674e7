"""Static and seeded reference data: fulfilment centres, Amazon's buying entities, vendors,
products (ASIN + EAN-13) and the reversible PO-number codec.

Everything here is a pure function of the seed, so two simulators with the same seed agree
without sharing state.
"""

import hashlib
import random
import struct
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Site:
    """A party with an address: an Amazon FC, an Amazon legal entity or a vendor."""

    party_id: str
    name: str
    line1: str
    postal_code: str
    city: str
    country: str
    state_or_region: str | None = None
    vat: str | None = None

    def address(self) -> dict[str, Any]:
        """The site as Amazon's `Address` object."""
        address: dict[str, Any] = {
            "name": self.name,
            "addressLine1": self.line1,
            "city": self.city,
            "postalCode": self.postal_code,
            "countryCode": self.country,
        }
        if self.state_or_region:
            address["stateOrRegion"] = self.state_or_region
        return address

    def party(self, *, with_address: bool = True) -> dict[str, Any]:
        """The site as Amazon's `PartyIdentification` (partyId, address, taxInfo)."""
        party: dict[str, Any] = {"partyId": self.party_id}
        if with_address:
            party["address"] = self.address()
        if with_address and self.vat:
            party["taxInfo"] = {"taxRegistrationType": "VAT", "taxRegistrationNumber": self.vat}
        return party


def _fc(code: str, line1: str, postal: str, city: str, country: str, region: str = "") -> Site:
    return Site(code, f"Amazon {code}", line1, postal, city, country, region or None)


# EU fulfilment centres importers are expected to know. Addresses are realistic, for display.
FULFILMENT_CENTRES: dict[str, Site] = {
    site.party_id: site
    for site in (
        _fc("DTM2", "Kaltbandstraße 4", "44145", "Dortmund", "DE"),
        _fc("LEJ1", "Amazonstraße 1", "04347", "Leipzig", "DE"),
        _fc("MUC3", "Zeppelinstraße 2", "86836", "Graben", "DE"),
        _fc("FRA7", "Hessheimer Straße 100", "67227", "Frankenthal", "DE"),
        _fc("CGN1", "Amazonstraße 1", "56330", "Kobern-Gondorf", "DE"),
        _fc("DUS2", "Amazonstraße 1", "47495", "Rheinberg", "DE"),
        _fc("HAM2", "Borgwardstraße 10", "21423", "Winsen (Luhe)", "DE"),
        _fc("STR1", "Amazonstraße 1", "75177", "Pforzheim", "DE"),
        _fc("BER3", "Havellandstraße 5", "14656", "Brieselang", "DE"),
        _fc("PAD1", "Am Wullwinkel 1", "59302", "Oelde", "DE"),
        _fc("WRO5", "Okmiany 103", "59-216", "Chojnów", "PL"),
        _fc("MAD4", "Avenida de la Astronomía 24", "28830", "San Fernando de Henares", "ES"),
        _fc("BCN1", "Carrer de la Mecànica 8", "08820", "El Prat de Llobregat", "ES"),
        _fc("MXP5", "Strada Dogana Po 2U", "29015", "Castel San Giovanni", "IT", "PC"),
        _fc("ORY1", "1401 Rue du Champ Rouge", "45770", "Saran", "FR"),
        _fc("BHX4", "Lyons Park, Sayer Drive", "CV5 9PF", "Coventry", "GB"),
    )
}
# Shows up on about 2 % of POs: a code missing from the list above, so importers can test
# their "unknown fulfilment centre" alert.
UNLISTED_FC = _fc("ZRH2", "Industriestrasse 21", "8112", "Otelfingen", "CH")

# Amazon's buying entity per FC country (Amazon EU S.à r.l. branches, public VAT numbers).
_LU = Site(
    "AMZEU",
    "Amazon EU S.à r.l.",
    "38 avenue John F. Kennedy",
    "L-1855",
    "Luxembourg",
    "LU",
    vat="LU20260743",
)
BUYERS: dict[str, Site] = {
    "DE": Site(
        "AMZDE",
        "Amazon EU S.à r.l., Niederlassung Deutschland",
        "Marcel-Breuer-Straße 12",
        "80807",
        "München",
        "DE",
        vat="DE814584193",
    ),
    "FR": Site(
        "AMZFR",
        "Amazon EU S.à r.l., Succursale Française",
        "67 Boulevard du Général Leclerc",
        "92110",
        "Clichy",
        "FR",
        vat="FR12487773327",
    ),
    "IT": Site(
        "AMZIT",
        "Amazon EU S.à r.l., Succursale Italiana",
        "Viale Monte Grappa 3/5",
        "20124",
        "Milano",
        "IT",
        vat="IT08973230967",
    ),
    "ES": Site(
        "AMZES",
        "Amazon EU S.à r.l., Sucursal en España",
        "Calle Ramírez de Prado 5",
        "28045",
        "Madrid",
        "ES",
        vat="ESW0184081H",
    ),
    "PL": Site(
        "AMZPL",
        "Amazon EU S.à r.l. Oddział w Polsce",
        "ul. Powsińska 64a",
        "02-903",
        "Warszawa",
        "PL",
        vat="PL5262907815",
    ),
    "GB": Site(
        "AMZUK",
        "Amazon EU S.à r.l., UK Branch",
        "1 Principal Place, Worship Street",
        "EC2A 2FA",
        "London",
        "GB",
        vat="GB727255821",
    ),
}
BILL_TO = _LU

_VENDOR_SITES = (
    ("Nordwerk Haushaltswaren GmbH", "Industriestraße 14", "33609", "Bielefeld", "DE"),
    ("Alpenkraft Sport GmbH", "Gewerbepark 3", "83022", "Rosenheim", "DE"),
    ("Hanse Küchenwelt GmbH", "Am Hafen 7", "28217", "Bremen", "DE"),
    ("Rheintal Elektro GmbH", "Rheinuferstraße 22", "67061", "Ludwigshafen", "DE"),
    ("Lumo Home B.V.", "Havenweg 9", "3199 LB", "Rotterdam", "NL"),
    ("Casa Verde S.r.l.", "Via dell'Industria 40", "20871", "Vimercate", "IT"),
)


def digest(*parts: object, size: int = 32) -> bytes:
    """A hash of the parts (32 bytes by default): the root of every deterministic choice."""
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=size).digest()


def unit_fractions(raw: bytes) -> list[float]:
    """Uniform fractions in [0, 1) from a digest, one per 4 bytes (8 from 32 bytes)."""
    return [value * _INV_2_32 for value in struct.unpack(f">{len(raw) // 4}I", raw)]


_INV_2_32 = 1 / 2**32


def buyer_for(fc: Site) -> Site:
    """Amazon's buying entity for deliveries to `fc` (the Luxembourg entity by default)."""
    return BUYERS.get(fc.country, _LU)


@lru_cache(maxsize=64)
def vendor_site(seed: int, code: str) -> Site:
    """The vendor's own party: a fixed company per code, with a made-up VAT number."""
    raw = digest(seed, "vendor", code)
    name, line1, postal, city, country = _VENDOR_SITES[raw[0] % len(_VENDOR_SITES)]
    number = "".join(str(b % 10) for b in raw[1:12])
    vat = {"DE": "DE" + number[:9], "NL": "NL" + number[:9] + "B01", "IT": "IT" + number}
    return Site(code, name, line1, postal, city, country, vat=vat[country])


def ean13_check_digit(first12: str) -> int:
    """The GS1 check digit of a 12-digit EAN-13 body (weights 1,3,1,3,…)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Product:
    """A catalogue item of one vendor."""

    asin: str
    ean: str
    net_cost: Decimal
    list_price: Decimal | None  # None: not known (products of uploaded offers)
    case_size: int
    backorder_allowed: bool
    weight_unit: str | None  # "KILOGRAMS" for items priced by weight, else None
    new: bool  # a new product: the ones NewProductIntroduction POs order


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=64)
def products_for(seed: int, code: str) -> tuple[Product, ...]:
    """The vendor's catalogue: 30 products with unique ASINs and valid EAN-13s."""
    rng = random.Random(digest(seed, "catalogue", code))
    products: list[Product] = []
    asins: set[str] = set()
    while len(products) < 30:
        asin = "B0" + "".join(rng.choice(_ALNUM) for _ in range(8))
        if asin in asins:
            continue
        asins.add(asin)
        body = str(rng.randint(400, 440)) + "".join(str(rng.randint(0, 9)) for _ in range(9))
        net = rng.choice((2.4, 4.9, 7.5, 12.0, 18.9, 26.5, 39.0, 64.0, 119.0)) * rng.uniform(
            0.8, 1.25
        )
        by_weight = rng.random() < 0.04
        products.append(
            Product(
                asin=asin,
                ean=body + str(ean13_check_digit(body)),
                net_cost=_money(net),
                list_price=_money(net * rng.uniform(1.55, 2.1)),
                case_size=1 if by_weight else rng.choice((1, 1, 4, 6, 6, 12, 12, 24)),
                backorder_allowed=rng.random() < 0.7,
                weight_unit="KILOGRAMS" if by_weight else None,
                new=len(products) >= 24,
            )
        )
    return tuple(products)


# --- PO numbers: an 8-character base-36 code that maps back to the schedule index. --------
# A keyed 4-round Feistel permutation over 40 bits scrambles the index, so numbers look random
# but getPurchaseOrder can turn a number back into its index without storing anything.
_HALF_BITS = 20
_HALF_MASK = (1 << _HALF_BITS) - 1


def _round(seed: int, step: int, value: int) -> int:
    return int.from_bytes(digest(seed, "po", step, value)[:3], "big") & _HALF_MASK


@lru_cache(maxsize=16_384)
def po_number(seed: int, index: int) -> str:
    """The purchase-order number of schedule index `index` (0 <= index < 2**40)."""
    left, right = index >> _HALF_BITS, index & _HALF_MASK
    for step in range(4):
        left, right = right, left ^ _round(seed, step, right)
    value = (left << _HALF_BITS) | right
    chars = []
    for _ in range(8):
        value, rest = divmod(value, 36)
        chars.append(_ALNUM[rest])
    return "".join(reversed(chars))


def po_index(seed: int, number: str) -> int | None:
    """The schedule index behind a PO number, or None if no generated PO can carry it."""
    if len(number) != 8 or any(c not in _ALNUM for c in number):
        return None
    value = int(number, 36)
    if value >> (2 * _HALF_BITS):
        return None
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for step in reversed(range(4)):
        left, right = right ^ _round(seed, step, left), left
    return (left << _HALF_BITS) | right
