"""Orders imported before prices kept their unit: read their PO again.

Rows of lines without netCost held 0.00 (now: no price); weight-priced rows held the price as
per each (now: with its unit); the order's currency was the shop's when the PO was priced
only in list prices (now: the PO's); parties were not stored. Reads the stored payloads
directly (no app code: this migration must keep working as the code moves on).
"""

from django.db import migrations

WEIGHT_UNITS = {"POUNDS", "OUNCES", "GRAMS", "KILOGRAMS"}
ADDRESS = {
    "name": "name",
    "addressLine1": "address_line1",
    "addressLine2": "address_line2",
    "addressLine3": "address_line3",
    "city": "city",
    "county": "county",
    "district": "district",
    "stateOrRegion": "state_or_region",
    "postalCode": "postal_code",
    "countryCode": "country_code",
    "phone": "phone",
}
ROLES = {
    "buying": "buyingParty",
    "selling": "sellingParty",
    "bill_to": "billToParty",
    "ship_to": "shipToParty",
}


def _party(raw):
    if not isinstance(raw, dict) or not isinstance(raw.get("partyId"), str):
        return None
    party = {"party_id": raw["partyId"]}
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    for key, name in ADDRESS.items():
        if isinstance(address.get(key), str) and address[key]:
            party[name] = address[key]
    tax = raw.get("taxInfo") if isinstance(raw.get("taxInfo"), dict) else {}
    for key, name in (
        ("taxRegistrationType", "tax_registration_type"),
        ("taxRegistrationNumber", "tax_registration_number"),
    ):
        if isinstance(tax.get(key), str) and tax[key]:
            party[name] = tax[key]
    return party


def _unit(money):
    unit = money.get("unitOfMeasure") if isinstance(money, dict) else None
    return unit if unit in WEIGHT_UNITS else ""


def forwards(apps, schema_editor):
    AmazonPurchaseOrder = apps.get_model("amazon1p", "AmazonPurchaseOrder")
    Order = apps.get_model("orders", "Order")
    OrderRow = apps.get_model("orders", "OrderRow")
    pos = AmazonPurchaseOrder.objects.filter(order__isnull=False, is_malformed=False)
    for order_id, raw in pos.values_list("order_id", "raw").iterator(chunk_size=500):
        details = raw.get("orderDetails") if isinstance(raw, dict) else None
        if not isinstance(details, dict) or not isinstance(details.get("items"), list):
            continue
        items = details["items"]
        rows = {r.position: r for r in OrderRow.objects.filter(order_id=order_id)}
        changed = []
        for position, item in enumerate(items, start=1):
            row = rows.get(position)
            if row is None or not isinstance(item, dict):
                continue
            net, listed = item.get("netCost"), item.get("listPrice")
            if net is None and row.unit_price == 0:
                row.unit_price = None
            row.price_unit, row.list_price_unit = _unit(net), _unit(listed)
            changed.append(row)
        OrderRow.objects.bulk_update(changed, ["unit_price", "price_unit", "list_price_unit"])
        codes = [
            [money.get("currencyCode") for item in items if isinstance(money := item.get(key), dict)]
            for key in ("netCost", "listPrice")
            if all(isinstance(item, dict) for item in items)
        ]
        codes = next((found for found in codes if found), [])  # net costs', else list prices'
        fields = {
            "parties": {
                role: party
                for role, key in ROLES.items()
                if (party := _party(details.get(key))) is not None
            }
        }
        if codes and len(set(codes)) == 1 and isinstance(codes[0], str) and len(codes[0]) == 3:
            fields["currency"] = codes[0]
        Order.objects.filter(pk=order_id).update(**fields)


def backwards(apps, schema_editor):
    # The earlier schema has no empty prices: they go back to 0.00, as they were.
    OrderRow = apps.get_model("orders", "OrderRow")
    OrderRow.objects.filter(unit_price__isnull=True).update(unit_price=0)


class Migration(migrations.Migration):
    dependencies = [
        ("amazon1p", "0010_sync_run_retries_attempts_note"),
        ("orders", "0008_order_parties_row_price_units_product_asins"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
