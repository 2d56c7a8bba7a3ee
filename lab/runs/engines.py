"""The lab's side of the engines: which engines this worker has (`ENGINES`), what each job
is handed (its limits, and its inputs: decrypted copies in the job's private workspace, or
encrypted files with their data keys), and nothing else. The engines themselves, and the
steps every one of them goes through, are in `jobs.engines` (`jobs.engines.port`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jobs.engines.port import Engine, EngineJob, JobLimits
from jobs.engines.registry import EngineRegistry
from jobs.engines.spark import DEFAULT_MASTER
from jobs.engines.sql_wire import InputFiles
from jobs.spec import JobSpec
from lab.context import Lab
from lab.runs.inputs import ResolvedInput
from lab.settings import Settings
from lab.storage.catalog import ready_version
from lab.storage.reader import version_files
from lab.zones.rules import ZoneRules


def spark_master(settings: Settings) -> str:
    """What Spark jobs run on: the cluster's Connect server if set, else local mode."""
    return settings.spark_cluster or DEFAULT_MASTER


def job_limits(spec: JobSpec, rules: ZoneRules) -> JobLimits:
    """What the job asked for, bounded by its zone's rules."""
    return JobLimits(
        wall_seconds=float(min(spec.resources.wall_seconds, rules.resources.max_wall_seconds)),
        memory_mb=min(spec.resources.memory_mb, rules.resources.max_memory_mb),
        cpus=min(spec.resources.cpus, rules.resources.max_cpus),
        max_processes=rules.resources.max_processes,
        max_rows=spec.resources.max_rows,
    )


class LabInputs:
    """A job's resolved inputs, handed to its engine (`jobs.engines.port.InputHandover`)."""

    def __init__(self, lab: Lab, inputs: Mapping[str, ResolvedInput]) -> None:
        self.lab = lab
        self.inputs = dict(inputs)
        self.allowed_columns: Mapping[str, tuple[str, ...]] = {
            a: tuple(i.columns) for a, i in inputs.items() if i.columns
        }
        self.entity_keys: Mapping[str, str] = {
            a: key for a, i in inputs.items() if (key := i.named_entity_key) is not None
        }

    def materialize(self, folder: Path) -> None:
        """Decrypt each input into the job's private workspace as `<alias>.parquet`."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for alias, item in self.inputs.items():
            with self.lab.read() as session:
                dataset = self.lab.store.dataset(session, item.version.id)
            columns = list(item.columns) if item.columns else None
            schema = (
                dataset.schema
                if columns is None
                else pa.schema([dataset.schema.field(c) for c in columns])
            )
            with pq.ParquetWriter(folder / f"{alias}.parquet", schema) as writer:
                for batch in dataset.to_batches(columns=columns):
                    writer.write_batch(batch)

    def files(self) -> dict[str, InputFiles]:
        """Each input's files and the one data key that opens them (unwrapped here, where
        the master key is: only data keys cross to the SQL child)."""
        files = {}
        with self.lab.read() as session:
            for alias, item in self.inputs.items():
                row = ready_version(session, item.version.id)
                paths = tuple(str(p) for p in version_files(self.lab.store.home, row))
                keys = self.lab.store.data_keys_for(session, [item.version.id])
                files[alias] = InputFiles(paths, keys)
        return files


def _sql(job: EngineJob) -> Engine:
    from jobs.engines.sql_engine import SqlEngine
    from lab.runs.sql_job import sql_spares

    return SqlEngine(job, sql_spares())


def _python(job: EngineJob) -> Engine:
    from jobs.engines.sandboxed import PythonEngine

    return PythonEngine(job)


def _python_why_not(job: EngineJob) -> str | None:
    from jobs.engines.python import sandbox_available

    return sandbox_available()


def _spark(job: EngineJob) -> Engine:
    from jobs.engines.sandboxed import spark_engine

    return spark_engine(job)


def _spark_why_not(job: EngineJob) -> str | None:
    from jobs.engines.spark import spark_available

    return spark_available(job.master or DEFAULT_MASTER)


def _score(job: EngineJob) -> Engine:
    from lab.scoring.engine import ScoreEngine

    return ScoreEngine(job)


ENGINES = EngineRegistry()
"""The engines of this worker. Each engine module is imported when its first job comes."""
ENGINES.register("sql", _sql)
ENGINES.register("python", _python, _python_why_not)
ENGINES.register("spark", _spark, _spark_why_not)
ENGINES.register("score", _score)


def engine_job(
    lab: Lab,
    spec: JobSpec,
    inputs: Mapping[str, ResolvedInput],
    rules: ZoneRules,
    workspace: Path,
    bundle: bytes = b"",
    *,
    job_id: str = "",
    tenant: str = "",
    submitter: str = "",
) -> EngineJob:
    return EngineJob(
        spec=spec,
        workspace=workspace,
        limits=job_limits(spec, rules),
        inputs=LabInputs(lab, inputs),
        bundle=bundle,
        master=spark_master(lab.settings),
        job_id=job_id,
        tenant=tenant,
        submitter=submitter,
    )
