"""Submitting a group shipment's ASN: pre-flight, then an outbox row and its task.

The first accepted ASN of a group shipment is the Original; after it, staff may reopen the
shipment and send a Replace, which may only reduce quantities (checked by `preflight`).
"""

from django.contrib.auth.models import User
from django.db import transaction

from amazon1p.connection.models import AmazonConnection
from asn.building import asn_number, shipment_confirmation_json_for_group
from asn.models import (
    AsnStatus,
    AsnSubmission,
    AsnType,
    GroupShipment,
    GroupShipmentStatus,
)
from asn.preflight import Violation, preflight
from asn.shipments import ShipmentError
from asn.tasks import asn_send_task  # imports outbox.py, not this module: no circle
from core.tasks import delay_on_commit
from shops.audit import audit_record


class AsnRefused(ShipmentError):
    """The ASN cannot go: `violations` says why, all at once."""

    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []


def _connection(group: GroupShipment) -> AmazonConnection:
    connection = AmazonConnection.objects.filter(shop_id=group.shop_id).first()
    if connection is None or not connection.enabled:
        raise AsnRefused("Amazon 1P synchronization is not enabled for this shop.")
    if not connection.export_shipments:
        raise AsnRefused("Export shipments (ASN) is switched off in the Amazon 1P settings.")
    return connection


def next_confirmation_type(group: GroupShipment) -> str:
    accepted = AsnSubmission.objects.filter(group=group, status=AsnStatus.SUCCESS).exists()
    return AsnType.REPLACE if accepted else AsnType.ORIGINAL


def asn_submit(*, group: GroupShipment, actor: User | None) -> AsnSubmission:
    """Check, freeze the shipment, and queue its ASN (sent after commit, exactly once)."""
    with transaction.atomic():
        group = (
            GroupShipment.objects.select_for_update().select_related("warehouse").get(pk=group.pk)
        )
        if group.status != GroupShipmentStatus.DRAFT:
            raise AsnRefused(
                f"{group.code} is {group.get_status_display().lower()}; reopen it to send a "
                "Replace."
            )
        connection = _connection(group)
        violations = preflight(group, connection)
        if violations:
            raise AsnRefused(
                f"The ASN of {group.code} breaks {len(violations)} of Amazon's rules.", violations
            )
        kind = next_confirmation_type(group)
        submission = AsnSubmission.objects.create(
            group=group,
            confirmation_type=kind,
            asn_number=asn_number(group, connection),
            payload=shipment_confirmation_json_for_group(group, connection, confirmation_type=kind),
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        group.status = GroupShipmentStatus.SUBMITTED
        group.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            shop=group.shop,
            action="asn.submit",
            target=group,
            changes={"asn": submission.asn_number, "type": kind},
        )
        delay_on_commit(asn_send_task, submission.pk)
    return submission


def group_shipment_reopen(*, group: GroupShipment, actor) -> GroupShipment:
    """Back to packing after Amazon accepted the ASN, to send a Replace."""
    with transaction.atomic():
        group = GroupShipment.objects.select_for_update().get(pk=group.pk)
        if group.status != GroupShipmentStatus.CONFIRMED:
            raise ShipmentError("Only a shipment Amazon has confirmed can be reopened.")
        group.status = GroupShipmentStatus.DRAFT
        group.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, shop=group.shop, action="group_shipment.reopen", target=group)
    return group
