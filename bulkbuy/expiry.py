"""Offer expiry (docs/amazon.md, "Bulk Buy Offers"): Amazon's offers live 7 days. Alerts for
offers about to expire (the shop's "offer expiry alert days", Amazon 1P settings › BulkBuy)
and for expired ones, each once per offer.

"Once" needs no bookkeeping column: the alert itself, hung on the offer with a fixed
message, is the record; a second run finds it and raises nothing.
"""

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from amazon1p.connection.models import AmazonConnection
from bulkbuy.models import Offer, OfferStatus
from shops.models import Alert, AlertKind, AlertSeverity
from shops.services import alert_raise

DEFAULT_ALERT_DAYS = 2


def _message(offer: Offer, expired: bool) -> str:
    when = timezone.localtime(offer.expires_at).strftime("%Y-%m-%d %H:%M")
    if expired:
        return f"Bulk Buy Offer {offer.name} expired {when} before it was completed."
    return f"Bulk Buy Offer {offer.name} expires {when}: complete it and answer Amazon."


def offers_expiry_alert(now: datetime | None = None) -> int:
    """Raise the due alerts for every shop's open offers; returns how many went out.

    Safe to run twice or concurrently: each offer row is locked while its alerts are
    checked and raised, and an alert already on the offer is not raised again.
    """
    now = now or timezone.now()
    days = dict(AmazonConnection.objects.values_list("shop_id", "offer_expiry_alert_days"))
    horizon = now + timedelta(days=max([*days.values(), DEFAULT_ALERT_DAYS]))
    offer_type = ContentType.objects.get_for_model(Offer)
    sent = 0
    candidates = Offer.objects.exclude(status=OfferStatus.COMPLETED).filter(expires_at__lte=horizon)
    for offer_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(skip_locked=True)
                .select_related("shop")
                .defer("source_file")
                .filter(pk=offer_id)
                .first()
            )
            if offer is None or offer.status == OfferStatus.COMPLETED:
                continue
            expired = offer.expires_at <= now
            warn_from = offer.expires_at - timedelta(
                days=days.get(offer.shop_id, DEFAULT_ALERT_DAYS)
            )
            if not expired and now < warn_from:
                continue
            message = _message(offer, expired)
            if Alert.objects.filter(
                target_type=offer_type, target_id=str(offer.pk), message=message
            ).exists():
                continue
            alert_raise(
                shop=offer.shop,
                severity=AlertSeverity.ERROR if expired else AlertSeverity.WARNING,
                message=message,
                target=offer,
                kind=AlertKind.OFFER,
            )
            sent += 1
    return sent
