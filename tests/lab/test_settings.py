"""Settings: the Spark cluster setting follows the engine's own rule for Connect endpoints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from lab.runs.engines import spark_master
from lab.settings import Settings
from tests.lab.factories import make_settings


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("sc://spark-connect:15002", True),
        ("sc://127.0.0.1:15002", True),
        ("sc://spark-connect:0", False),
        ("sc://spark-connect:15002/;token=abc", False),
        ("spark://spark-master:7077", False),
        ("local[2]", False),
    ],
)
def test_spark_cluster_is_a_connect_endpoint(tmp_path: Path, value: str, ok: bool) -> None:
    if ok:
        assert spark_master(make_settings(tmp_path, spark_cluster=value)) == value
    else:
        with pytest.raises(ValidationError, match="sc://host:port"):
            make_settings(tmp_path, spark_cluster=value)


def test_without_a_cluster_spark_runs_locally(tmp_path: Path) -> None:
    assert spark_master(make_settings(tmp_path)).startswith("local[")


def _readme_settings() -> set[str]:
    """The `LAB_*` names in the first column of the README's settings table."""
    readme = Path(__file__).resolve().parents[2] / "README.md"
    names: set[str] = set()
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `LAB_"):
            names.update(re.findall(r"`(LAB_[A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_every_setting_is_in_the_readme_table_and_nothing_else() -> None:
    """A setting nobody can find is a setting nobody sets; a row of no setting misleads."""
    settings = {f"LAB_{name.upper()}" for name in Settings.model_fields}
    documented = _readme_settings()
    assert sorted(settings - documented) == [], "settings missing from the README table"
    assert sorted(documented - settings) == [], "README rows naming no setting"
