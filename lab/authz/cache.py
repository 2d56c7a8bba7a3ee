"""A bounded, thread-safe LRU map whose entries belong to one policy generation.

`reset(generation)` empties it for a new policy; a value computed under an older
generation is refused by `put`, so a decision made from the previous policy while the new
one was being installed never lands in the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheInfo:
    hits: int
    misses: int
    size: int
    capacity: int


class LruCache(Generic[K, V]):
    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("cache capacity must be >= 0 (0 turns the cache off)")
        self._capacity = capacity
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: K) -> V | None:
        if not self._capacity:
            return None
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return value

    def put(self, key: K, value: V, generation: int) -> None:
        """Remember `value` if it was computed under the current generation."""
        if not self._capacity:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def reset(self, generation: int) -> None:
        """Forget everything; from now on only values of `generation` are kept."""
        with self._lock:
            self._entries.clear()
            self._generation = generation

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._entries), self._capacity)

    def __len__(self) -> int:
        return len(self._entries)
