"""The Redis broker transport, with one fix: a worker survives losing Redis.

Celery 5.7 (with kombu 5.6's Redis transport) closes a broken broker connection before
its channels. Closing a channel restores its unacknowledged messages (our tasks ack late,
so a running task's message is one), which asks the already-closed connection for its
host: `AttributeError: 'NoneType' object has no attribute 'hostname'`. That is not one of
the transport's connection errors, so Celery treats it as unrecoverable and the worker
process exits during a Redis restart of a few seconds (reproduced by bench/faults.py,
experiment redis_outage).

Here a closed connection answers with a Redis connection error instead, which Celery
expects and ignores while it reconnects. Nothing is lost: the unacknowledged messages stay
in Redis's `unacked` index and are delivered again after the visibility timeout, and the
tasks are idempotent. Selected by `CELERY_BROKER_TRANSPORT` in settings for redis:// URLs.
"""

from typing import Any

import redis.exceptions
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:  # the broker connection was closed
            raise redis.exceptions.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous)  # type: ignore[misc]  # kombu has no stubs for it


class Transport(kombu_redis.Transport):
    Channel = Channel
