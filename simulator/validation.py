"""Input checks the way Amazon makes them: query parameters, date windows, nextTokens and
request bodies against the models' JSON schemas. Failures raise `InputError`, which the
server turns into a 400 with Amazon's error envelope.
"""

import base64
import binascii
import calendar
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILES = {
    "vendorOrders": "vendorOrders.json",
    "vendorShipments": "vendorShipments.json",
    "vendorTransactionStatus": "vendorTransactionStatus.json",
    "vendorInvoices": "vendorInvoices.json",
}
MAX_WINDOW = 7 * 86_400  # "The date range to search must not be more than 7 days."
# Clients compute "six months ago" a moment before the request arrives; an hour of grace
# keeps such a window valid.
HISTORY_GRACE = 3_600

# Extended ISO-8601 date-time (Amazon rejects `2019-09-2100:00:00`, see the sandbox cases). A
# missing zone means UTC, as in the sandbox requests.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)


class InputError(Exception):
    """A request Amazon would refuse; `status` is usually 400."""

    def __init__(self, message: str, *, code: str = "InvalidInput", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def parse_date_time(value: str) -> float | None:
    """Epoch seconds of an ISO-8601 date-time, or None when it is not one."""
    if not _DATE_TIME.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def date_param(query: Mapping[str, str], name: str) -> float | None:
    """The date-time parameter `name`, or None if absent; InputError if it does not parse."""
    value = query.get(name)
    if value is None:
        return None
    moment = parse_date_time(value)
    if moment is None:
        raise InputError(f"Invalid {name}: '{value}' is not an ISO-8601 date-time.")
    return moment


def history_floor(now: float) -> float:
    """The oldest moment Amazon still has data for: six calendar months back, minus grace."""
    today = datetime.fromtimestamp(now, UTC)
    month, year = today.month - 6, today.year
    if month < 1:
        month, year = month + 12, year - 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return today.replace(year=year, month=month, day=day).timestamp() - HISTORY_GRACE


@dataclass(frozen=True)
class Window:
    """A date filter: (after, before], epoch seconds."""

    after: float
    before: float

    def as_list(self) -> list[float]:
        return [self.after, self.before]


def window_param(query: Mapping[str, str], prefix: str, now: float) -> Window | None:
    """The `<prefix>After`/`<prefix>Before` pair, checked like Amazon checks it.

    A missing After means Before minus 7 days; a missing Before means now. The range may
    not exceed 7 days, nor reach back more than six months.
    """
    after, before = date_param(query, prefix + "After"), date_param(query, prefix + "Before")
    if after is None and before is None:
        return None
    if before is None:
        before = max(now, after or now)
    if after is None:
        after = before - MAX_WINDOW
    if after > before:
        raise InputError(f"Invalid {prefix}After: it must be earlier than {prefix}Before.")
    if before - after > MAX_WINDOW:
        raise InputError(
            f"Invalid {prefix}After/{prefix}Before: the date range must not be more than 7 days."
        )
    if after < history_floor(now):
        raise InputError(f"Invalid {prefix}After: data is only available for the past 6 months.")
    return Window(after, before)


def limit_param(query: Mapping[str, str], maximum: int = 100) -> int | None:
    value = query.get("limit")
    if value is None:
        return None
    if not re.fullmatch(r"\d{1,9}", value) or not 1 <= int(value) <= maximum:
        raise InputError(f"Invalid limit: '{value}' is not between 1 and {maximum}.")
    return int(value)


def bool_param(query: Mapping[str, str], name: str) -> bool | None:
    value = query.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise InputError(f"Invalid {name}: '{value}' is not true or false.")
    return value.lower() == "true"


def enum_param(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = query.get(name)
    if value is not None and value not in allowed:
        raise InputError(f"Invalid {name}: '{value}' is not one of {', '.join(allowed)}.")
    return value


class TokenCodec:
    """Opaque nextTokens: standard base64 (with `+`, `/`, `=` like Amazon's) of an HMAC-signed
    JSON cursor that carries the original filters, so a page request needs only the token.
    """

    def __init__(self, seed: int) -> None:
        self._key = hashlib.sha256(f"vendor-simulator:{seed}".encode()).digest()

    def encode(self, operation: str, cursor: Mapping[str, Any]) -> str:
        raw = json.dumps({"op": operation, **cursor}, separators=(",", ":")).encode()
        signature = hmac.new(self._key, raw, hashlib.sha256).digest()[:12]
        return base64.b64encode(signature + raw).decode()

    def decode(self, operation: str, token: str) -> dict[str, Any]:
        invalid = InputError("Invalid nextToken: the token is not valid for this request.")
        try:
            blob = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise invalid from None
        signature, raw = blob[:12], blob[12:]
        expected = hmac.new(self._key, raw, hashlib.sha256).digest()[:12]
        if not hmac.compare_digest(signature, expected):
            raise invalid
        cursor: dict[str, Any] = json.loads(raw)
        if cursor.pop("op", None) != operation:
            raise invalid
        return cursor


@lru_cache(maxsize=4)
def load_models(models_dir: Path = MODELS_DIR) -> dict[str, dict[str, Any]]:
    """The vendor models by name (vendorOrders, vendorShipments, vendorTransactionStatus,
    vendorInvoices)."""
    return {
        name: json.loads((models_dir / file).read_text(encoding="utf-8"))
        for name, file in MODEL_FILES.items()
    }


_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or parse_date_time(value) is not None


@lru_cache(maxsize=32)
def _validator(models_dir: Path, model: str, definition: str) -> jsonschema.Draft4Validator:
    definitions = load_models(models_dir)[model]["definitions"]
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    return jsonschema.Draft4Validator(schema, format_checker=_FORMATS)


def schema_errors(
    model: str, definition: str, instance: object, models_dir: Path = MODELS_DIR
) -> list[str]:
    """Messages for every way `instance` breaks the model definition (empty when valid).

    Swagger 2.0 schemas are JSON Schema draft 4; date-time formats are checked too.
    """
    validator = _validator(models_dir, model, definition)
    messages = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        )
        messages.append(f"{where.lstrip('.') or 'body'}: {error.message}")
    return messages
