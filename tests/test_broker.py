"""The broker transport keeps a worker alive when Redis restarts (shopctrl/broker.py)."""

import pytest
import redis.exceptions
from django.conf import settings
from kombu import Connection

from shopctrl.broker import Transport


def test_a_closed_connection_answers_with_an_error_celery_ignores_while_reconnecting():
    connection = Connection(settings.REDIS_URL, transport=Transport)
    channel = connection.channel()
    try:
        assert channel._connparams()["host"] == "127.0.0.1"  # open: as kombu's own
        channel.connection.client = None  # what Celery 5.7 leaves when the broker blinks
        with pytest.raises(redis.exceptions.ConnectionError) as raised:
            channel._connparams()
        assert isinstance(raised.value, Transport.connection_errors)  # not "unrecoverable"
    finally:
        connection.release()


def test_redis_broker_urls_use_it():
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        assert settings.CELERY_BROKER_TRANSPORT == "shopctrl.broker:Transport"
