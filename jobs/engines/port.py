"""The engine port: what every engine that runs a job's code promises its caller.

A job goes through four steps, each a method of `Engine`: `prepare` lays out the job's
workspace, `run` executes the code under the job's limits, `collect` reads what it produced,
`cleanup` removes what the engine put in the workspace. The caller (the lab's job handler)
calls them in that order, once each, and `cleanup` always, in a `finally`. Each step is
idempotent: called again, it does not do its work twice, it answers as it did the first
time (the same result, or the same error). A step that failed leaves the engine failed: the
later steps raise that error, except `cleanup`, which always cleans.

An engine object serves one job: the registry (`jobs.engines.registry`) makes one per job
from an `EngineJob`. What only the application knows (how to decrypt an input, which data
keys open it) comes in through `InputHandover`, so that the engines never learn where the
keys are kept. `StagedEngine` keeps the order and the idempotence for the engines, which
only say what each step does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from jobs.lineage import QueryLineage
from jobs.spec import JobSpec

if TYPE_CHECKING:
    from jobs.engines.sql_wire import InputFiles


@dataclass(frozen=True)
class JobLimits:
    """The limits a job runs under: what it asked for, bounded by its zone's rules."""

    wall_seconds: float
    memory_mb: int
    cpus: int
    max_processes: int
    max_rows: int


class InputHandover(Protocol):
    """How an engine gets the job's inputs, from whoever holds their keys. Inputs were
    resolved and authorized for the job's submitter before the handover was made."""

    allowed_columns: Mapping[str, tuple[str, ...]]
    """Input alias -> the columns the job may read (absent: all of them)."""
    entity_keys: Mapping[str, str]
    """Input alias -> the column naming an entity (a person, a business), where known."""

    def materialize(self, folder: Path) -> None:
        """Write each input, decrypted, as `folder/<alias>.parquet` (only its allowed
        columns). For engines whose code cannot be handed keys: Python and Spark."""
        ...

    def files(self) -> Mapping[str, InputFiles]:
        """Each input's encrypted files and the data keys that open them: for an engine
        that decrypts as it reads, in a process of its own (SQL)."""
        ...


@dataclass(frozen=True)
class EngineJob:
    """Everything an engine is given for one job."""

    spec: JobSpec
    workspace: Path
    """The job's private folder (mode 0700), made by the worker and removed by it after the
    job whatever happens; the engine works inside it only."""
    limits: JobLimits
    inputs: InputHandover
    bundle: bytes = b""
    """The uploaded code bundle (a zip) of a Python or Spark job."""
    master: str | None = None
    """Where Spark jobs run: `local[N]` or a Spark Connect server `sc://host:port` (the
    worker's setting; other engines ignore it). None: the Spark engine's default."""
    job_id: str = ""
    tenant: str = ""
    submitter: str = ""
    """Which job, of which tenant, asked by whom (engines that act for the submitter, such
    as scoring with the tenant's deployed model, need them; others ignore them)."""


@dataclass
class EngineOutput:
    """What `collect` returns: the job's outputs as the engine read them, before the gate."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    """Output name -> a file in the workspace, readable until `cleanup`."""
    models: dict[str, Path] = field(default_factory=dict)
    """Output name (kind `model`) -> what the job left at `outputs/models/<name>`: a folder
    from `labjob.save_model`, or anything else the registry then refuses."""
    count_columns: tuple[str, ...] = ()
    log: str = ""
    status: str = "succeeded"
    """succeeded, or how the code ended (failed, timeout, killed, ...): engines that run a
    partner's program report its failure here rather than raising."""
    message: str = ""
    confinement: str = ""  # sandboxed engines: the isolation and limits that were in force
    model: dict[str, Any] | None = None  # score jobs: the deployment that scored (lineage)
    lineage: QueryLineage | None = None  # SQL jobs: what each output column is
    contributors: pa.Table | None = None  # SQL jobs: the lab's own counts per output row
    undeclared: list[str] = field(default_factory=list)
    """Files the job wrote that it did not declare (reported, not kept)."""


