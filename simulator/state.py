"""The simulator's mutable memory: issued access tokens, acknowledgements, transactions,
shipment confirmations and the POs created from uploaded offers (one lock guards it all; every
method is thread-safe), plus the cache of rendered PO JSON.

Transactions need no background worker: each stores when it becomes final and whether it
succeeds, and readers compare that with the clock.
"""

import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulator.generator import PurchaseOrder
from simulator.lifecycle import VendorAck

# POs created from uploaded offers take schedule indices from here up. The PO-number codec
# covers 40 bits, and the generated schedule stays far below 2**39 (100,000 POs a day reach
# 2**31 around now), so the two never meet and a PO number still maps back to its index.
OFFER_INDEX_BASE = 2**39
# Offer POs are numbered on from the start time (64 a second, about 2**37 today), so a
# restarted simulator does not hand out the numbers of offer POs an importer already holds
# from an earlier run (unless that run created more than 64 POs per second since).
OFFER_NUMBERS_PER_SECOND = 64


def _first_offer_index() -> int:
    return OFFER_INDEX_BASE + int(time.time() * OFFER_NUMBERS_PER_SECOND)


@dataclass(frozen=True)
class TokenGrant:
    """An LWA access token: the account (its refresh token) and when it expires."""

    account: str
    expires_at: float


@dataclass(frozen=True)
class Transaction:
    """A submitted acknowledgement or shipment confirmation."""

    transaction_id: str
    kind: str  # "acknowledgement", "shipmentConfirmation" or "invoice"
    submitted_at: float
    final_at: float  # Processing until then
    errors: tuple[dict[str, str], ...]  # empty: Success

    def status(self, now: float) -> str:
        if now < self.final_at:
            return "Processing"
        return "Failure" if self.errors else "Success"


@dataclass(frozen=True)
class ShipmentRecord:
    """A shipment confirmation (one version of an ASN) whose transaction succeeds."""

    identifier: str
    confirmation_type: str  # Original or Replace
    selling_party: str
    received_at: float
    quantities: Mapping[tuple[str, int], int]  # (PO number, PO line) → eaches shipped
    ssccs: frozenset[str]
    confirmation: Mapping[str, Any]  # the ShipmentConfirmation JSON as received


@dataclass(frozen=True)
class InvoiceRecord:
    """An invoice or credit note whose transaction succeeds."""

    invoice_id: str
    invoice_type: str  # Invoice or CreditNote
    reference: str  # a credit note's referenceInvoiceNumber; "" for an invoice
    received_at: float
    quantities: Mapping[tuple[str, int], int]  # (PO number, PO line) → eaches invoiced
    currency: str
    total: str
    invoice: Mapping[str, Any]  # the Invoice JSON as received


@dataclass(frozen=True)
class AcceptedInvoice:
    """A stored invoice and the transaction that carried it."""

    record: InvoiceRecord
    transaction: Transaction


@dataclass(frozen=True)
class ReceivedShipment:
    """A stored shipment confirmation and the transaction that carried it."""

    record: ShipmentRecord
    transaction: Transaction


