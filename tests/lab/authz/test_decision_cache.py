"""The decision cache: LRU order, bounds, and refusing values of an older policy."""

from __future__ import annotations

import pytest

from lab.authz.cache import LruCache


def test_least_recently_used_goes_first() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.reset(1)
    cache.put("a", 1, 1)
    cache.put("b", 2, 1)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3, 1)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    info = cache.info()
    assert (info.hits, info.misses, info.size, info.capacity) == (3, 1, 2, 2)


def test_values_of_another_generation_are_refused() -> None:
    cache: LruCache[str, int] = LruCache(10)
    cache.reset(1)
    cache.put("a", 1, 1)
    cache.reset(2)
    assert cache.get("a") is None
    cache.put("late", 1, 1)  # computed from the old policy while the new one came in
    assert cache.get("late") is None
    cache.put("b", 2, 2)
    assert cache.get("b") == 2 and len(cache) == 1


def test_size_zero_turns_it_off() -> None:
    cache: LruCache[str, int] = LruCache(0)
    cache.put("a", 1, 0)
    assert cache.get("a") is None and len(cache) == 0
    with pytest.raises(ValueError, match=">= 0"):
        LruCache(-1)
