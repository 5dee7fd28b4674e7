"""The request log behind `GET /_simulator/requests`: what each request carried, with every
secret (LWA refresh token, client secret, access token) masked before it is stored.
"""

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs

from simulator.render import iso

# Headers worth seeing; anything else (cookies, proxies' additions) is left out.
LOGGED_HEADERS = (
    "host",
    "user-agent",
    "content-type",
    "x-amz-access-token",
    "x-amz-date",
    "authorization",
)
SECRET_NAMES = frozenset(
    {
        "refresh_token",
        "client_secret",
        "access_token",
        "code",
        "x-amz-access-token",
        "authorization",
    }
)
BODY_TEXT_LIMIT = 2_000


def mask(value: str) -> str:
    """`Atzr|abc…` → `Atzr|****`: keeps the kind of token, drops the secret."""
    prefix, bar, _ = value.partition("|")
    return f"{prefix}|****" if bar and len(prefix) <= 8 else "****"


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON-like value with every secret-named key's value masked."""
    if isinstance(value, dict):
        return {
            key: mask(str(item)) if key.lower() in SECRET_NAMES else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def loggable_body(raw: bytes, content_type: str) -> Any:
    """The body as logged: parsed JSON, a form as a dict, else (cut) text; secrets masked."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "x-www-form-urlencoded" in content_type:
        form = {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}
        return mask_secrets(form)
    try:
        return mask_secrets(json.loads(text))
    except ValueError:
        return text[:BODY_TEXT_LIMIT]


@dataclass
class LoggedRequest:
    """One request as `/_simulator/requests` shows it."""

    seq: int
    time: str
    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    body: Any
    operation: str | None = None
    status: int | None = None
    request_id: str | None = None
    duration_ms: float | None = None


def new_entry(
    *,
    seq: int,
    now: float,
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> LoggedRequest:
    """A log entry for a request just received (status filled in once answered)."""
    lower = {key.lower(): value for key, value in headers.items()}
    kept = {name: lower[name] for name in LOGGED_HEADERS if name in lower}
    for name in ("x-amz-access-token", "authorization"):
        if name in kept:
            kept[name] = mask(kept[name])
    flat = {key: values[0] if len(values) == 1 else list(values) for key, values in query.items()}
    return LoggedRequest(
        seq=seq,
        time=iso(now),
        method=method,
        path=path,
        query=mask_secrets(flat),
        headers=kept,
        body=loggable_body(body, lower.get("content-type", "")),
    )


class RequestLog:
    """The last `size` requests, thread-safe, numbered from 1 in arrival order.

    The numbering never restarts (not even on `clear`), so `since=SEQ` stays meaningful and
    fault plans, which hang on the number, do not repeat.
    """

    def __init__(self, size: int) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._last_seq = 0

    def record(self, make_entry: Callable[[int], LoggedRequest]) -> LoggedRequest:
        """Number a new request and store the entry `make_entry(seq)` builds for it."""
        with self._lock:
            self._last_seq += 1
            entry = make_entry(self._last_seq)
            self._entries.append(entry)
        return entry

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._last_seq

    def since(self, seq: int = 0) -> list[dict[str, Any]]:
        """Entries with a sequence number above `seq`, oldest first, as JSON-ready dicts."""
        with self._lock:
            entries = [entry for entry in self._entries if entry.seq > seq]
        return [asdict(entry) for entry in entries]

    def recent(self, count: int) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)[-count:]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
