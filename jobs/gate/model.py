"""The gate's vocabulary: its rules, what it finds, what it decides, and what a check sees."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from jobs.gate.probe import InputProbe
from jobs.lineage import QueryLineage

Severity = Literal["block", "fixed", "review"]
"""block: the output may not leave; fixed: suppressed or rounded on the way out; review: a
person must look at it (it keeps an output from leaving without review, never blocks it)."""
LineageVerdict = Literal["aggregate", "row_level", "unproven"]
"""aggregate: the SQL lineage proved every output row a counted group of input rows;
row_level: the lineage did not; unproven: no lineage (Python and Spark outputs, files)."""
SENSITIVITIES = ("highly_sensitive", "moderately_sensitive")


@dataclass(frozen=True)
class GateRules:
    """A zone's disclosure rules (zones/*.yaml `disclosure`), as plain values."""

    min_cell_count: int = 10
    rounding: int = 5
    allowed_file_types: frozenset[str] = frozenset({"csv", "parquet", "png", "json"})
    max_file_bytes: int = 16 * 1024 * 1024
    max_rows: int = 5000
    identifier_columns_allowed: bool = False
    max_table_bytes: int = 256 * 1024 * 1024
    """Memory a csv or parquet output may take once read (checked before and while reading)."""

    def __post_init__(self) -> None:
        if self.min_cell_count < 1 or self.rounding < 1:
            raise ValueError("min_cell_count and rounding must be at least 1")
        if self.max_file_bytes < 1 or self.max_rows < 1 or self.max_table_bytes < 1:
            raise ValueError("max_file_bytes, max_rows and max_table_bytes must be at least 1")
        types = frozenset(t.lower().lstrip(".") for t in self.allowed_file_types)
        object.__setattr__(self, "allowed_file_types", types)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> GateRules:
        """From a zone's `disclosure` section; keys the gate does not use are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in values.items() if k in names}
        if "allowed_file_types" in kwargs:
            kwargs["allowed_file_types"] = frozenset(kwargs["allowed_file_types"])
        return cls(**kwargs)


@dataclass(frozen=True)
class Finding:
    """One thing the gate found: where (output, column, row), which rule, the value, and
    whether it blocks the release or was fixed (suppressed, rounded) on the way out.

    `message` may quote the value (a small count, a masked identifier) for readers inside
    the zone; `outside` is then the same message without it. A finding's message is an
    output too: where the zone holds its owner's full data, neither leaves."""

    output: str
    rule: str
    column: str | None
    row: int | None
    value: str | None
    message: str
    severity: Severity
    outside: str | None = field(default=None, compare=False)

    def without_value(self) -> Finding:
        """The finding without the offending value, in its field or in its message, for
        readers outside the zone."""
        return dataclasses.replace(self, value=None, message=self.outside or self.message)

    def report(self, *, outside: bool) -> dict[str, Any]:
        """The finding as a job's report keeps it; `outside`: without the value."""
        shown = self.without_value() if outside else self
        return {k: v for k, v in dataclasses.asdict(shown).items() if k != "outside"}


@dataclass(frozen=True)
class GateResult:
    output: str
    allowed: bool
    findings: list[Finding]
    table: pa.Table | None
    """The table after suppression and rounding, when allowed (for csv and parquet files:
    their checked content, which is what may be released, not the original file)."""
    lineage: LineageVerdict = "unproven"

    @property
    def proved_aggregate(self) -> bool:
        return self.lineage == "aggregate"

    @property
    def needs_review(self) -> bool:
        """A finding asks for a person's eyes: the output may not leave without review."""
        return any(f.severity == "review" for f in self.findings)


@dataclass(frozen=True)
class CheckOutcome:
    findings: list[Finding] = field(default_factory=list)
    table: pa.Table | None = None
    """A check that changes the table (suppression, rounding) or reads one from a file."""


@dataclass(frozen=True)
class TableContext:
    output: str
    where: str
    """How messages name the output: "output by_city" or "by_city.csv (output by_city)"."""
    table: pa.Table
    rules: GateRules
    column_classes: Mapping[str, str]
    declared_counts: tuple[str, ...] | None
    count_columns: tuple[str, ...]
    lineage: QueryLineage | None = None
    """Only for a proved-aggregate SQL output (row-level ones never reach the checks); its
    columns line up with the table's by position."""
    contributors: pa.Table | None = None
    """Per output row, the input rows (`rows`) and maybe entities (`entities`) behind it."""
    probe: InputProbe | None = None
    """The job's inputs, to look the output's values up in (value checks)."""

    def finding(
        self,
        rule: str,
        message: str,
        *,
        severity: Severity = "block",
        column: str | None = None,
        row: int | None = None,
        value: str | None = None,
        outside: str | None = None,
    ) -> Finding:
        """A finding of this output; `outside`: the message without the value it quotes."""
        return Finding(
            self.output, rule, column, row, value, f"{self.where}: {message}", severity,
            f"{self.where}: {outside}" if outside is not None else None,
        )  # fmt: skip


@dataclass(frozen=True)
class FileContext:
    output: str
    where: str
    path: Path
    rules: GateRules

    @property
    def file_type(self) -> str:
        return self.path.suffix.lower().lstrip(".")

    def finding(self, rule: str, message: str, *, value: str | None = None) -> Finding:
        return Finding(self.output, rule, None, None, value, f"{self.where}: {message}", "block")
