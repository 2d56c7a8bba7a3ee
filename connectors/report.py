"""The import plan (before running), how it is made, and the import report (after).

`plan_import` reads the head of the source (`scan_rows` rows), has the classifier find what
each column holds, and gives each the spec's operator or the default for its class and
entity (operators.defaults). Quasi-identifiers are the declared ones, else the columns
classified so plus those whose operator generalizes (an address cut to city is one in the
output). Plan and report are JSON-serialisable and free of raw data values by construction:
column names, classes, entity names, evidence sentences, operator names and parameters
(never keys), counts, timings and the k-anonymity outcome (levels, not values)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import pyarrow as pa

from connectors.errors import SourceError, SpecError
from connectors.kanon import KReport, Strategy
from connectors.operators.base import Operator, OperatorContext
from connectors.operators.defaults import default_choice
from connectors.operators.registry import build_operator, get_operator, parse_params
from connectors.operators.surrogate import SURROGATE_ENTITIES
from connectors.pii.classify import ColumnFinding, classify_columns
from connectors.pii.entities import PERSON
from connectors.pii.known_names import KnownNames
from connectors.sources.base import Source, check_column_names
from connectors.spec import ColumnSpec, ImportSpec

SCAN_BATCH_ROWS = 65_536
GENERALIZING = frozenset({"generalize", "suppress_rare"})


@dataclass(frozen=True)
class ColumnPlan:
    """What the scan found in a column and what will be done to it."""

    column: str
    dtype: str
    classification: str
    entity: str | None
    evidence: str
    share: float
    sampled: int
    free_text: bool
    operator: str
    params: dict[str, Any]
    chosen: Literal["default", "override"]
    reason: str
    quasi_identifier: bool = False


@dataclass(frozen=True)
class ImportPlan:
    """The plan of an import: reportable (and reviewable) before any row is written."""

    source: dict[str, Any]
    columns: tuple[ColumnPlan, ...]
    quasi_identifiers: tuple[str, ...]
    k: int
    k_strategy: Strategy
    free_text: str
    sample: dict[str, Any] | None
    max_suppressed_share: float
    max_generalization_steps: int
    suppression_tolerance: float
    scanned_rows: int

    def column(self, name: str) -> ColumnPlan:
        for plan in self.columns:
            if plan.column == name:
                return plan
        raise SpecError(f"the plan has no column {name!r}", column=name)

    @property
    def output_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.operator != "drop"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


@dataclass
class ColumnReport:
    """What was done to a column, with the operator's counters and its cost. `residual`:
    what the residual scan checked in the written column and found; `kept` only where the
    column was written and the scan found it clean."""

    column: str
    classification: str
    entity: str | None
    evidence: str
    operator: str
    params: dict[str, Any]
    kept: bool
    reason: str
    stats: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    residual: str = ""


@dataclass
class ImportReport:
    """The outcome of an import. `rows_in`: rows read from the source; `rows_selected`: rows
    the sample kept; `rows_out`: rows written (after k-anonymity suppression)."""

    source: dict[str, Any]
    rows_in: int
    rows_selected: int
    rows_out: int
    rows_suppressed: int
    columns: list[ColumnReport]
    k_anonymity: KReport
    free_text_dropped: list[dict[str, str]]
    sample: dict[str, Any] | None
    seconds: dict[str, float]
    passes: int = 2  # 1: read once, the guess of level 0 and no suppression held

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


def column_reports(
    plan: ImportPlan,
    chains: Mapping[str, Sequence[Operator[Any]]],
    seconds: Mapping[str, float],
    residual: Mapping[str, str] | None = None,
) -> list[ColumnReport]:
    """One report per planned column: the operator that ran (a quasi-identifier may have been
    coarsened for k-anonymity), its counters, the seconds it took and the residual scan's
    result (`residual`: column -> summary, starting "clean" when nothing was found)."""
    reports = []
    residual = residual or {}
    for c in plan.columns:
        chain = chains.get(c.column, [])
        operator = chain[-1] if chain else None
        stats: dict[str, int] = {}
        for step in chain:
            for name, count in step.stats.items():
                stats[name] = stats.get(name, 0) + count
        params = (
            operator.params.model_dump(mode="json", exclude_none=True) if operator else c.params
        )
        reason = c.reason
        scanned = residual.get(c.column, "not scanned" if operator else "not in the output")
        if operator is not None and params != c.params:
            reason += f"; coarsened for k-anonymity to {operator.label()}"
        reports.append(
            ColumnReport(
                column=c.column,
                classification=c.classification,
                entity=c.entity,
                evidence=c.evidence,
                operator=c.operator,
                params=params,
                kept=operator is not None and scanned.startswith("clean"),
                reason=reason,
                stats=stats,
                seconds=round(seconds.get(c.column, 0.0), 6),
                residual=scanned,
            )
        )
    return reports


def import_report(
    plan: ImportPlan,
    rows: tuple[int, int, int],
    chains: Mapping[str, Sequence[Operator[Any]]],
    seconds: Mapping[str, float],
    k_report: KReport,
    timing: dict[str, float],
    *,
    passes: int,
    residual: Mapping[str, str] | None = None,
) -> ImportReport:
    """The report of a finished run; `rows`: (read, selected by the sample, written);
    `residual`: the residual scan's summary per written column."""
    rows_in, rows_selected, rows_out = rows
    return ImportReport(
        source=plan.source,
        rows_in=rows_in,
        rows_selected=rows_selected,
        rows_out=rows_out,
        rows_suppressed=rows_selected - rows_out,
        columns=column_reports(plan, chains, seconds, residual),
        k_anonymity=k_report,
        free_text_dropped=free_text_dropped(plan),
        sample=plan.sample,
        seconds=timing,
        passes=passes,
    )


