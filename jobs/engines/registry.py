"""Engines by name: how a worker finds the engine for a job, and whether it may run it.

Each entry is a factory (one engine object per job, see `jobs.engines.port`) and a check
that says why this worker cannot run such jobs (no bubblewrap, no JVM, no cluster client),
or None when it can. A job whose engine is unknown or unavailable is refused
(EngineRefused), never run some other way. The application fills a registry with the
engines it wires (it alone knows where keys and process pools are); tests may put an engine
in place of another for the length of a `with` block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from jobs.engines.port import Engine, EngineJob
from jobs.errors import EngineRefused

Factory = Callable[[EngineJob], Engine]
WhyNot = Callable[[EngineJob], "str | None"]


def always(job: EngineJob) -> str | None:
    """Availability of an engine that needs nothing the machine may lack."""
    return None


@dataclass(frozen=True)
class EngineEntry:
    make: Factory
    why_not: WhyNot = always


class EngineRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, EngineEntry] = {}

    def register(self, name: str, make: Factory, why_not: WhyNot = always) -> None:
        self._entries[name] = EngineEntry(make, why_not)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def why_not(self, job: EngineJob) -> str | None:
        """None when this worker can run `job`'s engine, else why not."""
        entry = self._entries.get(job.spec.engine)
        if entry is None:
            return f"no {job.spec.engine} engine is installed"
        return entry.why_not(job)

    def open(self, job: EngineJob) -> Engine:
        """A new engine for `job`; EngineRefused if it cannot run here."""
        why_not = self.why_not(job)
        if why_not is not None:
            raise EngineRefused(f"this worker refuses {job.spec.engine} jobs: {why_not}")
        return self._entries[job.spec.engine].make(job)

    @contextmanager
    def replaced(self, name: str, make: Factory, why_not: WhyNot = always) -> Iterator[None]:
        """`name` served by another engine inside the block, as it was after it."""
        before = self._entries.get(name)
        self.register(name, make, why_not)
        try:
            yield
        finally:
            if before is None:
                del self._entries[name]
            else:
                self._entries[name] = before