class Engine(Protocol):
    """One job on one engine. Errors are `jobs.errors`: SpecInvalid (the spec or bundle is
    wrong), EngineRefused (the engine cannot or will not run it), LimitExceeded,
    JobCancelled. Anything else is a fault of the engine itself."""

    def prepare(self) -> None:
        """Lay out the job's workspace.

        Before: the workspace exists and is private to the job; the inputs were authorized.
        After: the code is unpacked (Python, Spark) and the inputs are materialized in the
        workspace (Python, Spark) or their files and keys are ready to hand to the engine's
        process (SQL); nothing has run. Called again: nothing more happens. If it raises,
        the engine is failed: `run` and `collect` raise the same error, `cleanup` cleans
        whatever was laid out."""
        ...

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Run the job's code under its limits.

        Before: `prepare` succeeded (else its error is raised; a `run` before any `prepare`
        is a caller's fault, RuntimeError). After: the code has ended and the engine holds
        how: a limit it hit (LimitExceeded) or `cancelled()` turning true while it ran
        (JobCancelled) is raised; a partner's program that failed is not an error here, it
        is the status `collect` reports. Called again: the code does not run twice; the
        same error is raised again, or nothing."""
        ...

    def collect(self) -> EngineOutput:
        """Read what the run produced, bounded by the job's limits.

        Before: `run` ended without raising (else its error is raised again). After: the
        declared outputs found are in the returned tables (read no further than the job
        could have held) and files (paths in the workspace, valid until `cleanup`), with
        the log, the status and message, the confinement in force and, for SQL, the lineage
        and contributor counts. Called again: the same object."""
        ...

    def cleanup(self) -> None:
        """Remove what the engine put in the workspace: decrypted inputs, unpacked code,
        outputs, spill files, and any process it started.

        Before: anything, even nothing at all or a failed step. After: the engine is done;
        paths `collect` returned are gone; later `prepare`, `run` or `collect` raise
        RuntimeError. Called again: nothing more happens. It does not raise for what is
        already gone."""
        ...


class Stage(StrEnum):
    NEW = "new"
    PREPARED = "prepared"
    RAN = "ran"
    COLLECTED = "collected"
    FAILED = "failed"
    CLEANED = "cleaned"


class StagedEngine:
    """The order and idempotence of `Engine`, for engines that say what each step does by
    overriding `_prepare`, `_run`, `_collect` and `_cleanup`."""

    def __init__(self, job: EngineJob) -> None:
        self.job = job
        self.stage = Stage.NEW
        self._error: BaseException | None = None
        self._output: EngineOutput | None = None

    def prepare(self) -> None:
        if self.stage is not Stage.NEW:
            self._check_alive("prepare")
            return
        self._step(self._prepare, Stage.PREPARED)

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        self._check_alive("run")
        if self.stage is Stage.NEW:
            raise RuntimeError("run before prepare")
        if self.stage is Stage.PREPARED:
            self._step(lambda: self._run(cancelled), Stage.RAN)

    def collect(self) -> EngineOutput:
        self._check_alive("collect")
        if self.stage in (Stage.NEW, Stage.PREPARED):
            raise RuntimeError(f"collect while {self.stage}: run first")
        if self._output is None:

            def read() -> None:
                self._output = self._collect()

            self._step(read, Stage.COLLECTED)
        assert self._output is not None
        return self._output

    def cleanup(self) -> None:
        if self.stage is Stage.CLEANED:
            return
        self.stage = Stage.CLEANED
        self._cleanup()

    def _step(self, work: Callable[[], None], then: Stage) -> None:
        try:
            work()
        except BaseException as exc:
            self.stage, self._error = Stage.FAILED, exc
            raise
        self.stage = then

    def _check_alive(self, step: str) -> None:
        if self.stage is Stage.CLEANED:
            raise RuntimeError(f"{step} after cleanup")
        if self.stage is Stage.FAILED:
            assert self._error is not None
            raise self._error

    # what each engine does: the base class keeps the order

    def _prepare(self) -> None:
        raise NotImplementedError

    def _run(self, cancelled: Callable[[], bool]) -> None:
        raise NotImplementedError

    def _collect(self) -> EngineOutput:
        raise NotImplementedError

    def _cleanup(self) -> None:
        raise NotImplementedError


def undeclared(spec: JobSpec, produced: Path) -> list[str]:
    """Files a job wrote in `produced` that it did not declare (reported, not kept)."""
    if not produced.is_dir():
        return []
    names = set(spec.outputs) | {"metrics"}
    found = [
        p.name
        for p in produced.iterdir()
        if p.name.split(".")[0] not in names and p.name != "models"
    ]
    models = {n for n, o in spec.outputs.items() if o.kind == "model"}
    if (produced / "models").is_dir():  # saved models: each one an output of kind model
        found += [
            f"models/{p.name}"
            for p in (produced / "models").iterdir()
            if p.name.split(".")[0] not in models
        ]
    return sorted(found)
