"""The audit log reads as "field: old → new", whatever shape an entry was written in."""

import re

from django.utils.html import strip_tags

from shops import services
from shops.audit import audit_record
from shops.models import AuditEntry


def _changes_cells(html: str) -> list[set[str]]:
    """The text of each entry's Changes cell, one line per field."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]
    # PostgreSQL's jsonb keeps its own key order: compare each cell's lines as a set.
    return [
        {strip_tags(div).strip() for div in re.findall(r"<div>(.*?)</div>", c[4])}
        for c in cells
        if len(c) == 5
    ]


def test_a_value_set_by_a_step_is_stored_as_a_change_from_nothing(shop, admin_user):
    entry = audit_record(
        actor=admin_user,
        shop=shop,
        action="asn.submit",
        target=shop,
        changes={"asn": "BOL123", "type": "Original", "rows": 5, "status": ["a", "b"]},
    )
    entry.refresh_from_db()

    assert entry.changes == {
        "asn": [None, "BOL123"],
        "type": [None, "Original"],
        "rows": [None, 5],
        "status": ["a", "b"],
    }


def test_new_shop_entry_stores_pairs(admin_user):
    shop = services.shop_create(actor=admin_user, name="Fresh Shop", currency="EUR", country="DE")

    entry = AuditEntry.objects.get(shop=shop, action="shop.create")
    assert entry.changes["name"] == [None, "Fresh Shop"]
    assert entry.changes["currency"] == [None, "EUR"]


def test_audit_page_reads_every_entry_as_what_changed(shop, admin_user, admin_client):
    AuditEntry.objects.filter(shop=shop).delete()
    audit_record(
        actor=admin_user,
        shop=shop,
        action="asn.submit",
        target=shop,
        changes={"asn": "BOL123", "type": "Original"},
    )
    audit_record(
        actor=admin_user,
        shop=shop,
        action="offer.manufacture",
        target=shop,
        changes={
            "stage": "warehouse",
            "revision": 4,
            "count": 2,
            "rows": {"2": {"manufacture_qty1": [None, 80]}, "3": {"manufacture_qty1": [10, 5]}},
        },
    )
    audit_record(
        actor=admin_user, shop=shop, action="shop.update", target=shop, changes={"name": ["A", "B"]}
    )
    # Rows written before every writer stored pairs hold the bare value.
    AuditEntry.objects.create(
        shop=shop,
        action="group_shipment.add_order",
        target_type="asn.groupshipment",
        target_id="1",
        changes={"order": "PO1234", "pallets": 3, "added": ["FC1", "FC2", "FC3"]},
    )

    response = admin_client.get(f"/shops/{shop.pk}/settings/audit-log/")

    assert response.status_code == 200
    cells = _changes_cells(response.content.decode())
    assert cells == [
        {"order: PO1234", "pallets: 3", "added: FC1, FC2, FC3"},
        {"name: A → B"},
        {
            "stage: warehouse",
            "revision: 4",
            "count: 2",
            "rows: 2: manufacture_qty1: 80; 3: manufacture_qty1: 10 → 5",
        },
        {"asn: BOL123", "type: Original"},
    ]
