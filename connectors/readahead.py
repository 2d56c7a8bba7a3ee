"""Items of an iterator produced in a daemon thread, a few ahead of their consumer.

The import pipeline chains two of them: the source's reading and parsing run ahead of the
operators, which run ahead of the caller's writing. Arrow's readers, kernels and Parquet
writer release the GIL, so the stages overlap on several cores.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class ReadAhead(Iterator[T]):
    """`items` run in a daemon thread, up to `depth` items ahead of the consumer, so that
    reading and transforming overlap with the caller's writing (Arrow and Parquet release
    the GIL). Errors reach the consumer; `close`, or a consumer idle for IDLE_SECONDS, stops
    the thread."""

    IDLE_SECONDS = 600.0

    def __init__(self, items: Iterator[T], depth: int) -> None:
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._produce, args=(items,), daemon=True)
        self._thread.start()

    def _put(self, kind: str, value: Any) -> bool:
        idle = 0.0
        while not self._stop.is_set() and idle < self.IDLE_SECONDS:
            try:
                self._queue.put((kind, value), timeout=0.5)
                return True
            except queue.Full:
                idle += 0.5
        return False

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put("item", item):
                    return
            self._put("end", None)
        except BaseException as error:  # handed to the consumer, whatever it is
            self._put("error", error)

    def __next__(self) -> T:
        while not self._done:
            try:
                kind, value = self._queue.get(timeout=1.0)
            except queue.Empty:
                if self._thread.is_alive():
                    continue
                self._done = True
                raise RuntimeError("the import stopped: it was left idle too long") from None
            if kind == "item":
                return value  # type: ignore[no-any-return]
            self._done = True
            if kind == "error":
                raise value
        raise StopIteration

    def close(self) -> None:
        self._stop.set()
        self._done = True
        while not self._queue.empty():
            self._queue.get_nowait()
