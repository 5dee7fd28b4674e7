"""The outbox steps (core/outbox.py) bound to Amazon: the client of the row's shop and the
boundary's error classes. The acknowledgement, ASN and invoice outboxes build on this."""

from abc import abstractmethod
from typing import TypeVar

from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.errors import (
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.factory import vendor_client_for
from core.outbox import Outbox, OutboxMessage

M = TypeVar("M", bound=OutboxMessage)


class AmazonOutbox(Outbox[M, VendorClient]):
    throttled = AmazonThrottledError
    rejected = AmazonRejectedError
    transient = AmazonTransientError

    @abstractmethod
    def shop_id(self, row: M) -> int:
        """The shop whose Amazon connection sends the row."""

    def client(self, row: M) -> VendorClient:
        connection = AmazonConnection.objects.get(shop_id=self.shop_id(row))
        return vendor_client_for(spapi_connection(connection))
