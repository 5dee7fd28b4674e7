"""Login with Amazon: the access token of one connection, fetched and kept.

One token per connection, renewed shortly before Amazon's `expires_in`, and kept across
clients, tasks and processes when given `SharedTokens`. The library's own cache is bypassed
(see `transport`): it is per process, keyed by the refresh token alone, and keeps a token for
a fixed 3,200 s whatever its lifetime. Nothing here logs or raises a secret.
"""

import threading
from collections.abc import Callable, Mapping
from json import JSONDecodeError
from typing import Any, Protocol

import httpx

from amazon1p.spapi.errors import AmazonAuthError, AmazonTransientError

TOKEN_REFRESH_MARGIN = 120  # seconds before expiry at which we fetch a new access token

# Sends the token request: (url, form data, headers) → LWA's answer.
TokenPost = Callable[[str, Mapping[str, str], Mapping[str, str]], httpx.Response]


class SharedTokens(Protocol):
    """Access tokens kept beyond one client: by every task and process of a deployment.

    Lifetimes are durations, so each side keeps its own clock."""

    def get(self, key: str) -> tuple[str, float] | None:
        """(token, seconds it stays valid) or None."""
        ...

    def put(self, key: str, token: str, lifetime: float) -> None: ...

    def forget(self, key: str, token: str) -> None:
        """Drop `token` if it is still the one kept under `key`."""
        ...


class TokenStore:
    """One LWA access token per connection, shared by its API objects, renewed early.

    With `shared` (and a key), a token also outlives the client: the next task, in this
    process or another, reuses it until shortly before it expires instead of asking Login
    with Amazon again for each client.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        shared: SharedTokens | None = None,
        key: str = "",
    ) -> None:
        self._clock = clock
        self._shared = shared if key else None
        self._key = key
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0

    def get(self, fetch: Callable[[], Mapping[str, Any]]) -> str:
        with self._lock:
            token = self._token
            if token is None or self._clock() >= self._expires_at - TOKEN_REFRESH_MARGIN:
                kept = self._shared.get(self._key) if self._shared else None
                if kept is not None and kept[1] > TOKEN_REFRESH_MARGIN:
                    token, self._expires_at = kept[0], self._clock() + kept[1]
                else:
                    data = fetch()
                    self.fetches += 1
                    lifetime = float(data.get("expires_in") or 3600)
                    token = str(data["access_token"])
                    self._expires_at = self._clock() + lifetime
                    if self._shared:
                        self._shared.put(self._key, token, lifetime)
                self._token = token
            return token

    def invalidate(self) -> None:
        with self._lock:
            if self._shared and self._token:
                self._shared.forget(self._key, self._token)
            self._token = None


def lwa_error(response: httpx.Response) -> AmazonTransientError | AmazonAuthError:
    """Turn a refused LWA token request into an error that says which credential is wrong."""
    try:
        body = response.json()
        code, description = str(body.get("error", "")), str(body.get("error_description", ""))
    except (JSONDecodeError, AttributeError):
        code, description = "", ""
    if response.status_code == 429 or response.status_code >= 500 or not code:
        return AmazonTransientError(
            f"Login with Amazon did not answer properly (HTTP {response.status_code}).",
            operation="lwaToken",
            status=response.status_code,
        )
    if code == "invalid_client":
        return AmazonAuthError(
            "Login with Amazon refused the LWA client id or client secret (invalid_client). "
            "Copy both again from Vendor Central › Integration › API Integration.",
            credential="lwa_client_secret",
            operation="lwaToken",
            status=response.status_code,
        )
    if code in ("invalid_grant", "unauthorized_client"):
        return AmazonAuthError(
            f"Login with Amazon refused the refresh token ({code}): it is wrong, expired or "
            "revoked. Authorise the app again in Vendor Central and paste the new token.",
            credential="refresh_token",
            operation="lwaToken",
            status=response.status_code,
        )
    return AmazonAuthError(
        f"Login with Amazon refused the request ({code}: {description[:200]}).",
        credential="lwa_client_id",
        operation="lwaToken",
        status=response.status_code,
    )


def access_token_fetch(
    post: TokenPost, url: str, data: Mapping[str, str], headers: Mapping[str, str]
) -> dict[str, Any]:
    """Ask Login with Amazon for an access token: its answer (`access_token`,
    `expires_in`), or AmazonAuthError naming the credential to fix, or AmazonTransientError."""
    try:
        response = post(url, data, headers)
    except httpx.TransportError as exc:
        raise AmazonTransientError(
            f"Login with Amazon could not be reached ({type(exc).__name__}).",
            operation="lwaToken",
        ) from None
    if response.status_code != 200:
        raise lwa_error(response)
    try:
        answer = response.json()
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise KeyError("access_token")
    except (JSONDecodeError, KeyError):
        raise AmazonTransientError(
            "Login with Amazon answered without an access token.", operation="lwaToken"
        ) from None
    return answer
