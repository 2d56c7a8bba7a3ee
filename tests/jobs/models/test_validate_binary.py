"""`labjob.validate_binary` writes the metrics, their tables and the plots as outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

import jobs.runtime as labjob
from jobs.models.validation import MetricInputError


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABJOB_WORKSPACE", str(tmp_path / "workspace"))
    return tmp_path / "workspace" / "outputs"


def _scores(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * y - 0.6)))


def test_validate_binary_writes_metrics_tables_and_plots(outputs: Path) -> None:
    y, score = _scores(0, 2000)
    _, train = _scores(1, 2000)
    result = labjob.validate_binary("gbm", y, score, train_score=train, bands=[0.2, 0.4, 0.6])
    assert sorted(p.name for p in outputs.iterdir()) == [
        "gbm_bands.parquet",
        "gbm_calibration.parquet",
        "gbm_ks.png",
        "gbm_roc.png",
        "gbm_score_distribution.png",
        "gbm_score_psi.parquet",
        "gbm_validation.json",
        "metrics.json",
    ]
    written = json.loads((outputs / "gbm_validation.json").read_text())
    assert written == json.loads(json.dumps(result.to_dict()))
    assert written["discrimination"]["auc"] == pytest.approx(roc_auc_score(y, score))
    metrics = json.loads((outputs / "metrics.json").read_text())
    assert set(metrics) == {"gbm_auc", "gbm_gini", "gbm_ks", "gbm_psi"}
    assert metrics["gbm_psi"] == pytest.approx(result.score_psi.psi)  # type: ignore[union-attr]
    bands = pq.read_table(outputs / "gbm_bands.parquet").to_pylist()
    assert [row["count"] for row in bands] == [b.count for b in result.bands.bands]
    assert sum(row["count"] for row in bands) == 2000 and len(bands) == 4
    deciles = pq.read_table(outputs / "gbm_calibration.parquet")
    assert {"count", "bads", "mean_score", "bad_rate"} <= set(deciles.column_names)
    for plot in ("roc", "ks", "score_distribution"):
        assert (outputs / f"gbm_{plot}.png").read_bytes().startswith(b"\x89PNG")


def test_without_a_training_score_there_is_no_psi(outputs: Path) -> None:
    y, score = _scores(2, 300)
    result = labjob.validate_binary("sc", y, score * 600, orientation="points")
    assert result.score_psi is None
    assert not (outputs / "sc_score_psi.parquet").exists()
    assert "sc_psi" not in json.loads((outputs / "metrics.json").read_text())
    assert result.discrimination.auc < 0.5  # points read the other way round


@pytest.mark.parametrize("name", ["../escape", "a/b", ""])
def test_a_bad_name_is_refused_before_anything_is_written(outputs: Path, name: str) -> None:
    y, score = _scores(3, 100)
    with pytest.raises(ValueError, match="invalid name"):
        labjob.validate_binary(name, y, score)
    assert not outputs.exists() or not any(outputs.iterdir())


def test_bad_outcomes_write_nothing(outputs: Path) -> None:
    with pytest.raises(MetricInputError):
        labjob.validate_binary("m", [0, 0, 0], [0.1, 0.2, 0.3])
    assert not outputs.exists() or not any(outputs.iterdir())
