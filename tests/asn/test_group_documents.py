"""A group shipment's own documents: the labels' barcodes scan to exactly the SSCCs its ASN
sends, pallets get two labels unless the shop says one, the packing list lists every each,
and the shop's templates are edited with a preview and checked before they are saved."""

import pytest
from django.urls import reverse

from amazon1p.models import AmazonConnection
from asn.building import shipment_confirmation_json
from asn.document_service import document_template_save, group_document_pdf
from asn.documents import default_template
from asn.models import DocumentTemplate
from asn.placement import carton_add, pallet_add, place
from asn.shipments import shipment_add_order
from shopctrl.errors import ShopCtrlError
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
