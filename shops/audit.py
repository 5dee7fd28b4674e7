"""The back-office audit log: every service that changes something records it here.

Values of secret fields never reach the log: they are replaced by a fixed mask, so the log
shows *that* a secret changed, never what it was or became.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from shops.models import AuditEntry, SecurityEventKind, Shop
from shops.security_log import security_event_record

SECRET_MASK = "••••••"
SECRET_FIELD_NAMES = frozenset(
    {"password", "lwa_client_secret", "refresh_token", "client_secret", "api_token", "token"}
)


def _plain(value: Any) -> Any:
    """A JSON-friendly, human-readable form of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(item) for item in value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def masked(field: str, value: Any) -> Any:
    return SECRET_MASK if field in SECRET_FIELD_NAMES and value not in (None, "") else value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The given fields of an instance, readable and with secrets masked."""
    return {name: masked(name, _plain(getattr(instance, name))) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value differs."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def as_change(value: Any) -> list[Any]:
    """One stored change as `[old, new]`.

    A pair (from `diff`) stays as it is; anything else is a value a step set (an ASN number,
    the stage an offer went through, a row count) and becomes `[None, value]`: stored bare,
    the page would read it as a pair and show its first two characters as "old → new".
    """
    if isinstance(value, list | tuple) and len(value) == 2:
        return list(value)
    return [None, value]


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    shop: Shop | None,
    action: str,
    target: models.Model,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. `changes` is usually `diff(before, after)` of two snapshots;
    a value that is not an `[old, new]` pair is stored as `[None, value]` (see `as_change`)."""
    safe_changes = {
        name: [masked(name, v) for v in as_change(value)] for name, value in (changes or {}).items()
    }
    secrets = sorted(name for name in safe_changes if name in SECRET_FIELD_NAMES)
    if secrets or action.startswith("api_token."):
        # A credential was set, replaced or revoked: the security log records that it happened.
        security_event_record(
            kind=SecurityEventKind.SECRET_CHANGE,
            user=actor,
            actor=actor,
            shop=shop,
            detail=f"{action} ({', '.join(secrets) or 'token'})",
        )
    return AuditEntry.objects.create(
        shop=shop,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=safe_changes,
    )
