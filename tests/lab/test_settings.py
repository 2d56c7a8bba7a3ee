"""Settings: the Spark cluster setting follows the engine's own rule for Connect endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lab.runs.engines import spark_master
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
