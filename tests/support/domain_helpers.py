"""Small helpers the tests use that the application itself does not need (they were in the
apps' modules until nothing but a test called them)."""

from django.db.models import QuerySet
from django.utils import timezone

from asn.gs1 import InvalidSSCC, normalise_sscc
from asn.models import GroupShipment
from bulkbuy.models import Offer, OfferRow, OfferStageLook


def is_valid_sscc(text: str) -> bool:
    """Whether `text` reads as an SSCC (18 digits with a right check digit)."""
    try:
        normalise_sscc(text)
    except InvalidSSCC:
        return False
    return True


def group_status_set(group: GroupShipment, status: str) -> None:
    """Force a group shipment's status (the way a worker elsewhere would change it)."""
    GroupShipment.objects.filter(pk=group.pk).update(status=status, updated_at=timezone.now())
    group.status = status


def offer_changed_rows(*, offer: Offer, stage: str) -> QuerySet[OfferRow]:
    """Rows changed since the stage's approver last worked on the offer (none before the
    stage's first look): what the offer page highlights for that stage."""
    look = OfferStageLook.objects.filter(offer=offer, stage=stage).first()
    if look is None:
        return offer.rows.none()
    return offer.rows.filter(changed_revision__gt=look.revision)
