"""The receiving sync's reader: it reads the queries handed to it while the planner is still
planning (the first call goes out once the first window is planned), each page once, in
order, against the simulator with the real client."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from receiving.services import PAGE_SIZE, StatusQuery, _StatusReader

pytestmark = pytest.mark.django_db


def _numbers(pages) -> list[str]:
    return [status.number for page in pages for status in page]


def test_queries_handed_over_one_by_one_are_read_in_order(api):
    now = timezone.now().replace(microsecond=0)
    queries = [  # two days each: 160 POs, two pages
        StatusQuery(now - timedelta(days=5), now - timedelta(days=3)),
        StatusQuery(now - timedelta(days=3), now - timedelta(days=1)),
    ]
    expected = [
        page.statuses
        for query in queries
        for page in api.list_purchase_order_statuses(
            created_after=query.start, created_before=query.end, limit=PAGE_SIZE
        )
    ]
    calls = api.stats.calls
    reader = _StatusReader(api)
    try:
        reader.add(queries[0])  # the reading starts while the next window is planned
        deadline = time.monotonic() + 10
        while api.stats.calls == calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert api.stats.calls > calls  # Amazon called with only the first window known
        reader.add(queries[1])
        reader.close()
        read = list(reader.pages())
    finally:
        reader.stop()

    assert len(expected) >= 4
    assert _numbers(read) == _numbers(expected)
    assert api.stats.calls - calls == len(expected)  # each page read once


def test_a_reader_with_nothing_to_read_starts_no_thread_and_calls_nothing(api):
    calls = api.stats.calls
    reader = _StatusReader(api)
    reader.close()
    assert list(reader.pages()) == []
    reader.stop()
    assert api.stats.calls == calls
