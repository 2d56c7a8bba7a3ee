from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.factories import World, standard_world


@pytest.fixture
def world(tmp_path: Path, metastore_url: str) -> Iterator[World]:
    """The standard world (two tenants, their people, admin, compliance) on each backend."""
    w = standard_world(tmp_path / "home", metastore_url)
    yield w
    w.close()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    """The standard world on SQLite only, for tests about the API rather than the backend."""
    w = standard_world(tmp_path / "home")
    yield w
    w.close()
