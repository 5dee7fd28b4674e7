"""A real Celery worker (solo pool) in the test process, for end-to-end tests."""

import pytest
from celery.contrib.testing.worker import start_worker

from shopctrl.celery import app


@pytest.fixture
def worker():
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w
