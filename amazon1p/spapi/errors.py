"""Errors of the Amazon boundary.

Callers decide with two classes: `AmazonTransientError` (try again later; the client has
already retried within its bounds) and `AmazonRejectedError` (Amazon said no: show the code
and message to a person). Messages never contain credentials or tokens.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiError:
    """One entry of Amazon's `errors` envelope."""

    code: str
    message: str
    details: str = ""

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        return f"{text} ({self.details})" if self.details else text


class AmazonError(Exception):
    """Base of every error raised by amazon1p.spapi."""

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        status: int | None = None,
        errors: tuple[ApiError, ...] = (),
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status
        self.errors = errors
        self.request_id = request_id

    @property
    def code(self) -> str:
        """Amazon's first error code, or "" when the answer carried none."""
        return self.errors[0].code if self.errors else ""


class AmazonTransientError(AmazonError):
    """Throttling, a server error, a timeout or a garbled answer: worth another try later."""


class AmazonThrottledError(AmazonTransientError):
    """HTTP 429 QuotaExceeded: Amazon processed nothing."""


class AmazonRejectedError(AmazonError):
    """Amazon refused the request (400, 403, 404, …): retrying the same call will not help."""


class AmazonAuthError(AmazonRejectedError):
    """Login with Amazon refused the credentials; `credential` says which one to fix."""

    def __init__(self, message: str, *, credential: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.credential = credential


class AmazonEndpointRefusedError(AmazonRejectedError):
    """We refused to send anything: the endpoint is not allowed in this deployment, or the
    stored secrets were saved for another endpoint or client id. Nothing left the process."""


class AmazonMappingError(ValueError):
    """A payload that does not fit Amazon's documented shape; names the PO and the field."""

    def __init__(self, message: str, *, po_number: str | None = None, field: str = "") -> None:
        prefix = f"PO {po_number}: " if po_number else ""
        super().__init__(f"{prefix}{field + ': ' if field else ''}{message}")
        self.po_number = po_number
        self.field = field
