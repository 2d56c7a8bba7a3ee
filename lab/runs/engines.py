"""The lab's side of each engine: what it is given (decrypting readers, or plaintext copies
in the job's private workspace) and what comes back (tables, files, a log)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from jobs.engines.python import PythonLimits, run_python
from jobs.engines.spark import DEFAULT_MASTER, run_spark
from jobs.errors import EngineRefused
from jobs.lineage import QueryLineage
from jobs.outputs import OutputBounds, read_parquet_bounded
from jobs.spec import JobSpec
from lab.context import Lab
from lab.runs import sql_job
from lab.runs.inputs import ResolvedInput
from lab.settings import Settings
from lab.zones.rules import ZoneRules

MAX_BUNDLE_FILES = 500


def spark_master(settings: Settings) -> str:
    """What Spark jobs run on: the cluster's Connect server if set, else local mode."""
    return settings.spark_cluster or DEFAULT_MASTER


MAX_BUNDLE_BYTES = 64 * 1024 * 1024


@dataclass
class EngineOutput:
    tables: dict[str, pa.Table] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    count_columns: tuple[str, ...] = ()
    log: str = ""
    status: str = "succeeded"
    message: str = ""
    confinement: str = ""  # sandboxed engines: the isolation and limits that were in force
    lineage: QueryLineage | None = None  # SQL jobs: what each output column is
    contributors: pa.Table | None = None  # SQL jobs: the lab's own counts per output row


def run_sql_job(
    lab: Lab,
    spec: JobSpec,
    inputs: dict[str, ResolvedInput],
    rules: ZoneRules,
    workspace: Path,
    *,
    cancelled: Callable[[], bool] = lambda: False,
) -> EngineOutput:
    """The query runs in a child process under the job's limits (`lab.runs.sql_job`)."""
    result, confinement = sql_job.run_sql_job(
        lab, spec, inputs, rules, workspace, cancelled=cancelled
    )
    [name] = spec.outputs
    return EngineOutput(
        tables={name: result.table},
        count_columns=result.count_columns,
        message=f"{result.rows} rows in {result.elapsed:.2f} s",
        confinement=confinement,
        lineage=result.lineage,
        contributors=result.contributors,
    )


def materialize_inputs(lab: Lab, inputs: dict[str, ResolvedInput], folder: Path) -> None:
    """Decrypt each input into the job's private workspace as `<alias>.parquet`."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for alias, item in inputs.items():
        with lab.read() as session:
            dataset = lab.store.dataset(session, item.version.id)
        columns = list(item.columns) if item.columns else None
        schema = (
            dataset.schema
            if columns is None
            else pa.schema([dataset.schema.field(c) for c in columns])
        )
        with pq.ParquetWriter(folder / f"{alias}.parquet", schema) as writer:
            for batch in dataset.to_batches(columns=columns):
                writer.write_batch(batch)


def extract_bundle(bundle: bytes, target: Path) -> None:
    """Unpack the uploaded code bundle, refusing absolute paths, `..`, links and zip bombs."""
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        archive = zipfile.ZipFile(io.BytesIO(bundle))
    except zipfile.BadZipFile as exc:
        raise EngineRefused(f"the code bundle is not a zip file: {exc}") from None
    members = archive.infolist()
    if len(members) > MAX_BUNDLE_FILES:
        raise EngineRefused(
            f"the code bundle has {len(members)} files (at most {MAX_BUNDLE_FILES})"
        )
    if sum(m.file_size for m in members) > MAX_BUNDLE_BYTES:
        raise EngineRefused("the code bundle unpacks to more than 64 MiB")
    for member in members:
        path = PurePosixPath(member.filename)
        if (
            path.is_absolute()
            or ".." in path.parts
            or (member.external_attr >> 16) & 0o170000 == 0o120000
        ):
            raise EngineRefused(
                f"the code bundle holds a path that is not allowed: {member.filename}"
            )
        destination = target.joinpath(*path.parts)
        if member.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(archive.read(member))


def run_python_job(
    lab: Lab,
    spec: JobSpec,
    inputs: dict[str, ResolvedInput],
    rules: ZoneRules,
    workspace: Path,
    bundle: bytes,
) -> EngineOutput:
    materialize_inputs(lab, inputs, workspace / "inputs")
    extract_bundle(bundle, workspace / "job")
    wall = min(spec.resources.wall_seconds, rules.resources.max_wall_seconds)
    limits = PythonLimits(
        wall_seconds=float(wall),
        memory_mb=min(spec.resources.memory_mb, rules.resources.max_memory_mb),
        cpu_seconds=int(wall * min(spec.resources.cpus, rules.resources.max_cpus)),
        max_processes=rules.resources.max_processes,
    )
    assert spec.code.entrypoint is not None
    inputs_dir, sandbox = workspace / "inputs", workspace / "sandbox"
    if spec.engine == "spark":
        result = run_spark(
            workspace / "job", spec.code.entrypoint, inputs_dir=inputs_dir, workspace=sandbox,
            limits=limits, master=spark_master(lab.settings),
        )  # fmt: skip
    else:
        result = run_python(
            workspace / "job", spec.code.entrypoint, inputs_dir=inputs_dir, workspace=sandbox,
            limits=limits,
        )  # fmt: skip
    output = EngineOutput(
        log=result.log,
        status=result.status,
        message=result.message,
        confinement=result.confinement,
    )
    if result.status != "succeeded":
        return output
    produced = result.outputs_dir
    # what the job wrote is judged by its footer before it is read (a tiny file can declare
    # a huge table), and read no further than the job itself could have held
    bounds = OutputBounds.for_job(max_rows=spec.resources.max_rows, memory_mb=limits.memory_mb)
    for name, declared in spec.outputs.items():
        if declared.kind == "table" and (produced / f"{name}.parquet").is_file():
            output.tables[name] = read_parquet_bounded(produced / f"{name}.parquet", bounds)
        elif declared.kind == "metrics" and (produced / "metrics.json").is_file():
            output.files[name] = produced / "metrics.json"
        else:
            found = sorted(produced.glob(f"{name}.*")) + sorted(produced.glob(f"models/{name}*"))
            if found:
                output.files[name] = found[0]
    return output


def undeclared(spec: JobSpec, produced: Path) -> list[str]:
    """Files a job wrote that it did not declare (reported, not kept)."""
    if not produced.is_dir():
        return []
    names = set(spec.outputs) | {"metrics"}
    return sorted(
        p.name
        for p in produced.iterdir()
        if p.name.split(".")[0] not in names and p.name != "models"
    )
