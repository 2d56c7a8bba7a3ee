from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS
from tests.lab.blueprints import SQLITE, copied_world
from tests.lab.factories import World


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The standard world (two tenants, their people, admin, compliance) on each backend:
    a copy of one built once per run (tests/lab/blueprints.py)."""
    with copied_world(request.param, tmp_path / "home") as w:
        yield w


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    """The standard world on SQLite only, for tests about the API rather than the backend."""
    with copied_world(SQLITE, tmp_path / "home") as w:
        yield w


@pytest.fixture(params=BACKENDS)
def trained_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The standard world with two trained versions of acme's `gbm` and production data
    (tests/lab/promotions/helpers.py `trained`), on each backend: trained once per run."""
    from tests.lab.promotions.helpers import trained

    with copied_world(request.param, tmp_path / "home", "trained", trained) as w:
        yield w


@pytest.fixture
def trained_sqlite_world(tmp_path: Path) -> Iterator[World]:
    """`trained_world` on SQLite only."""
    from tests.lab.promotions.helpers import trained

    with copied_world(SQLITE, tmp_path / "home", "trained", trained) as w:
        yield w
