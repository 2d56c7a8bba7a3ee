"""What crosses the process boundary between a worker and the child that runs one SQL job.

The worker hands the child a `SqlRequest` (one JSON line on the child's stdin): the query,
each input's files with the dataset-version keys that open exactly those files (never the
master key), column projections, entity keys, limits and a private output folder. The child
answers in that folder: `table.arrow` and `contributors.arrow` (Arrow IPC files) and
`result.json` (rows, truncated, elapsed, count columns, lineage), or `error.json` (the
library error's type and message). The worker reads what it finds there under bounds, since
the child ran user SQL: nothing it wrote is trusted to be small.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from jobs.engines.sql import SqlLimits, SqlResult
from jobs.errors import EngineRefused, JobError, LimitExceeded, SpecInvalid
from jobs.lineage import QueryLineage

TABLE_FILE = "table.arrow"
CONTRIBUTORS_FILE = "contributors.arrow"
RESULT_FILE = "result.json"
ERROR_FILE = "error.json"
LOG_FILE = "child.log"
MAX_JSON_BYTES = 4 * 1024 * 1024
DONE = b"done\n"
"""What the child says on stdout once its answer is whole on disk."""
_ERRORS: dict[str, type[JobError]] = {
    cls.__name__: cls for cls in (EngineRefused, LimitExceeded, SpecInvalid, JobError)
}


@dataclass(frozen=True)
class InputFiles:
    """One input: its Parquet files and the dataset-version keys (name -> key) that open them."""

    paths: tuple[str, ...]
    keys: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class SqlRequest:
    query: str
    inputs: Mapping[str, InputFiles]
    limits: SqlLimits
    out_dir: str
    temp_dir: str
    allowed_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    entity_keys: Mapping[str, str] = field(default_factory=dict)
    truncate: bool = False

    def to_line(self) -> bytes:
        data = asdict(self)
        data["inputs"] = {
            alias: {
                "paths": list(item.paths),
                "keys": {k: base64.b64encode(v).decode("ascii") for k, v in item.keys.items()},
            }
            for alias, item in self.inputs.items()
        }
        return json.dumps(data).encode("utf-8") + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> SqlRequest:
        data = json.loads(line)
        inputs = {
            alias: InputFiles(
                tuple(item["paths"]),
                {k: base64.b64decode(v) for k, v in item["keys"].items()},
            )
            for alias, item in data["inputs"].items()
        }
        return cls(
            query=data["query"],
            inputs=inputs,
            limits=SqlLimits(**data["limits"]),
            out_dir=data["out_dir"],
            temp_dir=data["temp_dir"],
            allowed_columns={k: tuple(v) for k, v in data["allowed_columns"].items()},
            entity_keys=dict(data["entity_keys"]),
            truncate=bool(data["truncate"]),
        )


def write_result(out_dir: Path, result: SqlResult) -> None:
    """The child's answer for a query that ran; `result.json` last, as the sign it is whole."""
    _write_ipc(out_dir / TABLE_FILE, result.table)
    if result.contributors is not None:
        _write_ipc(out_dir / CONTRIBUTORS_FILE, result.contributors)
    summary = {
        "rows": result.rows,
        "truncated": result.truncated,
        "elapsed": result.elapsed,
        "count_columns": list(result.count_columns),
        "lineage": result.lineage.to_json() if result.lineage is not None else None,
        "contributors": result.contributors is not None,
    }
    (out_dir / RESULT_FILE).write_text(json.dumps(summary), encoding="utf-8")


def write_error(out_dir: Path, exc: JobError) -> None:
    kind = next((name for name, cls in _ERRORS.items() if type(exc) is cls), "EngineRefused")
    text = json.dumps({"type": kind, "message": exc.message})
    (out_dir / ERROR_FILE).write_text(text, encoding="utf-8")


def read_error(out_dir: Path) -> JobError | None:
    """The library error the child reported, or None if it reported none."""
    data = _read_json(out_dir / ERROR_FILE)
    if data is None:
        return None
    cls = _ERRORS.get(str(data.get("type")), EngineRefused)
    return cls(str(data.get("message", "the SQL engine failed"))[:2000])


def read_result(out_dir: Path, *, max_bytes: int) -> SqlResult | None:
    """The child's result, memory-mapped (the table's pages are the file's, not this
    process's heap); None if the child wrote none. Files larger than `max_bytes` are refused
    before they are opened."""
    summary = _read_json(out_dir / RESULT_FILE)
    if summary is None:
        return None
    table = _read_ipc(out_dir / TABLE_FILE, max_bytes)
    contributors = (
        _read_ipc(out_dir / CONTRIBUTORS_FILE, max_bytes) if summary["contributors"] else None
    )
    lineage = summary.get("lineage")
    return SqlResult(
        table=table,
        rows=int(summary["rows"]),
        truncated=bool(summary["truncated"]),
        elapsed=float(summary["elapsed"]),
        count_columns=tuple(str(c) for c in summary["count_columns"]),
        lineage=QueryLineage.from_json(lineage) if lineage is not None else None,
        contributors=contributors,
    )


def _write_ipc(path: Path, table: pa.Table) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _read_ipc(path: Path, max_bytes: int) -> pa.Table:
    size = path.stat().st_size
    if size > max_bytes:
        raise LimitExceeded(
            f"the query's result is larger than the {max_bytes // (1024 * 1024)} MB it may be"
        )
    with pa.memory_map(str(path), "r") as source:
        return pa.ipc.open_file(source).read_all()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(raw) > MAX_JSON_BYTES:
        raise EngineRefused("the SQL engine's answer is too large to be read")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise EngineRefused("the SQL engine's answer is malformed")
    return data
