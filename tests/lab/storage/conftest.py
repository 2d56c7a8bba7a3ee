from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.storage.factories import SMALL_FILES, StorageWorld, make_world


@pytest.fixture
def world(tmp_path: Path, metastore_url: str) -> Iterator[StorageWorld]:
    """An empty lab home and metastore on each backend; small files, so versions span several."""
    w = make_world(tmp_path, metastore_url, limits=SMALL_FILES)
    yield w
    w.close()
