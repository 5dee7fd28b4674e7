"""A group shipment's documents as PDF, from the shop's templates (or the built-in ones)."""

from django.contrib.auth.models import User
from django.db import transaction

from amazon1p.connection.models import AmazonConnection
from asn.documents import (
    DocumentError,
    default_template,
    render_carton_labels,
    render_packing_list,
    render_pallet_labels,
    template_errors,
)
from asn.labels import ShipmentDocuments
from asn.models import DocumentKind, DocumentTemplate, GroupShipment, PageSize
from core.errors import ShopCtrlError
from shops.audit import audit_record
from shops.models import Shop

# GS1 logistic labels: a pallet carries two, on adjacent sides, unless the shop says one.
PALLET_LABEL_COPIES = 2
DEFAULT_PAGE_SIZE: dict[str, str] = {
    DocumentKind.CARTON_LABEL: PageSize.LABEL_4X6,
    DocumentKind.PALLET_LABEL: PageSize.LABEL_4X6,
    DocumentKind.PACKING_LIST: PageSize.A4,
}


def document_template(shop: Shop, kind: str) -> tuple[str, str, bool]:
    """(source, page size, is the shop's own) for `kind`."""
    own = DocumentTemplate.objects.filter(shop=shop, kind=kind).first()
    if own is not None:
        return own.source, own.page_size, True
    return default_template(kind), DEFAULT_PAGE_SIZE[kind], False


def group_document_pdf(group: GroupShipment, kind: str) -> bytes:
    """The PDF of one document of the group shipment; ShopCtrlError when there is nothing
    to print or the shop's template is broken."""
    source, page_size, own = document_template(group.shop, kind)
    documents = ShipmentDocuments(group)
    try:
        if kind == DocumentKind.CARTON_LABEL:
            labels = documents.carton_labels()
            if not labels:
                raise ShopCtrlError(f"{group.code} has no cartons to label.")
            return render_carton_labels(source, labels, page_size)
        if kind == DocumentKind.PALLET_LABEL:
            pallet_labels = documents.pallet_labels()
            if not pallet_labels:
                raise ShopCtrlError(f"{group.code} has no pallets to label.")
            connection = AmazonConnection.objects.filter(shop_id=group.shop_id).first()
            one = connection is not None and connection.label_per_pallet
            return render_pallet_labels(
                source, pallet_labels, page_size, copies=1 if one else PALLET_LABEL_COPIES
            )
        return render_packing_list(source, documents.packing_list(), page_size)
    except DocumentError as error:
        whose = "The shop's" if own else "The built-in"
        raise ShopCtrlError(
            f"{whose} {DocumentKind(kind).label.lower()} template cannot be printed: "
            + " ".join(error.messages)
        ) from None


def document_template_save(
    *, shop: Shop, kind: str, source: str, page_size: str, actor: User
) -> DocumentTemplate:
    """Store the shop's template after checking it renders; ShopCtrlError lists why not."""
    problems = template_errors(kind, source)
    if problems:
        raise ShopCtrlError(" ".join(problems), field="source")
    with transaction.atomic():
        template, created = DocumentTemplate.objects.update_or_create(
            shop=shop,
            kind=kind,
            defaults={"source": source, "page_size": page_size, "updated_by": actor},
        )
        audit_record(
            actor=actor,
            shop=shop,
            action="document_template.create" if created else "document_template.update",
            target=template,
            changes={"kind": kind, "page_size": page_size},
        )
    return template


def document_template_reset(*, shop: Shop, kind: str, actor: User) -> bool:
    """Back to the built-in template; False when the shop had none of its own."""
    with transaction.atomic():
        template = DocumentTemplate.objects.filter(shop=shop, kind=kind).first()
        if template is None:
            return False
        audit_record(actor=actor, shop=shop, action="document_template.reset", target=template)
        template.delete()
    return True