@dataclass
class SimulatorState:
    """Tokens, acknowledgements (by PO index), transactions, shipment confirmations and the
    POs of uploaded offers (by index).

    `shipment_lock` serialises the checking and storing of shipment confirmations: their
    rules read the confirmations stored before (duplicates, Replace, SSCC reuse), so two
    submissions must not both pass on the same earlier state; `invoice_lock` does the same
    for invoices (duplicate numbers, quantities already invoiced).
    """

    _lock: threading.Lock = field(default_factory=threading.Lock)
    shipment_lock: threading.Lock = field(default_factory=threading.Lock)
    invoice_lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, TokenGrant] = field(default_factory=dict)
    _acks: dict[int, list[VendorAck]] = field(default_factory=dict)
    _transactions: dict[str, Transaction] = field(default_factory=dict)
    _shipments: list[ReceivedShipment] = field(default_factory=list)
    _invoices: list[AcceptedInvoice] = field(default_factory=list)
    _offer_orders: dict[int, PurchaseOrder] = field(default_factory=dict)
    # Never reset: a PO number handed out once is never reused for another PO, since
    # importers keep POs by number.
    _next_offer_index: int = field(default_factory=_first_offer_index)

    def issue_token(self, account: str, ttl: int, now: float) -> str:
        """A new `Atza|…` access token for `account`, valid for `ttl` seconds."""
        token = "Atza|" + secrets.token_urlsafe(48)
        with self._lock:
            if len(self._tokens) > 10_000:  # forget expired tokens now and then
                self._tokens = {k: v for k, v in self._tokens.items() if v.expires_at > now}
            self._tokens[token] = TokenGrant(account, now + ttl)
        return token

    def token_grant(self, token: str) -> TokenGrant | None:
        with self._lock:
            return self._tokens.get(token)

    def add_transaction(
        self,
        *,
        kind: str,
        now: float,
        delay: float,
        errors: Iterable[dict[str, str]],
        acks: dict[int, VendorAck] | None = None,
        shipments: Iterable[ShipmentRecord] = (),
        invoices: Iterable[InvoiceRecord] = (),
    ) -> Transaction:
        """Store a transaction and, if it will succeed, the acknowledgements/ASNs/invoices it
        carries.

        The acknowledgements count from the moment the transaction succeeds (their
        `effective_at`); the id looks like Amazon's (`20190827182357-<uuid4>`).
        """
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%S")
        transaction = Transaction(
            transaction_id=f"{stamp}-{uuid.uuid4()}",
            kind=kind,
            submitted_at=now,
            final_at=now + delay,
            errors=tuple(errors),
        )
        with self._lock:
            self._transactions[transaction.transaction_id] = transaction
            if not transaction.errors:
                for index, ack in (acks or {}).items():
                    self._acks.setdefault(index, []).append(ack)
                for record in shipments:
                    self._shipments.append(ReceivedShipment(record, transaction))
                for invoice in invoices:
                    self._invoices.append(AcceptedInvoice(invoice, transaction))
        return transaction

    def transaction(self, transaction_id: str) -> Transaction | None:
        with self._lock:
            return self._transactions.get(transaction_id)

    def vendor_ack(self, index: int, now: float) -> VendorAck | None:
        """The latest acknowledgement of PO `index` that is in effect at `now`."""
        with self._lock:
            acks = self._acks.get(index, ())
            live = [ack for ack in acks if ack.effective_at <= now]
        return max(live, key=lambda ack: ack.effective_at) if live else None

    def acknowledged_indices(self) -> list[int]:
        """Every PO index that has an acknowledgement (in effect or pending)."""
        with self._lock:
            return sorted(self._acks)

    def shipments(self) -> list[ReceivedShipment]:
        """Every stored shipment confirmation (each version of an ASN), oldest first.

        Their transactions succeed, but may still be Processing.
        """
        with self._lock:
            return list(self._shipments)

    def invoices(self) -> list[AcceptedInvoice]:
        """Every stored invoice and credit note, oldest first (their transactions succeed,
        but may still be Processing)."""
        with self._lock:
            return list(self._invoices)

    def reserve_offer_indices(self, count: int) -> range:
        """`count` schedule indices no PO has had, for POs created from an offer."""
        with self._lock:
            start = self._next_offer_index
            self._next_offer_index += count
        return range(start, start + count)

    def add_offer_orders(self, orders: Iterable[PurchaseOrder]) -> None:
        """Publish POs created from an offer: listing and getPurchaseOrder now serve them."""
        with self._lock:
            for order in orders:
                self._offer_orders[order.header.index] = order

    def offer_order(self, index: int) -> PurchaseOrder | None:
        with self._lock:
            return self._offer_orders.get(index)

    def offer_indices(self) -> list[int]:
        """The indices of every PO created from an offer, ascending (= creation order)."""
        with self._lock:
            return sorted(self._offer_orders)

    def reset(self) -> None:
        """Forget acknowledgements, transactions, shipment confirmations, invoices and offer POs
        (tokens stay, and PO numbers of forgotten offer POs are not handed out again)."""
        with self._lock:
            self._acks.clear()
            self._transactions.clear()
            self._shipments.clear()
            self._invoices.clear()
            self._offer_orders.clear()


# What a render-cache entry costs beyond its body: the key tuple and its ints (and Timeline,
# for status), the ordered dict's slot and link, the bytes header. tracemalloc: 270 bytes
# for an order key, 480 for a status key.
ENTRY_OVERHEAD = 512
# 128 MiB holds about 35,000 detailed POs (3.3 KB each): a whole 7-day window at 2,858 POs a
# day (20,000 POs, the import benchmark) with room for its status and includeDetails=false
# variants. Counting bytes, not entries, bounds memory whatever the mix. Past that the least
# recently served POs are rendered again.
RENDER_CACHE_BYTES = 128 * 1024 * 1024


class RenderCache:
    """Encoded JSON of served POs, least recently used first out; thread-safe.

    A key must name every input of its JSON (see `orders_api._served_order`), so an entry is
    never stale and clearing it only frees memory. One per simulator: the generated world
    (seed, currency) is fixed for a simulator but not across the simulators of one process.
    """

    def __init__(self, max_bytes: int = RENDER_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Store `body`, dropping the least recently used entries beyond `max_bytes`."""
        cost = len(body) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous) + ENTRY_OVERHEAD
            self._entries[key] = body
            self._size += cost
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped) + ENTRY_OVERHEAD

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
