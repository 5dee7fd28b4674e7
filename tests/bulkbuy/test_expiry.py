"""Offer expiry alerts: about to expire (the shop's alert days), expired; each once."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from amazon1p.connection.services import amazon_connection_for
from bulkbuy.expiry import offers_expiry_alert
from bulkbuy.models import Offer, OfferStatus
from bulkbuy.tasks import offers_expiry_alert_task
from shops.models import Alert
from tests.support.offers import make_offer

pytestmark = pytest.mark.django_db


def _alerts(offer):
    return Alert.objects.filter(
        target_type=ContentType.objects.get_for_model(Offer), target_id=str(offer.pk)
    ).order_by("id")


def test_offer_about_to_expire_then_expired_alerts_once_each(shop, admin_user):
    connection = amazon_connection_for(shop)
    connection.offer_expiry_alert_days = 2
    connection.save()
    offer = make_offer(shop, admin_user)
    now = timezone.now()

    assert offers_expiry_alert(now) == 0  # 7 days left: nothing yet
    assert offers_expiry_alert(offer.expires_at - timedelta(days=1)) == 1
    assert offers_expiry_alert(offer.expires_at - timedelta(hours=20)) == 0  # run twice
    assert offers_expiry_alert(offer.expires_at + timedelta(minutes=1)) == 1
    assert offers_expiry_alert_task() == 0  # today, 7 days before expiry: nothing due

    severities = [a.severity for a in _alerts(offer)]
    assert severities == ["warning", "error"]
    assert "expires" in _alerts(offer)[0].message and "expired" in _alerts(offer)[1].message


def test_completed_offers_and_the_shop_window_are_respected(shop, admin_user):
    connection = amazon_connection_for(shop)
    connection.offer_expiry_alert_days = 1
    connection.save()
    offer = make_offer(shop, admin_user)

    assert offers_expiry_alert(offer.expires_at - timedelta(days=1, hours=12)) == 0  # not yet
    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.COMPLETED)
    assert offers_expiry_alert(offer.expires_at + timedelta(days=1)) == 0
    assert not _alerts(offer).exists()
