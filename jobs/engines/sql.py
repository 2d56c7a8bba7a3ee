"""The one place where user SQL executes.

`run_sql` checks the query statically (`sql_check`), opens a fresh in-memory DuckDB with only
the job's inputs registered and locks it down (`sql_lockdown`), runs the query under a wall
clock (DuckDB has no statement timeout: a timer calls `interrupt()`), streams the result in
Arrow batches up to the row cap, and shreds the job's spill directory at the end.

Lineage: after the static checks the query is analysed (`jobs.lineage.analyze`, reusing the
checks' sqlglot tree) over the inputs as the query sees them. When it is provably aggregate,
the counted form runs instead: the same rows plus hidden per-row counts of input rows and
entities, which come back as `SqlResult.contributors` (so the gate suppresses by the lab's
own count, whatever the user's columns hold or are called) and never as visible columns.

Row cap: at most `max_rows` rows are kept; when the query has more, `run_sql` raises
LimitExceeded by default (a silently cut output would mislead whoever reads it), or, with
`truncate=True` (previews), returns the first `max_rows` rows with `truncated=True`.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads

from jobs.engines.sql_check import CheckedQuery, check_query
from jobs.engines.sql_errors import BIND, RUN, Phase, map_error
from jobs.engines.sql_lockdown import open_locked
from jobs.errors import EngineRefused, JobError, LimitExceeded
from jobs.lineage import ENTITIES_COLUMN, ROWS_COLUMN, QueryLineage
from jobs.lineage.analyze import analyze
from jobs.spec import Resources

InputTable: TypeAlias = "pa.Table | pa.RecordBatchReader | pads.Dataset"
BATCH_ROWS = 65_536


@dataclass(frozen=True)
class SqlLimits:
    wall_seconds: float
    max_rows: int
    memory_mb: int
    threads: int = 1
    spill_mb: int | None = None
    """Disk the query may spill to when it runs out of memory; None: 4 × memory_mb."""

    def __post_init__(self) -> None:
        if self.wall_seconds <= 0 or self.max_rows < 1 or self.memory_mb < 1 or self.threads < 1:
            raise ValueError(f"SqlLimits must be positive: {self}")
        if self.spill_mb is not None and self.spill_mb < 0:
            raise ValueError(f"SqlLimits.spill_mb must not be negative: {self}")

    @property
    def spill_limit_mb(self) -> int:
        return 4 * self.memory_mb if self.spill_mb is None else self.spill_mb

    @classmethod
    def from_resources(cls, resources: Resources) -> SqlLimits:
        return cls(
            wall_seconds=float(resources.wall_seconds),
            max_rows=resources.max_rows,
            memory_mb=resources.memory_mb,
            threads=resources.cpus,
        )


@dataclass(frozen=True)
class SqlResult:
    table: pa.Table
    rows: int
    truncated: bool
    elapsed: float
    count_columns: tuple[str, ...] = ()
    """Integer columns the outermost SELECT computes with COUNT/SUM-like aggregates (for the
    disclosure gate's count columns)."""
    lineage: QueryLineage | None = None
    """What each output column is (group key, aggregate, row-level); None: not analysed."""
    contributors: pa.Table | None = None
    """For a provably aggregate query: per output row, the input rows (`rows`) and, where the
    inputs name an entity key, the distinct entities (`entities`) behind it."""


def run_sql(
    query: str,
    tables: Mapping[str, InputTable],
    *,
    limits: SqlLimits,
    temp_dir: Path,
    allowed_columns: Mapping[str, Collection[str]] | None = None,
    truncate: bool = False,
    entity_keys: Mapping[str, str] | None = None,
) -> SqlResult:
    """Run one read-only query over `tables` (name -> Arrow data) inside a locked DuckDB.

    `allowed_columns` (table name -> columns) narrows a table to those columns before it is
    registered; tables not named there are registered whole. `entity_keys` (table name ->
    column) names the column that identifies a person or business in a table. Raises
    EngineRefused for a refused or failing query, LimitExceeded for time, memory, spill or
    row limits.
    """
    checked = check_query(query, tables.keys())
    inputs = {
        name: _project(name, table, (allowed_columns or {}).get(name))
        for name, table in tables.items()
        if name.lower() in checked.tables
    }
    known_names = _known_names(inputs)
    lineage = _lineage(checked, inputs, entity_keys)
    temp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    job_dir = Path(tempfile.mkdtemp(prefix="sql-", dir=temp_dir))
    try:
        con = open_locked(
            inputs,
            spill_dir=job_dir / "spill",
            memory_mb=limits.memory_mb,
            threads=limits.threads,
            spill_mb=limits.spill_limit_mb,
        )
        try:
            return _execute(
                con, checked, limits, truncate=truncate, known_names=known_names, lineage=lineage
            )
        finally:
            con.close()
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _execute(
    con: Any,
    checked: CheckedQuery,
    limits: SqlLimits,
    *,
    truncate: bool,
    known_names: set[str],
    lineage: QueryLineage,
) -> SqlResult:
    counted = lineage.counted_query if lineage.aggregate else None
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        con.interrupt()

    timer = threading.Timer(limits.wall_seconds, stop)
    timer.daemon = True
    started = time.monotonic()
    timer.start()

    def failure(exc: Exception, phase: Phase) -> JobError:
        return map_error(
            exc,
            phase=phase,
            query=checked.text,
            known_names=known_names,
            timed_out=timed_out.is_set(),
            wall_seconds=limits.wall_seconds,
            memory_mb=limits.memory_mb,
            spill_mb=limits.spill_limit_mb,
        )

    try:
        # Binding reads no rows: its errors speak of the query and the schema. Everything
        # after it may have read data, and its errors are described, never quoted.
        try:
            relation = con.sql(checked.text)
            visible = relation.columns if counted else None
            if counted:
                relation = con.sql(counted)
        except (duckdb.Error, pa.ArrowException) as exc:
            raise failure(exc, BIND) from exc
        reader = relation.to_arrow_reader(min(BATCH_ROWS, limits.max_rows + 1))
        schema = reader.schema
        batches, rows, truncated = _fetch(reader, limits)
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        # DuckDB's errors reach the Arrow reader's caller as OSError (with DuckDB's text)
        raise failure(exc, RUN) from exc
    finally:
        timer.cancel()
        timer.join()
    elapsed = time.monotonic() - started
    if truncated and not truncate:
        raise LimitExceeded(f"the query returned more than {limits.max_rows} rows (max_rows)")
    table = pa.Table.from_batches(batches, schema=schema)
    table, contributors = _split(table, visible, lineage)
    return SqlResult(
        table=table,
        rows=rows,
        truncated=truncated,
        elapsed=elapsed,
        count_columns=_count_columns(checked, table.schema, lineage),
        lineage=lineage,
        contributors=contributors,
    )


def _lineage(
    checked: CheckedQuery,
    inputs: Mapping[str, InputTable],
    entity_keys: Mapping[str, str] | None,
) -> QueryLineage:
    """Analysed over the inputs as the query will see them (after `allowed_columns`)."""
    schemas = {
        name: {field.name: _sql_type(field.type) for field in table.schema}
        for name, table in inputs.items()
    }
    keys = {name: key for name, key in (entity_keys or {}).items() if name in inputs}
    return analyze(checked.statement or checked.text, schemas, entity_keys=keys)


def _sql_type(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind):
        return "BIGINT"
    if pa.types.is_floating(kind):
        return "DOUBLE"
    if pa.types.is_decimal(kind):
        return "DECIMAL"
    return "VARCHAR" if pa.types.is_string(kind) or pa.types.is_large_string(kind) else "OTHER"


def _split(
    table: pa.Table, visible: list[str] | None, lineage: QueryLineage
) -> tuple[pa.Table, pa.Table | None]:
    """The user's columns, under the names the user's own query gives them, and the hidden
    counts as `rows` (and `entities`)."""
    if visible is None:
        return table, None
    hidden = ["rows", "entities"] if lineage.entities_counted else ["rows"]
    width, names = len(visible), table.column_names
    wanted = [ROWS_COLUMN, ENTITIES_COLUMN][: len(hidden)]
    if names[width:] != wanted or len(names) != width + len(hidden):
        # the rewrite and DuckDB disagree on the query's columns: counts would be misread
        raise EngineRefused(
            "the lab could not count this query's contributors (its columns differ from the "
            "counted form's); simplify the query or alias its columns"
        )
    counts = pa.table(
        {name: table.column(width + i).cast(pa.int64()) for i, name in enumerate(hidden)}
    )
    shown = table.select(list(range(width))).rename_columns(visible)
    return shown, counts


def _fetch(reader: Any, limits: SqlLimits) -> tuple[list[pa.RecordBatch], int, bool]:
    """At most max_rows rows; truncated when one more exists. Result bytes stay within the
    memory limit: the rows land in this process, outside DuckDB's own accounting."""
    batches: list[pa.RecordBatch] = []
    rows = 0
    size = 0
    for batch in reader:
        if rows + batch.num_rows > limits.max_rows:
            batches.append(batch.slice(0, limits.max_rows - rows))
            return batches, limits.max_rows, True
        size += batch.nbytes
        if size > limits.memory_mb * 1024 * 1024:
            raise LimitExceeded(f"the query's result is larger than {limits.memory_mb} MB")
        batches.append(batch)
        rows += batch.num_rows
    return batches, rows, False


def _project(name: str, table: InputTable, columns: Collection[str] | None) -> InputTable:
    if not isinstance(table, pa.Table | pa.RecordBatchReader | pads.Dataset):
        raise EngineRefused(f"input {name} is a {type(table).__name__}, not Arrow data")
    if columns is None:
        return table
    schema = table.schema
    missing = [c for c in columns if schema.get_field_index(c) < 0]
    if missing:
        raise EngineRefused(f"input {name} has no column {', '.join(missing)}")
    keep = [c for c in schema.names if c in set(columns)]
    if isinstance(table, pa.Table):
        return table.select(keep)
    narrowed = pa.schema([schema.field(c) for c in keep])
    if isinstance(table, pa.RecordBatchReader):
        return pa.RecordBatchReader.from_batches(narrowed, (b.select(keep) for b in table))
    return table.replace_schema(narrowed)


def _known_names(inputs: Mapping[str, InputTable]) -> set[str]:
    names = set(inputs)
    for table in inputs.values():
        names.update(table.schema.names)
    return names


def _count_columns(
    checked: CheckedQuery, schema: pa.Schema, lineage: QueryLineage
) -> tuple[str, ...]:
    """Numeric columns derived from counts (the gate suppresses and rounds them). The lineage
    says which, whatever their type or name; without it (the analysis could not resolve the
    query), the static check's positions of integer COUNT/SUM columns."""
    if len(lineage.columns) == len(schema):
        return tuple(
            schema.field(c.position).name
            for c in lineage.columns
            if c.from_count and _numeric(schema.field(c.position).type)
        )
    if checked.count_positions is None:
        return ()
    return tuple(
        schema.field(p).name
        for p in checked.count_positions
        if p < len(schema) and _integral(schema.field(p).type)
    )


def _integral(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale == 0))


def _numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )
