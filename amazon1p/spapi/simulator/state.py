"""The simulator's mutable memory: issued access tokens, acknowledgements, transactions and
shipment confirmations. One lock guards it all; every method is thread-safe.

Transactions need no background worker: each stores when it becomes final and whether it
succeeds, and readers compare that with the clock.
"""

import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from amazon1p.spapi.simulator.lifecycle import VendorAck


@dataclass(frozen=True)
class TokenGrant:
    """An LWA access token: the account (its refresh token) and when it expires."""

    account: str
    expires_at: float


@dataclass(frozen=True)
class Transaction:
    """A submitted acknowledgement or shipment confirmation."""

    transaction_id: str
    kind: str  # "acknowledgement" or "shipmentConfirmation"
    submitted_at: float
    final_at: float  # Processing until then
    errors: tuple[dict[str, str], ...]  # empty: Success

    def status(self, now: float) -> str:
        if now < self.final_at:
            return "Processing"
        return "Failure" if self.errors else "Success"


@dataclass
class SimulatorState:
    """Tokens, acknowledgements (by PO index), transactions and shipment confirmations."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, TokenGrant] = field(default_factory=dict)
    _acks: dict[int, list[VendorAck]] = field(default_factory=dict)
    _transactions: dict[str, Transaction] = field(default_factory=dict)
    _shipments: dict[str, dict[str, Any]] = field(default_factory=dict)

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
        shipments: Iterable[dict[str, Any]] = (),
    ) -> Transaction:
        """Store a transaction and, if it will succeed, the acknowledgements/ASNs it carries.

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
                for shipment in shipments:
                    self._shipments[str(shipment.get("shipmentIdentifier"))] = shipment
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

    def shipment(self, identifier: str) -> dict[str, Any] | None:
        with self._lock:
            return self._shipments.get(identifier)

    def reset(self) -> None:
        """Forget acknowledgements, transactions and shipment confirmations (tokens stay)."""
        with self._lock:
            self._acks.clear()
            self._transactions.clear()
            self._shipments.clear()
