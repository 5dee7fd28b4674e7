"""`POST /auth/o2/token`: Login with Amazon's refresh-token grant, as api.amazon.com answers it.

Success: `{"access_token": "Atza|…", "refresh_token": …, "token_type": "bearer",
"expires_in": TTL}`. Errors: `{"error": …, "error_description": …}` with 400 (invalid_request,
invalid_grant, unsupported_grant_type) or 401 (invalid_client). Which credentials count as bad
is decided from their shape, so a demo can provoke each error on purpose.
"""

import json
from collections.abc import Mapping
from urllib.parse import parse_qs

from simulator.state import SimulatorState
from simulator.wire import Response

CLIENT_ID_PREFIX = "amzn1.application-oa2-client."
REFRESH_TOKEN_PREFIX = "Atzr|"
_HEADERS = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}


def _answer(status: int, data: Mapping[str, object]) -> Response:
    return Response(
        status,
        json.dumps(data).encode(),
        content_type="application/json;charset=UTF-8",
        headers=dict(_HEADERS),
    )


def oauth_error(status: int, code: str, description: str) -> Response:
    return _answer(status, {"error_description": description, "error": code})


def _form(body: bytes, content_type: str) -> dict[str, str]:
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


def token_grant(
    state: SimulatorState, *, body: bytes, content_type: str, ttl: int, now: float
) -> Response:
    """Answer a token request; a new access token belongs to the account of its refresh token."""
    form = _form(body, content_type)
    for field in ("grant_type", "client_id", "client_secret"):
        if field not in form:
            return _missing(field)
    if form["grant_type"] != "refresh_token":
        description = "The authorization grant type is not supported by the authorization server"
        return oauth_error(400, "unsupported_grant_type", description)
    if "refresh_token" not in form:
        return _missing("refresh_token")
    client_id, secret = form["client_id"], form["client_secret"]
    if not client_id.startswith(CLIENT_ID_PREFIX) or not secret or secret.startswith("wrong"):
        return oauth_error(401, "invalid_client", "Client authentication failed")
    refresh_token = form["refresh_token"]
    if (
        not refresh_token.startswith(REFRESH_TOKEN_PREFIX)
        or "revoked" in refresh_token
        or "expired" in refresh_token
    ):
        description = (
            "The request has an invalid grant parameter : refresh_token. "
            "User may have revoked or didn't grant the permission."
        )
        return oauth_error(400, "invalid_grant", description)
    access_token = state.issue_token(refresh_token, ttl, now)
    payload = {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "bearer",
        "expires_in": ttl,
    }
    return _answer(200, payload)


def _missing(field: str) -> Response:
    return oauth_error(
        400, "invalid_request", f"The request is missing a required parameter : {field}"
    )
