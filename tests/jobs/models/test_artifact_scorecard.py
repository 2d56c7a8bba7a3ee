"""JSON scorecards: bins and categories recounted on the training data, never trusted."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from jobs.models.artifact_checks import ERROR, Finding, check_artifact
from tests.connectors.pii._make import prc_id

K = 10


def _training(n: int = 1000, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    sales = rng.uniform(0, 100, n)
    sales[:2] = (1000.0, 1001.0)  # two outliers: a bin around them holds two records
    income = [None if i % 50 == 0 else float(v) for i, v in enumerate(rng.uniform(0, 1, n))]
    sector = rng.choice(["retail", "catering", "wholesale"], n).tolist()
    return pa.table({"sales": sales, "income": income, "sector": sector})


def _numeric(name: str, edges: list[float | None], counts: list[int | None]) -> dict[str, Any]:
    bins = [
        {"lower": lower, "upper": upper, "points": 10.0 * i, "count": count}
        for i, (lower, upper, count) in enumerate(zip(edges[:-1], edges[1:], counts, strict=True))
    ]
    return {"name": name, "type": "numeric", "bins": bins, "missing_points": 0.0}


def _categorical(name: str, groups: list[list[str]], counts: list[int | None]) -> dict[str, Any]:
    bins = [
        {"categories": group, "points": 5.0, "count": count}
        for group, count in zip(groups, counts, strict=True)
    ]
    return {"name": name, "type": "categorical", "bins": bins, "missing_points": 0.0}


def _card(*features: dict[str, Any], **extra: Any) -> bytes:
    card = {"format": "lab-scorecard/1", "base_points": 600.0, "features": list(features)}
    return json.dumps({**card, **extra}).encode()


def _counts(table: pa.Table, column: str, edges: list[float | None]) -> list[int]:
    values = np.array([v for v in table.column(column).to_pylist() if v is not None])
    bounds = (
        [-np.inf if e is None else e for e in edges[:-1]],
        [np.inf if e is None else e for e in edges[1:]],
    )
    return [int(((values >= lo) & (values < hi)).sum()) for lo, hi in zip(*bounds, strict=True)]


def _errors(findings: list[Finding]) -> dict[str, Finding]:
    return {f.kind: f for f in findings if f.severity == ERROR}


GOOD_EDGES: list[float | None] = [None, 30.0, 60.0, None]
SECTORS = [["retail"], ["catering", "wholesale"]]


def _good(table: pa.Table) -> bytes:
    return _card(
        _numeric("sales", GOOD_EDGES, _counts(table, "sales", GOOD_EDGES)),
        _numeric("income", [None, 0.5, None], [None, None]),
        _categorical("sector", SECTORS, [None, None]),
    )


def test_a_scorecard_with_honest_large_bins_passes() -> None:
    table = _training()
    assert check_artifact("scorecard", _good(table), table, K, []) == []


def test_a_bin_of_two_records_is_flagged() -> None:
    table = _training()
    edges: list[float | None] = [None, 100.0, None]
    card = _card(_numeric("sales", edges, _counts(table, "sales", edges)))
    errors = _errors(check_artifact("scorecard", card, table, K, ["sales"]))
    assert list(errors) == ["small_bin"]
    assert errors["small_bin"].detail == {"feature": "sales", "bins": [1], "smallest": 2, "k": K}
    assert "scorecard feature sales: 1 of 2 bins" in errors["small_bin"].message


def test_a_bin_that_claims_more_records_than_it_has_is_flagged_twice() -> None:
    table = _training()
    edges: list[float | None] = [None, 100.0, 1000.5, None]
    card = _card(_numeric("sales", edges, [998, 100, 100]))  # the truth: 998, 1, 1
    errors = _errors(check_artifact("scorecard", card, table, K, ["sales"]))
    assert errors["small_bin"].detail["bins"] == [1, 2]
    assert errors["bin_count_mismatch"].detail == {"feature": "sales", "bins": [1, 2]}


def test_category_levels_that_are_resident_ids_are_pii_and_rare() -> None:
    ids = [prc_id(seq=f"{i:03d}") for i in range(12)]
    table = pa.table({"holder": ids * 2 + ["other"] * 500})
    card = _card(_categorical("holder", [ids[:6], ids[6:], ["other"]], [None, None, None]))
    findings = check_artifact("scorecard", card, table, K, ["holder"])
    errors = _errors(findings)
    assert errors["pii_level"].detail["entities"] == {"PRC_ID_NUMBER": 12}
    assert errors["rare_level"].detail["rare"] == 12
    assert "small_bin" not in errors  # each bin holds 12 records: the levels are the leak
    assert not any(i in f.message or i in str(f.detail) for f in findings for i in ids)


def test_a_level_the_training_data_never_had_is_rare() -> None:
    table = _training()
    groups = [["retail", "mining"], ["catering", "wholesale"]]
    card = _card(_categorical("sector", groups, [None, None]))
    rare = _errors(check_artifact("scorecard", card, table, K, []))["rare_level"]
    assert (rare.detail["rare"], rare.detail["unseen"]) == (1, 1)


def test_a_phone_number_hidden_in_another_key_is_flagged() -> None:
    table = _training()
    card = json.loads(_good(table))
    card["notes"] = {"reviewed_with": "13812345678"}
    findings = check_artifact("scorecard", json.dumps(card).encode(), table, K, [])
    assert [f.kind for f in findings] == ["pii_string"]
    assert "13812345678" not in findings[0].message + str(findings[0].detail)


def test_a_feature_missing_from_the_training_data_and_no_training_data_are_unverified() -> None:
    table = _training()
    card = _card(_numeric("turnover", [None, 1.0, None], [None, None]))
    assert list(_errors(check_artifact("scorecard", card, table, K, []))) == ["unverified"]
    assert list(_errors(check_artifact("scorecard", _good(table), None, K, []))) == ["unverified"]


@pytest.mark.parametrize(
    "artifact",
    [
        b"\xff",
        b"[]",
        b'{"format": "other/1", "features": []}',
        b'{"format": "lab-scorecard/1", "features": {}}',
        b'{"format": "lab-scorecard/1", "features": [{"name": "a", "type": "tree", "bins": []}]}',
        b'{"format": "lab-scorecard/1", "features": [{"name": "a", "type": "numeric", "bins": 1}]}',
        b'{"format": "lab-scorecard/1", "features": [], "base_points": NaN}',
    ],
)
def test_a_file_that_is_not_a_scorecard_is_unreadable(artifact: bytes) -> None:
    assert [f.kind for f in check_artifact("scorecard", artifact, None, K, [])] == ["unreadable"]


def test_a_bin_edge_that_is_not_a_number_is_unreadable() -> None:
    table = _training()
    card = _card(_numeric("sales", [None, "30", None], [None, None]))  # type: ignore[list-item]
    assert [f.kind for f in check_artifact("scorecard", card, table, K, [])] == ["unreadable"]
