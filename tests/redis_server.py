"""The machine's Redis for the tests that need one (CI has one at 127.0.0.1:6379)."""

from __future__ import annotations

import pytest


def redis_or_skip(url: str):
    """A client of the Redis database at ``url``, or the test skipped, clearly, when
    the package is missing or no server answers within a second."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server answers at {url} (CI has one)")
    return client
