"""SSCCs for the shop's pallets and cartons: generated from its GS1 company prefix, or
supplied from outside (a pack file, a pre-printed label) and validated.

GS1 forbids reusing an SSCC within a year. Generated serials come from a per-shop counter
that only goes up, so ours never repeat; every SSCC put on a container, generated or
supplied, is recorded (`SsccRecord`), and a supplied one seen in the last 365 days is
refused.
"""

from collections.abc import Collection
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from amazon1p.connection.models import AmazonConnection
from asn.gs1 import InvalidSSCC, make_sscc, normalise_sscc, serial_capacity
from asn.models import GroupShipment, SsccCounter, SsccRecord
from core.errors import ShopCtrlError
from shops.models import Shop

REUSE_AFTER = timedelta(days=365)


class SsccError(ShopCtrlError):
    """An SSCC that cannot be generated or used; the message is for the user."""


def company_prefix(shop: Shop) -> str:
    prefix = (
        AmazonConnection.objects.filter(shop=shop)
        .values_list("gs1_company_prefix", flat=True)
        .first()
    )
    if not prefix:
        raise SsccError(
            "Set the shop's GS1 company prefix (Amazon 1P settings › ASN) to generate SSCCs."
        )
    return prefix


def sscc_allocate(shop: Shop, count: int = 1, *, group: GroupShipment | None = None) -> list[str]:
    """Draw `count` new SSCCs (in the caller's transaction: a rollback gives them back)."""
    prefix = company_prefix(shop)
    capacity = serial_capacity(prefix)
    with transaction.atomic():
        counter, _ = SsccCounter.objects.select_for_update().get_or_create(
            shop=shop, company_prefix=prefix
        )
        first = counter.next_serial
        if first + count - 1 >= capacity:
            raise SsccError(
                f"The company prefix {prefix} has no serial numbers left "
                f"({capacity - 1:,} used). Ask GS1 for another prefix."
            )
        counter.next_serial = first + count
        counter.save(update_fields=["next_serial"])
        codes = [make_sscc(prefix, serial) for serial in range(first, first + count)]
        SsccRecord.objects.bulk_create(
            SsccRecord(shop=shop, sscc=code, group=group) for code in codes
        )
    return codes


def sscc_supplied(
    shop: Shop,
    text: str,
    *,
    group: GroupShipment | None = None,
    reusable: Collection[str] = (),
) -> str:
    """Validate and record an SSCC from outside for `group`. One the same group shipment
    used before (or listed in `reusable`) may be used again; any other used within 365
    days is refused."""
    try:
        code = normalise_sscc(text)
    except InvalidSSCC as exc:
        raise SsccError(str(exc)) from None
    if code in reusable:
        return code
    since = timezone.now() - REUSE_AFTER
    record = SsccRecord.objects.filter(shop=shop, sscc=code).first()
    if record is not None:
        same_group = group is not None and record.group_id == group.pk
        if record.used_at >= since and not same_group:
            raise SsccError(
                f"SSCC {code} was already used on {record.used_at:%Y-%m-%d}; "
                "an SSCC may not be used again within 365 days."
            )
        SsccRecord.objects.filter(pk=record.pk).update(
            used_at=timezone.now(), generated=False, group=group
        )
        return code
    try:
        with transaction.atomic():
            SsccRecord.objects.create(shop=shop, sscc=code, generated=False, group=group)
    except IntegrityError:  # recorded by a concurrent request a moment ago
        raise SsccError(f"SSCC {code} is already in use.") from None
    return code