def free_text_dropped(plan: ImportPlan) -> list[dict[str, str]]:
    return [
        {"column": c.column, "reason": c.reason}
        for c in plan.columns
        if c.free_text and c.operator == "drop"
    ]


def drop_columns(plan: ImportPlan, reasons: Mapping[str, str]) -> ImportPlan:
    """The plan with the columns of `reasons` (name -> why) dropped, each saying why."""
    columns = tuple(
        replace(c, operator="drop", params={}, reason=reasons[c.column], quasi_identifier=False)
        if c.column in reasons
        else c
        for c in plan.columns
    )
    kept = tuple(c for c in plan.quasi_identifiers if c not in reasons)
    return replace(plan, columns=columns, quasi_identifiers=kept)


# ------------------------------------------------------------------------------ planning


def _scan(source: Source, rows: int) -> pa.Table:
    taken: list[pa.RecordBatch] = []
    held = 0
    for batch in source.batches(min(rows, SCAN_BATCH_ROWS)):
        taken.append(batch.slice(0, rows - held))
        held += taken[-1].num_rows
        if held >= rows:
            break
    return pa.Table.from_batches(taken, schema=source.schema())


NO_ROWS = "the source has no rows (a header alone is not a dataset); nothing was imported"


def plan_import(source: Source, spec: ImportSpec, *, k: int) -> ImportPlan:
    """Scans the head of `source`, classifies its columns and plans each one.
    `k` is the zone's minimum; the spec may raise it."""
    schema = source.schema()
    check_column_names(schema.names)
    spec.check_columns(schema.names)
    spec.operator_params()
    k = spec.effective_k(k)
    # The source's facts (a file's sha256: a read of the whole file, without the GIL) are
    # gathered while its head is scanned and classified.
    with ThreadPoolExecutor(1, thread_name_prefix="describe") as background:
        described = background.submit(source.describe)
        sample = _scan(source, spec.scan_rows)
        if sample.num_rows == 0:
            described.cancel()
            raise SourceError(NO_ROWS)
        findings = classify_columns(sample)
        facts = described.result()
    names = _sample_names(sample, findings)
    columns = [
        plan_column(spec, f, findings[f.name], sample.column(f.name).combine_chunks(), names)
        for f in schema
    ]
    not_qi = {c.column for c in columns if c.operator in ("drop", "scrub")}
    if spec.quasi_identifiers is not None:
        qis = [c for c in spec.quasi_identifiers if c not in not_qi]
    else:
        qis = [
            c.column
            for c in columns
            if c.column not in not_qi
            and (c.classification == "quasi_identifier" or c.operator in GENERALIZING)
        ]
    return ImportPlan(
        source=facts,
        columns=tuple(replace(c, quasi_identifier=c.column in qis) for c in columns),
        quasi_identifiers=tuple(qis),
        k=k,
        k_strategy=spec.k_strategy,
        free_text=spec.free_text,
        sample=spec.sample.model_dump() if spec.sample else None,
        max_suppressed_share=spec.max_suppressed_share,
        max_generalization_steps=spec.max_generalization_steps,
        suppression_tolerance=spec.suppression_tolerance,
        scanned_rows=sample.num_rows,
    )


