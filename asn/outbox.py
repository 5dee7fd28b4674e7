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

from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.errors import (
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.factory import vendor_client_for
from asn.models import (
    AsnStatus,
    AsnSubmission,
    AsnType,
    GroupShipment,
    GroupShipmentStatus,
)
from core.outbox import Outcome, amazon_errors, idle_messages, transaction_errors
from shops.models import AlertKind, AlertSeverity
from shops.services import alert_raise

logger = logging.getLogger(__name__)

RESEND_AFTER = timedelta(minutes=10)
STUCK_AFTER = timedelta(minutes=30)
# The answer to an Original whose shipment identifier is already confirmed.
DUPLICATE_CODE = "DUPLICATE_SHIPMENT_ID"


def _client(submission: AsnSubmission) -> VendorClient:
    connection = AmazonConnection.objects.get(shop_id=submission.group.shop_id)
    return vendor_client_for(spapi_connection(connection))


def _finish(submission: AsnSubmission, status: str, errors: list[dict] | None = None) -> None:
    """Close the row (if still open) and move the group shipment on: confirmed, or back to
    packing with an alert so staff can fix what Amazon refused."""
    with transaction.atomic():
        row = AsnSubmission.objects.select_for_update().get(pk=submission.pk)
        if not row.in_flight:
            return
        row.status = status
        row.errors = errors or row.errors
        row.finished_at = timezone.now()
        row.save(update_fields=["status", "errors", "finished_at"])
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


def asn_send(submission_id: int, client: VendorClient | None = None) -> str:
    """Send a PENDING ASN once; a SENDING one is recovered (see the module doc)."""
    with transaction.atomic():
        row = (
            AsnSubmission.objects.select_for_update(skip_locked=True)
            .select_related("group")
            .filter(pk=submission_id)
            .first()
        )
        if row is None:  # another worker holds it right now; the watchdog looks again later
            return Outcome.DONE
        if row.status == AsnStatus.SENDING:
            started = row.send_started_at or row.created_at
            if timezone.now() - started < RESEND_AFTER:
                return Outcome.CHECK_LATER
            logger.info("ASN %s: no answer stored after %s, sending again", row.pk, RESEND_AFTER)
        elif row.status != AsnStatus.PENDING:
            return Outcome.DONE
        row.status = AsnStatus.SENDING
        row.send_started_at = timezone.now()
        row.attempts += 1
        row.save(update_fields=["status", "send_started_at", "attempts"])
    client = client or _client(row)
    try:
        transaction_id = client.submit_shipment_confirmation_bodies([row.payload])
    except AmazonThrottledError:  # 429: Amazon took nothing
        AsnSubmission.objects.filter(pk=row.pk, status=AsnStatus.SENDING).update(
            status=AsnStatus.PENDING
        )
        return Outcome.SEND_LATER
    except AmazonRejectedError as exc:  # refused outright (4xx): nothing was taken
        _finish(row, AsnStatus.ERROR, amazon_errors(exc))
        return Outcome.DONE
    except AmazonTransientError as exc:  # timeout or 5xx: maybe taken, maybe not
        logger.warning("ASN %s: fate unknown after %s", row.pk, exc)
        return Outcome.CHECK_LATER
    AsnSubmission.objects.filter(pk=row.pk, status=AsnStatus.SENDING).update(
        status=AsnStatus.SUBMITTED, transaction_id=transaction_id, submitted_at=timezone.now()
    )
    return Outcome.CHECK_LATER


def _arrived_before(submission: AsnSubmission, errors: list[dict]) -> bool:
    """A resent Original refused as a duplicate: the first send arrived. (Amazon judged the
    resend against a state that already holds the first, so other findings — quantities
    "already shipped" — are echoes of the same fact.)"""
    return (
        submission.attempts > 1
        and submission.confirmation_type == AsnType.ORIGINAL
        and any(e.get("code") == DUPLICATE_CODE for e in errors)
    )


def asn_check(submission_id: int, client: VendorClient | None = None) -> str:
    """Follow a SUBMITTED ASN to Success or Failure (and recover a SENDING one)."""
    row = AsnSubmission.objects.select_related("group").filter(pk=submission_id).first()
    if row is None or not row.in_flight:
        return Outcome.DONE
    if row.status == AsnStatus.PENDING:
        return Outcome.SEND_LATER
    client = client or _client(row)
    if row.status == AsnStatus.SENDING:
        return asn_send(row.pk, client)
    status = client.get_transaction(row.transaction_id)
    AsnSubmission.objects.filter(pk=row.pk).update(checked_at=timezone.now())
    if status.status == "Success":
        _finish(row, AsnStatus.SUCCESS)
        return Outcome.DONE
    if status.status == "Failure":
        errors = transaction_errors(status)
        if _arrived_before(row, errors):
            _finish(row, AsnStatus.SUCCESS)
        else:
            _finish(row, AsnStatus.ERROR, errors)
        return Outcome.DONE
    _watch_processing(row)
    return Outcome.CHECK_LATER


def _watch_processing(row: AsnSubmission) -> None:
    """Still Processing long after Amazon usually decides: alert once."""
    if row.submitted_at is None or timezone.now() - row.submitted_at < STUCK_AFTER:
        return
    with transaction.atomic():
        locked = AsnSubmission.objects.select_for_update().get(pk=row.pk)
        if any(e.get("code") == "STUCK" for e in locked.errors):
            return
        locked.errors = [
            *locked.errors,
            {
                "code": "STUCK",
                "message": f"Transaction {row.transaction_id} still Processing after "
                f"{int(STUCK_AFTER.total_seconds() // 60)} minutes.",
                "details": "",
            },
        ]
        locked.save(update_fields=["errors"])
        alert_raise(
            shop=row.group.shop,
            severity=AlertSeverity.WARNING,
            message=f"The ASN {row.asn_number} of {row.group.code} is still processing at "
            f"Amazon (transaction {row.transaction_id}).",
            target=row.group,
            kind=AlertKind.SHIPMENT,
        )


def asns_idle(idle_seconds: int) -> list[AsnSubmission]:
    """In-flight ASNs no task has touched for `idle_seconds` (the watchdog's)."""
    return idle_messages(AsnSubmission, idle_seconds)
