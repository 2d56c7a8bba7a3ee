"""The disposition rule, one row per case: what the gate found, the zone's egress, and what
becomes of the output (kept, review, released)."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.gate import Finding, GateResult
from jobs.lineage import ColumnLineage, QueryLineage
from lab.runs.dispositions import decide
from lab.settings import Settings
from lab.zones.files import load_zone_files
from lab.zones.rules import ZoneRules

ZONES = load_zone_files(Settings(_env_file=None).zones_dir)  # type: ignore[call-arg]


def zone(name: str = "sandbox", **egress: Any) -> ZoneRules:
    rules = ZONES[name]
    return rules.model_copy(update={"egress": rules.egress.model_copy(update=egress)})


def finding(severity: str, rule: str = "r") -> Finding:
    return Finding("o", rule, None, None, None, f"output o: {rule}", severity)  # type: ignore[arg-type]


def result(lineage: str, *findings: Finding) -> GateResult:
    allowed = not any(f.severity == "block" for f in findings)
    return GateResult("o", allowed, list(findings), None, lineage)  # type: ignore[arg-type]


ROW_LEVEL = QueryLineage(
    aggregate=False,
    columns=(ColumnLineage(0, "label", "row_level", ("m.name",), False, "carries m.name"),),
    reason="label is row-level",
)

MS, HS = "moderately_sensitive", "highly_sensitive"
ROW = result("row_level", finding("block", "row_level"))
AUTO, NONE = zone(aggregates="auto"), zone(aggregates="none")
NOTE = finding("review", "lineage_note")
CASES = [
    # (id, gate result, sensitivity, engine, zone, expected disposition, words in the reason)
    ("highly_sensitive", result("aggregate"), HS, "sql", zone(), "kept", "highly_sensitive"),
    ("row_level_sandbox", ROW, MS, "sql", zone(), "kept", "egress.row_level: none"),
    ("row_level_production", ROW, MS, "sql", zone("production"), "kept", "data owner"),
    (
        "blocked",
        result("aggregate", finding("block", "x_rule")),
        MS,
        "sql",
        zone(),
        "kept",
        "x_rule",
    ),
    ("aggregate_release_request", result("aggregate"), MS, "sql", zone(), "review", "request"),
    ("aggregate_auto", result("aggregate", finding("fixed")), MS, "sql", AUTO, "released", "auto"),
    ("auto_with_a_note", result("aggregate", NOTE), MS, "sql", AUTO, "review", "lineage_note"),
    ("python_auto", result("unproven"), MS, "python", AUTO, "review", "python output cannot"),
    ("spark", result("unproven"), MS, "spark", zone(), "review", "never leaves without review"),
    ("aggregates_none", result("aggregate"), MS, "sql", NONE, "kept", "aggregates: none"),
]


@pytest.mark.parametrize(
    ("gate", "sensitivity", "engine", "rules", "expected", "words"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_disposition(
    monkeypatch: pytest.MonkeyPatch,
    gate: GateResult,
    sensitivity: str,
    engine: str,
    rules: ZoneRules,
    expected: str,
    words: str,
) -> None:
    decision = decide(gate, sensitivity=sensitivity, engine=engine, rules=rules, lineage=ROW_LEVEL)
    assert decision.disposition == expected
    assert words in decision.reason


def test_the_row_level_reason_names_the_columns_and_why() -> None:
    gate = result("row_level", finding("block", "row_level"))
    decision = decide(
        gate, sensitivity="moderately_sensitive", engine="sql", rules=zone(), lineage=ROW_LEVEL
    )
    assert "column label carries m.name" in decision.reason
