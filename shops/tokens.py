"""API tokens for the shop's REST API (pick results, pack files): made and revoked on the
shop's API tokens page, checked on every call. Only a token's SHA-256 is stored."""

import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.errors import ShopCtrlError
from shops.audit import audit_record
from shops.models import ApiToken, Shop

TOKEN_PREFIX = "sct_"


def _token_hash(raw: str) -> str:
    # A plain SHA-256 suffices: tokens are 256 random bits, nothing to guess or brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, shop: Shop, name: str) -> tuple[ApiToken, str]:
    """Make a token for the shop's REST API; returns it with the token itself, which is not
    stored (only its hash) and so can be shown this once."""
    name = name.strip()
    if not name:
        raise ShopCtrlError("Name the token (who or what uses it).", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        shop=shop, name=name, token_hash=_token_hash(raw), hint=raw[:10], created_by=actor
    )
    audit_record(
        actor=actor,
        shop=shop,
        action="api_token.create",
        target=token,
        changes={"token": [None, "new"]},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token for good. Compare-and-set: revoking twice records it once."""
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        audit_record(
            actor=actor,
            shop=token.shop,
            action="api_token.revoke",
            target=token,
            changes={"revoked": [False, True]},
        )
    token.refresh_from_db()
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token `raw` is, or None; notes when it was last used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.filter(token_hash=_token_hash(raw), revoked_at__isnull=True).first()
    if token is not None:
        token.last_used_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token
