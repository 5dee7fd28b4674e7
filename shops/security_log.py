"""The security log: sign-ins, failures, lockouts, MFA, password, role and secret changes.

Amazon's Data Protection Policy asks for security logs kept at least 90 days: events are only
ever pruned past `SECURITY_LOG_RETENTION_DAYS` (itself at least 90), never edited. Each event
is also written to the `shopctrl.security` logger for the operator's log collection.
"""

import logging
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from shops.models import SecurityEvent, SecurityEventKind, Shop

logger = logging.getLogger("shopctrl.security")

MINIMUM_RETENTION_DAYS = 90


def _user_or_none(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def security_event_record(
    *,
    kind: SecurityEventKind,
    user: User | AnonymousUser | None = None,
    username: str = "",
    actor: User | AnonymousUser | None = None,
    shop: Shop | None = None,
    ip_address: str | None = None,
    detail: str = "",
) -> SecurityEvent:
    """Write one security event (and a log line). Never pass a secret in `detail`."""
    account = _user_or_none(user)
    name = (username or (account.get_username() if account else ""))[:150]
    event = SecurityEvent.objects.create(
        kind=kind,
        user=account,
        username=name,
        actor=_user_or_none(actor),
        shop=shop,
        ip_address=ip_address or None,
        detail=detail[:300],
    )
    logger.info(
        "%s user=%s shop=%s ip=%s %s",
        kind,
        name or "-",
        shop.pk if shop else "-",
        ip_address or "-",
        detail,
    )
    return event


def security_events_for_shop(shop: Shop) -> QuerySet[SecurityEvent]:
    """What the shop's security log shows: the shop's events and its members' own events
    (sign-ins, MFA, password), newest first."""
    members = shop.memberships.values("user_id")
    return (
        SecurityEvent.objects.filter(Q(shop=shop) | Q(shop__isnull=True, user__in=members))
        .select_related("user", "actor", "shop")
        .order_by("-created_at", "-id")
    )


def security_events_prune(*, older_than_days: int) -> int:
    """Delete events older than `older_than_days`, which may not be under 90: a younger event
    is never deleted. Idempotent: a second run finds nothing more to delete."""
    if older_than_days < MINIMUM_RETENTION_DAYS:
        raise ValueError(
            f"Security events are kept at least {MINIMUM_RETENTION_DAYS} days "
            f"(asked to prune after {older_than_days})."
        )
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
