"""The import spec: YAML/JSON, validation errors that name the field, column checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.errors import SpecError
from connectors.spec import ImportSpec

SOURCE = {"kind": "synthetic", "rows": 100}

GOOD_YAML = """
source: {kind: csv, path: merchants.csv, encoding: auto}
sample: {n: 500, seed: 7}
columns:
  手机号: {operator: mask, params: {keep_last: 4}}
  city: {classification: quasi_identifier}
  姓名: {operator: surrogate}
quasi_identifiers: [birth_date, city]
k: 10
k_strategy: refuse
free_text: drop
"""


def test_yaml() -> None:
    spec = ImportSpec.from_yaml(GOOD_YAML)
    assert spec.source.as_mapping() == {
        "kind": "csv",
        "path": "merchants.csv",
        "encoding": "auto",
    }
    assert spec.sample is not None and (spec.sample.n, spec.sample.seed) == (500, 7)
    assert spec.columns["手机号"].operator == "mask"
    assert spec.columns["city"].classification == "quasi_identifier"
    assert spec.quasi_identifiers == ["birth_date", "city"]
    assert (spec.k, spec.k_strategy, spec.free_text) == (10, "refuse", "drop")
    assert spec.operator_params()["手机号"].model_dump() == {"keep_last": 4, "char": "*"}


def test_json_and_defaults() -> None:
    spec = ImportSpec.from_json(
        json.dumps({"source": {"kind": "synthetic", "options": {"rows": 5}}})
    )
    assert spec.source.options == {"rows": 5}
    assert spec.sample is None and spec.quasi_identifiers is None and spec.k is None
    assert spec.k_strategy == "generalize_then_suppress"
    assert spec.free_text == "scrub_or_drop"
    assert spec.max_suppressed_share == 0.05


def column(**override: Any) -> dict[str, Any]:
    return {"columns": {"a": override}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (column(operator="shred"), r"columns\.a\.operator: unknown operator 'shred'"),
        (
            column(operator="mask", params={"keep_lst": 3}),
            r"columns\.a\.params\.keep_lst: unknown parameter",
        ),
        (column(operator="mask", params={"keep_last": "x"}), r"columns\.a\.params\.keep_last"),
        (column(operator="generalize"), r"columns\.a\.params: give exactly one"),
        (column(params={"keep_last": 3}), r"columns\.a: params given without an operator"),
        (column(classification="secret"), r"columns\.a\.classification"),
        ({"k_strategy": "hope"}, r"k_strategy"),
        ({"free_text": "keep"}, r"free_text"),
        ({"k": 1}, r"k: Input should be greater than or equal to 2"),
        ({"sample": {"n": 5, "fraction": 0.5}}, r"sample: give either n or fraction"),
        ({"sample": {"fraction": 1.5}}, r"sample\.fraction"),
        ({"source": {"kind": "ftp"}}, r"source: unknown source kind 'ftp'"),
        (
            {"source": {"kind": "synthetic", "rows": 1, "colour": "red"}},
            r"unknown option\(s\) \['colour'\]",
        ),
        ({"max_suppressed_share": 2}, r"max_suppressed_share"),
        ({"operators": {}}, r"operators: unknown field"),
    ],
)
def test_invalid_specs_name_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        ImportSpec.parse({"source": SOURCE, **change})


def test_not_a_mapping_and_bad_syntax() -> None:
    with pytest.raises(SpecError, match="mapping"):
        ImportSpec.from_yaml("- just\n- a list\n")
    with pytest.raises(SpecError, match="YAML"):
        ImportSpec.from_yaml("source: [unclosed")
    with pytest.raises(SpecError, match="JSON"):
        ImportSpec.from_json("{nope")


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"columns": {"ghost": {"operator": "drop"}}}, "ghost"),
        ({"quasi_identifiers": ["name", "ghost_qi"]}, "ghost_qi"),
        ({"sample": {"n": 5, "stratify_by": "region"}}, "region"),
        ({"entity_key": "merchant_no"}, "merchant_no"),
    ],
)
def test_unknown_column_is_named(change: dict[str, Any], column: str) -> None:
    spec = ImportSpec.parse({"source": SOURCE, **change})
    with pytest.raises(SpecError, match=f"no column '{column}'") as caught:
        spec.check_columns(["name", "mobile"])
    assert caught.value.column == column


def test_k_may_rise_above_the_zone_never_below() -> None:
    assert ImportSpec.parse({"source": SOURCE}).effective_k(5) == 5
    assert ImportSpec.parse({"source": SOURCE, "k": 20}).effective_k(5) == 20
    with pytest.raises(SpecError, match="below the zone's minimum"):
        ImportSpec.parse({"source": SOURCE, "k": 3}).effective_k(5)


def test_a_spec_may_name_its_entity_key() -> None:
    spec = ImportSpec.parse({"source": SOURCE, "entity_key": "mobile"})
    assert spec.entity_key == "mobile"
    spec.check_columns(["name", "mobile"])
    assert ImportSpec.parse({"source": SOURCE}).entity_key is None
    with pytest.raises(SpecError, match="entity_key"):
        ImportSpec.parse({"source": SOURCE, "entity_key": ""})
