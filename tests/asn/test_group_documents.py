"""A group shipment's own documents: the labels' barcodes scan to exactly the SSCCs its ASN
sends, pallets get two labels unless the shop says one, the packing list lists every each,
and the shop's templates are edited with a preview and checked before they are saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon1p.connection.models import AmazonConnection
from asn.building import shipment_confirmation_json
from asn.document_service import document_template_save, group_document_pdf
from asn.documents import default_template
from asn.labels import ShipmentDocuments
from asn.models import DocumentTemplate, ShipmentLine
from asn.placement import carton_add, pallet_add, place
from asn.shipments import shipment_add_order
from core.errors import ShopCtrlError
from tests.asn.conftest import acknowledged_order
from tests.asn.test_documents import assert_gs1_sscc, page_text, scan
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed(group, shop, admin_user):
    """Two orders on two pallets: PO-D1 in two cartons on pallet 1, PO-D2 loose on pallet 2."""
    one = shipment_add_order(group=group, order=acknowledged_order(shop, "PO-D1"), actor=admin_user)
    two = shipment_add_order(group=group, order=acknowledged_order(shop, "PO-D2"), actor=admin_user)
    first, second = (
        pallet_add(group=group, actor=admin_user),
        pallet_add(group=group, actor=admin_user),
    )
    box_a = carton_add(group=group, pallet=first, actor=admin_user)
    box_b = carton_add(group=group, pallet=first, actor=admin_user)
    kettles, toasters = one.lines.order_by("row__position")
    place(line=kettles, container=box_a, quantity=kettles.quantity, actor=admin_user)
    place(line=toasters, container=box_b, quantity=toasters.quantity, actor=admin_user)
    for line in two.lines.all():
        place(line=line, container=second, quantity=line.quantity, actor=admin_user)
    return group


def _asn_ssccs(group, connection, key: str, ids: str) -> list[str]:
    body = shipment_confirmation_json(group, connection, confirmation_type="Original")
    return [c[ids][0]["containerIdentificationNumber"] for c in body[key]]


def test_carton_labels_scan_to_the_asns_carton_ssccs(packed, asn_connection):
    pdf = group_document_pdf(packed, "carton_label")
    scanned = [assert_gs1_sscc(code) for page in scan(pdf) for code in page]
    assert scanned == _asn_ssccs(packed, asn_connection, "cartons", "cartonIdentifiers")
    assert "PO-D1" in page_text(pdf)[0]


def test_pallet_labels_twice_per_pallet_unless_the_shop_says_one(packed, asn_connection):
    expected = _asn_ssccs(packed, asn_connection, "pallets", "palletIdentifiers")
    scanned = [
        assert_gs1_sscc(c)
        for page in scan(group_document_pdf(packed, "pallet_label"))
        for c in page
    ]
    assert scanned == [expected[0], expected[0], expected[1], expected[1]]
    AmazonConnection.objects.filter(pk=asn_connection.pk).update(label_per_pallet=True)
    scanned = [
        assert_gs1_sscc(c)
        for page in scan(group_document_pdf(packed, "pallet_label"))
        for c in page
    ]
    assert scanned == expected


def test_the_packing_list_lists_every_each(packed):
    text = " ".join(page_text(group_document_pdf(packed, "packing_list")))
    for fragment in ("PO-D1", "PO-D2", "4006381333931", "4006381333948", packed.code):
        assert fragment in text


def test_nothing_to_label_is_said_plainly(group):
    with pytest.raises(ShopCtrlError, match="no cartons to label"):
        group_document_pdf(group, "carton_label")


def test_a_broken_template_is_refused_with_reasons(shop, admin_user):
    broken = default_template("carton_label").replace("label.po_list", "label.po_lst")
    with pytest.raises(ShopCtrlError, match="not a known field"):
        document_template_save(
            shop=shop, kind="carton_label", source=broken, page_size="4x6", actor=admin_user
        )
    assert not DocumentTemplate.objects.exists()


def test_the_shops_template_is_used_for_its_documents(packed, shop, admin_user):
    own = default_template("carton_label").replace(
        '<div class="sscc">', '<p>Fragile – handle with care</p><div class="sscc">'
    )
    document_template_save(
        shop=shop, kind="carton_label", source=own, page_size="A4", actor=admin_user
    )
    pdf = group_document_pdf(packed, "carton_label")
    assert "Fragile" in page_text(pdf)[0]


def test_template_pages_edit_preview_and_reset(shop, admin_user, viewer_user):
    admin = client_for(admin_user)
    url = reverse("asn:template-edit", args=[shop.pk, "pallet_label"])
    assert admin.get(url).status_code == 200
    preview = admin.post(
        reverse("asn:template-preview", args=[shop.pk, "pallet_label"]),
        {"source": default_template("pallet_label"), "page_size": "A4"},
    )
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    bad = admin.post(
        reverse("asn:template-preview", args=[shop.pk, "pallet_label"]),
        {"source": "{% include 'base.html' %}", "page_size": "4x6"},
    )
    assert bad.status_code == 400 and "include" in bad.content.decode()
    refused = admin.post(url, {"source": "<p>no barcode</p>", "page_size": "4x6"})
    assert refused.status_code == 400 and "barcode" in refused.content.decode()
    saved = admin.post(url, {"source": default_template("pallet_label"), "page_size": "A4"})
    assert saved.status_code == 302
    assert DocumentTemplate.objects.get(shop=shop, kind="pallet_label").page_size == "A4"
    admin.post(reverse("asn:template-reset", args=[shop.pk, "pallet_label"]))
    assert not DocumentTemplate.objects.filter(shop=shop).exists()
    assert client_for(viewer_user).get(url).status_code == 403


def test_documents_download_from_the_shipment_page(packed, shop, viewer_user):
    response = client_for(viewer_user).get(
        reverse("asn:document", args=[shop.pk, packed.pk, "pallet_label"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.fixture
def loose(group, shop, admin_user):
    """Two orders loose on one pallet (no carton), plus one carton on a second pallet."""
    one = shipment_add_order(group=group, order=acknowledged_order(shop, "PO-L1"), actor=admin_user)
    two = shipment_add_order(group=group, order=acknowledged_order(shop, "PO-L2"), actor=admin_user)
    first = pallet_add(group=group, actor=admin_user)
    second = pallet_add(group=group, actor=admin_user)
    box = carton_add(group=group, pallet=second, actor=admin_user)
    for line in one.lines.all():
        place(line=line, container=first, quantity=line.quantity, actor=admin_user)
    kettles, toasters = two.lines.order_by("row__position")
    place(line=kettles, container=first, quantity=kettles.quantity, actor=admin_user)
    place(line=toasters, container=box, quantity=toasters.quantity, actor=admin_user)
    return group, first, second, box


def test_packing_list_of_eaches_loose_on_a_pallet(loose):
    group, first, second, box = loose
    packing = ShipmentDocuments(group).packing_list()

    assert (packing.pallet_count, packing.carton_count, packing.unit_count) == (2, 1, 36)
    assert [(c.sscc, c.pallet_sscc, c.po_number) for c in packing.cartons] == [
        (box.sscc, second.sscc, "PO-L2")
    ]
    assert [
        (line.pallet_sscc, line.carton_sscc, line.carton_number, line.po_number, line.ean)
        for line in packing.lines
    ] == [
        (first.sscc, "", None, "PO-L1", "4006381333931"),
        (first.sscc, "", None, "PO-L1", "4006381333948"),
        (first.sscc, "", None, "PO-L2", "4006381333931"),
        (second.sscc, box.sscc, 1, "PO-L2", "4006381333948"),
    ]
    assert [(i.ean, i.quantity) for i in packing.items] == [
        ("4006381333931", 24),
        ("4006381333948", 12),
    ]
    # No unit weights: the gross weight is not known, the packaging's (ASN settings) is.
    assert packing.total_weight_kg is None
    assert [p.min_weight_kg for p in packing.pallets] == [Decimal(25), Decimal("25.5")]
    assert packing.cartons[0].min_weight_kg == Decimal("0.5")
    assert packing.min_total_weight_kg == Decimal("50.5")

    text = " ".join(" ".join(page_text(group_document_pdf(group, "packing_list"))).split())
    assert "PALLETS 2 CARTONS 1 UNITS 36" in text
    assert "GROSS WEIGHT at least 50.5 kg (goods not weighed)" in text
    assert f"{first.sscc} loose on pallet PO-L1 4006381333931 Kettle 12" in text
    assert f"{first.sscc} loose on pallet PO-L2 4006381333931 Kettle 12" in text
    assert f"1 {second.sscc} {box.sscc} PO-L2 4006381333948 Toaster 6" in text
    assert "PO-L1, PO-L2 4006" not in text


def test_packing_list_weights_with_unit_weights(loose):
    group = loose[0]
    ShipmentLine.objects.filter(shipment__group=group).update(unit_weight_kg=Decimal("1.5"))
    packing = ShipmentDocuments(group).packing_list()

    # Pallet 1: 30 eaches × 1.5 + 25; pallet 2: carton (6 × 1.5 + 0.5) + 25.
    assert [p.weight_kg for p in packing.pallets] == [Decimal("70.0"), Decimal("34.5")]
    assert packing.cartons[0].weight_kg == Decimal("9.5")
    assert packing.total_weight_kg == Decimal("104.5")
    text = " ".join(" ".join(page_text(group_document_pdf(group, "packing_list"))).split())
    assert "GROSS WEIGHT 104.5 kg" in text
    assert f"1 {loose[1].sscc} 0 70.0 2 {loose[2].sscc} 1 34.5" in text