def _sample_names(sample: pa.Table, findings: Mapping[str, ColumnFinding]) -> KnownNames:
    """The names of the sample's person columns: the scrubber's trial on the sample knows
    them, as the run's scrubber knows every row's (connectors.pipeline.names)."""
    names = KnownNames()
    for column, found in findings.items():
        if found.classification == "identifier" and found.entity == PERSON and not found.free_text:
            names.add(str(v) for v in sample.column(column).drop_null().to_pylist())
    return names


def plan_column(
    spec: ImportSpec,
    field: pa.Field,
    found: ColumnFinding,
    sample: pa.Array,
    names: KnownNames | None = None,
) -> ColumnPlan:
    """What to do with one column, given what the scan found in it (`sample`: its scanned
    values; `names`: the sample's person names): the spec's operator, else the default for
    its class and entity."""
    name = field.name
    override = spec.columns.get(name)
    operator, raw, reason = _choose(spec, field, found, sample, names)
    params = parse_params(operator, raw, where=f"columns.{name}.params", column=name)
    problem = get_operator(operator).check_type(field.type, params)
    if problem:
        raise SpecError(f"columns.{name}: {operator}: {problem}", column=name)
    return ColumnPlan(
        column=name,
        dtype=str(field.type),
        classification=(override and override.classification) or found.classification,
        entity=found.entity,
        evidence=found.evidence,
        share=found.share,
        sampled=found.sampled,
        free_text=found.free_text,
        operator=operator,
        params=params.model_dump(mode="json", exclude_none=True),
        chosen="override" if override and override.operator else "default",
        reason=reason,
    )


def _choose(
    spec: ImportSpec,
    field: pa.Field,
    found: ColumnFinding,
    sample: pa.Array,
    names: KnownNames | None,
) -> tuple[str, dict[str, Any], str]:
    override = spec.columns.get(field.name)
    if override is not None and override.operator is not None:
        return override.operator, _override_params(field.name, override, found), "named by the spec"
    choice = default_choice(
        (override and override.classification) or found.classification,
        found.entity,
        free_text=found.free_text,
        free_text_policy=spec.free_text,
        dtype=field.type,
        sample=sample,
    )
    if choice.operator == "scrub" and spec.free_text == "scrub_or_drop":
        trial = build_operator("scrub", choice.params, OperatorContext(known_names=names))
        trial.apply(sample)
        unsure = trial.stats.get("unsure_cells", 0)
        if unsure:
            cells = trial.stats["cells"]
            return "drop", {}, f"free text: PII may remain in {unsure} of {cells} scanned cells"
    return choice.operator, choice.params, choice.reason


def _override_params(column: str, override: ColumnSpec, found: ColumnFinding) -> dict[str, Any]:
    """The override's parameters, after two checks: `keep` on a column found to be an
    identifier or free text needs the spec to restate its class; a surrogate with no entity
    takes the one found."""
    risky = found.classification == "identifier" or found.free_text
    if override.operator == "keep" and risky and override.classification in (None, "identifier"):
        kind = "free text" if found.free_text else found.classification
        raise SpecError(
            f"columns.{column}: keep would copy {kind} as is ({found.evidence}); give the "
            "column classification plain or sensitive to keep it",
            column=column,
        )
    params = dict(override.params)
    if override.operator == "surrogate" and params.get("entity") is None:
        if found.entity not in SURROGATE_ENTITIES:
            raise SpecError(f"columns.{column}.params.entity: needed (none found)", column=column)
        params["entity"] = found.entity
    return params
