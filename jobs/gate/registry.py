"""Where the gate's checks are registered: one check per module under `jobs.gate.checks`,
run in their `order`. Table checks see a TableContext, file checks a FileContext."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from jobs.gate.model import CheckOutcome, FileContext, TableContext

C = TypeVar("C", TableContext, FileContext)


@dataclass(frozen=True)
class Check(Generic[C]):
    name: str
    order: int
    run: Callable[[C], CheckOutcome]


_TABLE: dict[str, Check[TableContext]] = {}
_FILE: dict[str, Check[FileContext]] = {}


def table_check(
    name: str, *, order: int
) -> Callable[[Callable[[TableContext], CheckOutcome]], Callable[[TableContext], CheckOutcome]]:
    def register(
        run: Callable[[TableContext], CheckOutcome],
    ) -> Callable[[TableContext], CheckOutcome]:
        _add(_TABLE, Check(name, order, run))
        return run

    return register


def file_check(
    name: str, *, order: int
) -> Callable[[Callable[[FileContext], CheckOutcome]], Callable[[FileContext], CheckOutcome]]:
    def register(
        run: Callable[[FileContext], CheckOutcome],
    ) -> Callable[[FileContext], CheckOutcome]:
        _add(_FILE, Check(name, order, run))
        return run

    return register


def _add(registry: dict[str, Check[C]], check: Check[C]) -> None:
    existing = registry.get(check.name)
    if existing is not None and existing.run is not check.run:
        raise ValueError(f"a gate check named {check.name!r} is already registered")
    registry[check.name] = check


def table_checks() -> list[Check[TableContext]]:
    _load()
    return sorted(_TABLE.values(), key=lambda c: (c.order, c.name))


def file_checks() -> list[Check[FileContext]]:
    _load()
    return sorted(_FILE.values(), key=lambda c: (c.order, c.name))


def _load() -> None:
    import jobs.gate.checks  # noqa: F401 - registers the built-in checks
