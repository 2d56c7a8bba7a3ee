"""The residual scan's work, done in a thread of its own, in the order it was given.

The scan's hashing (OpenSSL) and text splitting (Arrow) run without the GIL, so beside the
pipeline's reading, transforming and writing they mostly use a core those leave idle. At
most `depth` pieces of work wait (each holds a batch), so memory stays bounded; a failure
is kept and raised by `drain`, which the pipeline calls before its verdict.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

Work = tuple[Callable[..., None], tuple[Any, ...]]


class Background:
    """Calls made one after another in a daemon thread; `busy` is the seconds they took."""

    def __init__(self, depth: int = 2) -> None:
        self._queue: queue.Queue[Work | None] = queue.Queue(depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.busy = 0.0
        self._thread = threading.Thread(target=self._work, daemon=True, name="residual-scan")
        self._thread.start()

    def submit(self, call: Callable[..., None], *args: Any) -> None:
        """Queues `call(*args)`, waiting while `depth` calls already wait."""
        self._put((call, args))

    def drain(self) -> None:
        """Waits for every queued call; raises the first one's error, if any failed."""
        self._put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Abandons the queued calls and stops the thread (an import given up)."""
        self._stop.set()

    def _put(self, work: Work | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(work, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    return

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                work = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if work is None:
                return
            if self._error is not None:
                continue  # the scan already failed: the rest is only drained
            call, args = work
            tick = time.perf_counter()
            try:
                call(*args)
            except BaseException as error:  # raised again by `drain`, whatever it is
                self._error = error
            self.busy += time.perf_counter() - tick
