"""The models of amazon1p's sub-domains, imported here so Django registers them under the app
label `amazon1p`. Code imports them from their sub-domain (amazon1p.<sub-domain>.models); the
names below stay importable from here for code written against the old single module."""

from amazon1p.acknowledgements.models import (
    IN_FLIGHT_ACK_STATUSES,
    Acknowledgement,
    AcknowledgementLine,
    AckOrigin,
    AckStatus,
    RejectionReason,
)
from amazon1p.connection.models import (
    AmazonConnection,
    AmazonStatus,
    FulfillmentCenter,
    StatusMapping,
)
from amazon1p.importing.models import (
    ACTIVE_SYNC_STATUSES,
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
    SyncCursor,
    SyncKind,
    SyncRun,
    SyncRunError,
    SyncStatus,
)
from amazon1p.picks.models import PickImport, PickImportOrder, PickImportStatus, PickSource
from shops.models import ApiToken  # moved to shops; kept importable from here

__all__ = [
    "ACTIVE_SYNC_STATUSES",
    "IN_FLIGHT_ACK_STATUSES",
    "AckOrigin",
    "AckStatus",
    "Acknowledgement",
    "AcknowledgementLine",
    "AmazonConnection",
    "AmazonPurchaseOrder",
    "AmazonPurchaseOrderVersion",
    "AmazonStatus",
    "ApiToken",
    "FulfillmentCenter",
    "PickImport",
    "PickImportOrder",
    "PickImportStatus",
    "PickSource",
    "RejectionReason",
    "StatusMapping",
    "SyncCursor",
    "SyncKind",
    "SyncRun",
    "SyncRunError",
    "SyncStatus",
]
