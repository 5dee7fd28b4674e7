"""Sending ASNs exactly once, and following them to Amazon's verdict.

States (AsnSubmission.status): PENDING → SENDING → SUBMITTED → SUCCESS | ERROR, as for
acknowledgements (`amazon1p/acknowledgements/outbox.py`), with one difference in recovery.
A worker killed between the POST and storing the transaction id leaves the row SENDING, and
Amazon may or may not have the ASN. Amazon refuses a second *Original* with the same
shipment identifier, and a *Replace* with the same content changes nothing, so after
`RESEND_AFTER` the row is simply sent again: if Amazon answers that the identifier was
already confirmed with this very content, the first send arrived and the row is a success.
Either way Amazon holds the ASN once.

Every function here may run twice, concurrently, or be killed halfway.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from amazon1p.connection.outbox import AmazonOutbox
from amazon1p.spapi.client import VendorClient
from asn.models import (
    AsnStatus,
    AsnSubmission,
    AsnType,
    GroupShipment,
    GroupShipmentStatus,
)
from core.outbox import idle_messages
from shops.models import AlertKind, AlertSeverity
from shops.services import alert_raise

logger = logging.getLogger(__name__)

RESEND_AFTER = timedelta(minutes=10)
STUCK_AFTER = timedelta(minutes=30)
# The answer to an Original whose shipment identifier is already confirmed.
DUPLICATE_CODE = "DUPLICATE_SHIPMENT_ID"


class AsnOutbox(AmazonOutbox[AsnSubmission]):
    model = AsnSubmission
    noun = "ASN"
    log = logger
    related = ("group",)
    resend_after = RESEND_AFTER

    def shop_id(self, row: AsnSubmission) -> int:
        return row.group.shop_id

    def post(self, client: VendorClient, row: AsnSubmission) -> str:
        return client.submit_shipment_confirmation_bodies([row.payload])

    def finished(self, row: AsnSubmission, status: str) -> None:
        """Move the group shipment on: confirmed, or back to packing with an alert so staff
        can fix what Amazon refused."""
        group = GroupShipment.objects.select_for_update().get(pk=row.group_id)
        if status == AsnStatus.SUCCESS:
            group.status = GroupShipmentStatus.CONFIRMED
        else:
            earlier = AsnSubmission.objects.filter(group=group, status=AsnStatus.SUCCESS)
            group.status = (
                GroupShipmentStatus.CONFIRMED if earlier.exists() else GroupShipmentStatus.DRAFT
            )
            alert_raise(
                shop=group.shop,
                severity=AlertSeverity.ERROR,
                message=f"Amazon refused the ASN {row.asn_number} ({row.confirmation_type}) "
                f"of {group.code}: " + "; ".join(e["message"] for e in row.errors),
                target=group,
                kind=AlertKind.SHIPMENT,
            )
        group.save(update_fields=["status", "updated_at"])

    def arrived_before(self, row: AsnSubmission, errors: list[dict[str, str]]) -> bool:
        """A resent Original refused as a duplicate: the first send arrived. (Amazon judged
        the resend against a state that already holds the first, so other findings —
        quantities "already shipped" — are echoes of the same fact.)"""
        return (
            row.attempts > 1
            and row.confirmation_type == AsnType.ORIGINAL
            and any(e.get("code") == DUPLICATE_CODE for e in errors)
        )

    def processing(self, row: AsnSubmission, client: VendorClient) -> None:
        """Still Processing long after Amazon usually decides: alert once."""
        if row.submitted_at is None or timezone.now() - row.submitted_at < STUCK_AFTER:
            return
        message = (
            f"Transaction {row.transaction_id} still Processing after "
            f"{int(STUCK_AFTER.total_seconds() // 60)} minutes."
        )
        with transaction.atomic():
            if self.stuck_once(row, message):
                alert_raise(
                    shop=row.group.shop,
                    severity=AlertSeverity.WARNING,
                    message=f"The ASN {row.asn_number} of {row.group.code} is still processing "
                    f"at Amazon (transaction {row.transaction_id}).",
                    target=row.group,
                    kind=AlertKind.SHIPMENT,
                )


OUTBOX = AsnOutbox()


def asn_send(submission_id: int, client: VendorClient | None = None) -> str:
    """Send a PENDING ASN once; a SENDING one is recovered (see the module doc)."""
    return OUTBOX.send(submission_id, client)


def asn_check(submission_id: int, client: VendorClient | None = None) -> str:
    """Follow a SUBMITTED ASN to Success or Failure (and recover a SENDING one)."""
    return OUTBOX.check(submission_id, client)


def asns_idle(idle_seconds: int) -> list[AsnSubmission]:
    """In-flight ASNs no task has touched for `idle_seconds` (the watchdog's)."""
    return idle_messages(AsnSubmission, idle_seconds)
