"""The built-in list of Amazon fulfillment centers ("Add default FCs" on the settings page).

Codes and addresses of common Amazon retail FCs (Ship To Party ids on POs). Staff can edit or
add rows per shop; POs to codes not in a shop's list still import, with an alert.
"""

from collections.abc import Set
from dataclasses import dataclass

from amazon1p.spapi.endpoints import Region


@dataclass(frozen=True)
class DefaultFC:
    code: str
    name: str
    address_line: str
    postal_code: str
    city: str
    country: str
    region: Region


DEFAULT_FCS: tuple[DefaultFC, ...] = tuple(
    DefaultFC(code, f"Amazon {code}", line, postal, city, country, region)
    for code, line, postal, city, country, region in (
        ("DTM1", "Kaltbandstraße 4", "44145", "Dortmund", "DE", Region.EU),
        ("DTM2", "Witten Straße 2", "44147", "Dortmund", "DE", Region.EU),
        ("LEJ1", "Amazonstraße 1", "04347", "Leipzig", "DE", Region.EU),
        ("MUC3", "Zeppelinstraße 2", "85748", "Graben", "DE", Region.EU),
        ("FRA3", "Am Schloss Eichhof 1", "36251", "Bad Hersfeld", "DE", Region.EU),
        ("FRA7", "Amazonstraße 1", "67227", "Frankenthal", "DE", Region.EU),
        ("CGN1", "Amazonstraße 1", "56330", "Koblenz", "DE", Region.EU),
        ("DUS2", "Amazonstraße 1", "47495", "Rheinberg", "DE", Region.EU),
        ("HAM2", "Amazonstraße 1", "21423", "Winsen (Luhe)", "DE", Region.EU),
        ("STR1", "Amazonstraße 1", "75177", "Pforzheim", "DE", Region.EU),
        ("BER3", "Amazonstraße 1", "14974", "Ludwigsfelde", "DE", Region.EU),
        ("PAD1", "Amazonstraße 1", "33106", "Paderborn", "DE", Region.EU),
        ("WRO5", "Logistyczna 6", "55-040", "Bielany Wrocławskie", "PL", Region.EU),
        ("POZ1", "Poznańska 1d", "62-080", "Sady", "PL", Region.EU),
        (
            "MAD4",
            "Avenida de la Astronomía 24",
            "28830",
            "San Fernando de Henares",
            "ES",
            Region.EU,
        ),
        ("BCN1", "Carrer Alemanya 24", "08820", "El Prat de Llobregat", "ES", Region.EU),
        ("MXP5", "Via Rita Levi Montalcini 2", "29015", "Castel San Giovanni", "IT", Region.EU),
        ("FCO1", "Via della Meccanica 1", "00012", "Passo Corese", "IT", Region.EU),
        ("ORY1", "1 rue Amazon", "45770", "Saran", "FR", Region.EU),
        ("LYS1", "1 rue Amazon", "71100", "Sevrey", "FR", Region.EU),
        ("BHX4", "Plot 1, Prologis Park", "CV6 4QQ", "Coventry", "GB", Region.EU),
        ("LTN1", "Marston Gate, Ridgmont", "MK43 0ZA", "Bedford", "GB", Region.EU),
        ("ABE2", "705 Boulder Drive", "18031", "Breinigsville", "US", Region.NA),
        ("PHX6", "4750 West Mohave Street", "85043", "Phoenix", "US", Region.NA),
        ("ONT8", "24300 Nandina Avenue", "92551", "Moreno Valley", "US", Region.NA),
        ("YYZ4", "8050 Heritage Road", "L6Y 0C9", "Brampton", "CA", Region.NA),
        ("NRT1", "1-1-1 Amazon", "272-0193", "Ichikawa", "JP", Region.FE),
    )
)


def default_fulfillment_centers(
    connection, *, region: Region | None = None, ref_prefix: str = "", skip: Set[str] = frozenset()
) -> list:
    """Unsaved FulfillmentCenter rows for the built-in FCs (of `region`, if given).

    `ref_prefix` gives each a ShipToPartyRef of prefix + code (for demos and tests).
    """
    from amazon1p.connection.models import FulfillmentCenter

    return [
        FulfillmentCenter(
            connection=connection,
            code=fc.code,
            name=fc.name,
            address_line=fc.address_line,
            postal_code=fc.postal_code,
            city=fc.city,
            country=fc.country,
            ship_to_party_ref=f"{ref_prefix}{fc.code}" if ref_prefix else "",
        )
        for fc in DEFAULT_FCS
        if (region is None or fc.region == region) and fc.code not in skip
    ]
