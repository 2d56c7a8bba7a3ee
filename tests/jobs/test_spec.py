"""The job spec: valid specs load from YAML and JSON; each invalid one names its field."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from jobs.errors import SpecInvalid
from jobs.spec import JobSpec, check_against

EXAMPLE = """
name: merchant-water-level        # [a-z][a-z0-9-]{1,63}
zone: sandbox
engine: sql
inputs:
  merchants: {dataset: merchants, version: 3}
code:
  query: "SELECT city, count(*) AS n FROM merchants GROUP BY city"
outputs:
  by_city: {sensitivity: moderately_sensitive, kind: table}
resources: {wall_seconds: 600, memory_mb: 2048, cpus: 1, max_rows: 1000000}
"""

PYTHON = {
    "name": "train-model",
    "zone": "sandbox",
    "engine": "python",
    "inputs": {"merchants": {"dataset": "merchants", "columns": ["city", "monthly_sales"]}},
    "code": {"entrypoint": "src/train.py"},
    "outputs": {
        "model": {"sensitivity": "highly_sensitive", "kind": "model"},
        "metrics": {"sensitivity": "moderately_sensitive", "kind": "metrics"},
        "by_city": {"sensitivity": "moderately_sensitive", "count_columns": ["merchants"]},
    },
}


def test_example_loads() -> None:
    spec = JobSpec.from_yaml(EXAMPLE)
    assert spec.name == "merchant-water-level"
    assert spec.inputs["merchants"].dataset == "merchants"
    assert spec.inputs["merchants"].version == 3
    assert spec.code.query is not None and spec.code.query.startswith("SELECT")
    assert spec.outputs["by_city"].sensitivity == "moderately_sensitive"
    assert spec.resources.max_rows == 1_000_000


def test_json_and_defaults() -> None:
    spec = JobSpec.from_json(json.dumps(PYTHON))
    assert spec.code.entrypoint == "src/train.py"
    assert spec.inputs["merchants"].version is None
    assert spec.resources.wall_seconds == 600 and spec.resources.cpus == 1
    assert spec.outputs["by_city"].kind == "table"
    assert JobSpec.from_yaml(yaml.safe_dump(PYTHON)) == spec


def test_granted_dataset_of_another_tenant() -> None:
    data = {**PYTHON, "inputs": {"bank": {"dataset": "loans.v2", "tenant": "acme-bank"}}}
    assert JobSpec.from_data(data).inputs["bank"].tenant == "acme-bank"


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()
SQL = yaml.safe_load(EXAMPLE)


@pytest.mark.parametrize(
    ("base", "path", "value", "says"),
    [
        (SQL, "name", "Merchant Level", "name: String should match pattern"),
        (SQL, "name", "x", "name: String should match pattern"),
        (SQL, "name", _DELETE, "name: is required"),
        (SQL, "zone", "staging", "zone: Input should be 'sandbox' or 'production'"),
        (SQL, "engine", "r", "engine: Input should be 'sql', 'python', 'spark' or 'score'"),
        (SQL, "inputs.merchants.version", 0, "inputs.merchants.version: Input should be greater"),
        (
            SQL,
            "inputs.merchants.dataset",
            "../etc",
            "inputs.merchants.dataset: String should match",
        ),
        (SQL, "inputs.merchants.tenant", "Globex Inc", "inputs.merchants.tenant: String should"),
        (
            SQL,
            "inputs.merchants.columns",
            [],
            "inputs.merchants.columns: List should have at least",
        ),
        (
            SQL,
            "inputs.merchants.columns",
            ["a", "a"],
            "inputs.merchants: columns lists a column twice",
        ),
        (SQL, "inputs.merchants.owner", "x", "inputs.merchants.owner: unknown field"),
        (SQL, "inputs.Merchants-2", {"dataset": "m"}, "inputs.Merchants-2: is not a valid name"),
        (SQL, "code.query", "   ", "code: query is empty"),
        (SQL, "code.entrypoint", "x.py", "code: give exactly one of query"),
        (SQL, "code", {}, "code: give exactly one of query"),
        (SQL, "outputs", {}, "outputs: a job declares at least one output"),
        (SQL, "outputs.by_city.sensitivity", "public", "outputs.by_city.sensitivity: Input should"),
        (SQL, "outputs.by_city.kind", "csv", "outputs.by_city.kind: Input should be"),
        (
            SQL,
            "outputs.by_city.kind",
            "file",
            "outputs: an sql job has exactly one output, of kind table",
        ),
        (
            SQL,
            "outputs.extra",
            {"sensitivity": "highly_sensitive"},
            "an sql job has exactly one output",
        ),
        (SQL, "resources.wall_seconds", 0, "resources.wall_seconds: Input should be greater"),
        (SQL, "resources.memory_mb", 10, "resources.memory_mb: Input should be greater"),
        (SQL, "resources.cpus", "two", "resources.cpus: Input should be a valid integer"),
        (SQL, "resources.gpus", 1, "resources.gpus: unknown field"),
        (SQL, "network", True, "network: unknown field"),
        (
            PYTHON,
            "code",
            {"query": "SELECT 1"},
            "code.entrypoint: a python job needs an entrypoint",
        ),
        (PYTHON, "code.entrypoint", "/etc/passwd.py", "code: entrypoint '/etc/passwd.py' must be"),
        (PYTHON, "code.entrypoint", "../up.py", "code: entrypoint '../up.py' must be a relative"),
        (PYTHON, "code.entrypoint", "a/../../b.py", "must be a relative path"),
        (PYTHON, "code.entrypoint", "train.sh", "must be a relative path to a .py file"),
    ],
)
def test_invalid_spec_names_the_field(
    base: dict[str, Any], path: str, value: Any, says: str
) -> None:
    with pytest.raises(SpecInvalid) as info:
        JobSpec.from_data(_with(base, path, value))
    assert says in info.value.message


def test_all_problems_are_reported_at_once() -> None:
    data = _with(_with(SQL, "zone", "staging"), "resources.cpus", 0)
    with pytest.raises(SpecInvalid) as info:
        JobSpec.from_data(data)
    assert "zone:" in info.value.message and "resources.cpus:" in info.value.message


@pytest.mark.parametrize(
    ("text", "loader", "says"),
    [
        ("name: a\nname: b\n", "yaml", "the key 'name' is given twice (line 2"),
        ("inputs: {m: {dataset: a, dataset: b}}", "yaml", "the key 'dataset' is given twice"),
        ("name: [unclosed", "yaml", "not valid YAML"),
        ("- just\n- a list\n", "yaml", "must be a mapping"),
        ("!!python/object/apply:os.system ['true']", "yaml", "not valid YAML"),
        ('{"name": "a", "name": "b"}', "json", "the key 'name' is given twice"),
        ("{not json", "json", "not valid JSON"),
        ("x" * (256 * 1024 + 1), "yaml", "larger than 256 KiB"),
    ],
)
def test_unreadable_specs(text: str, loader: str, says: str) -> None:
    load = JobSpec.from_yaml if loader == "yaml" else JobSpec.from_json
    with pytest.raises(SpecInvalid) as info:
        load(text)
    assert says in info.value.message


ZONE: dict[str, Any] = {
    "allowed_engines": ["sql", "spark"],
    "max_wall_seconds": 7200,
    "max_memory_mb": 8192,
    "max_cpus": 2,
}


def test_check_against_zone_limits() -> None:
    check_against(JobSpec.from_yaml(EXAMPLE), **ZONE)
    greedy = JobSpec.from_data(
        _with(
            _with(
                _with(PYTHON, "resources", {"wall_seconds": 9000, "memory_mb": 9000}),
                "zone",
                "production",
            ),
            "resources.cpus",
            4,
        )
    )
    with pytest.raises(SpecInvalid) as info:
        check_against(greedy, **ZONE)
    assert info.value.message == (
        "engine: python is not allowed in zone production (allowed: spark, sql); "
        "resources.wall_seconds: 9000 exceeds zone production's limit of 7200; "
        "resources.memory_mb: 9000 exceeds zone production's limit of 8192; "
        "resources.cpus: 4 exceeds zone production's limit of 2"
    )


def test_spec_is_immutable() -> None:
    spec = JobSpec.from_yaml(EXAMPLE)
    with pytest.raises(ValueError, match="frozen"):
        spec.name = "other"  # type: ignore[misc]
