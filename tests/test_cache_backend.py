"""The Redis cache backend (shopctrl/cache.py): Django's, with one client per pool."""

import os

import pytest

from shopctrl.cache import RedisCache


@pytest.fixture
def redis_cache():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (the tests' Redis)")
    return RedisCache(url, {"KEY_PREFIX": "test-shopctrl-cache"})


def test_the_redis_cache_keeps_one_client_per_connection_pool(redis_cache):
    first = redis_cache._cache.get_client(write=True)

    redis_cache.set("answer", 42, 30)

    assert redis_cache.get("answer") == 42
    assert redis_cache._cache.get_client() is first
    redis_cache.delete("answer")
    assert redis_cache.get("answer") is None


def test_the_redis_cache_serves_several_servers_each_from_its_own_pool(redis_cache):
    url = os.environ["REDIS_URL"]
    cache = RedisCache(f"{url},{url}", {"KEY_PREFIX": "test-shopctrl-cache"})

    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()  # the second server reads

    assert writer is not reader
    assert writer.connection_pool is not reader.connection_pool
    assert cache._cache.get_client(write=True) is writer
    assert cache._cache.get_client() is reader
