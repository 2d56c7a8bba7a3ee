"""The score job's spec: its implied outputs, its defaults, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.errors import SpecInvalid
from jobs.score_spec import DEFAULT_RISK_CUTOFF, DEFAULT_RISK_EDGES
from jobs.spec import JobSpec

BASE: dict[str, Any] = {
    "name": "score-m",
    "zone": "production",
    "engine": "score",
    "model": {"name": "gbm"},
    "inputs": {"m": {"dataset": "merchants", "tenant": "bank"}},
    "score": {"key": "merchant_id"},
}


def test_a_score_spec_implies_its_outputs_and_default_bands() -> None:
    spec = JobSpec.from_data(BASE)
    assert {n: (o.sensitivity, o.kind) for n, o in spec.outputs.items()} == {
        "scores": ("highly_sensitive", "table"),
        "bands": ("moderately_sensitive", "table"),
    }
    assert spec.score is not None and spec.code is None
    assert spec.score.band_edges() == DEFAULT_RISK_EDGES
    assert spec.score.band_cutoff() == DEFAULT_RISK_CUTOFF
    assert spec.score.runner == "auto"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"score": {"key": "k", "edges": [0.3, 0.2]}}, "strictly increasing"),
        ({"score": {"key": "k", "orientation": "points"}}, "scorecard points need"),
        ({"score": {"key": "k", "label": "k"}}, "cannot be the key"),
        ({"score": {"key": "k", "runner": "gpu"}}, "score.runner"),
        ({"score": {"key": "k", "sql": "SELECT 1"}}, "unknown field"),
        ({"model": {"name": "gbm", "artifact": "AAAA"}}, "unknown field"),
        ({"inputs": {}}, "exactly one dataset"),
        ({"code": {"entrypoint": "x.py"}}, "carries no code"),
        ({"score": None}, "key column"),
    ],
)
def test_score_specs_refused_name_the_problem(change: dict[str, Any], says: str) -> None:
    data = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(SpecInvalid) as refused:
        JobSpec.from_data(data)
    assert says in refused.value.message


def test_other_engines_name_no_model() -> None:
    data = {**BASE, "engine": "sql", "code": {"query": "SELECT 1 AS x"},
            "outputs": {"x": {"sensitivity": "moderately_sensitive"}}}  # fmt: skip
    with pytest.raises(SpecInvalid) as refused:
        JobSpec.from_data(data)
    assert "only a job of engine score names a model" in refused.value.message
