"""The port (`jobs.engines.port`) for engines that run a partner's program in the job
sandbox: Python, Spark in local mode, and Spark as a client of a cluster.

The three share their steps: `prepare` materializes the inputs (decrypted, by whoever holds
their keys) in `<workspace>/inputs` and unpacks the code bundle in `<workspace>/job`; `run`
runs the entrypoint confined (`jobs.engines.python`, `jobs.engines.spark`), with the
sandbox's writable `/workspace` at `<workspace>/sandbox`; `collect` reads the declared
outputs from `<workspace>/sandbox/outputs`; `cleanup` removes the three folders. A job
cancelled before its code starts never starts; one cancelled while it runs is killed within
a fraction of a second (the sandbox's watcher asks between reads of its output), and its
run raises JobCancelled once the sandbox is cleaned up.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from jobs.engines.bundle import extract_bundle
from jobs.engines.port import EngineJob, EngineOutput, JobLimits, StagedEngine, undeclared
from jobs.engines.python import PythonLimits, PythonResult, run_python
from jobs.engines.spark import DEFAULT_MASTER, run_spark
from jobs.engines.spark_cluster import connect_endpoint
from jobs.errors import JobCancelled
from jobs.outputs import OutputBounds, read_parquet_bounded

FOLDERS = ("inputs", "job", "sandbox")


def python_limits(limits: JobLimits) -> PythonLimits:
    return PythonLimits(
        wall_seconds=float(limits.wall_seconds),
        memory_mb=limits.memory_mb,
        cpu_seconds=int(limits.wall_seconds * limits.cpus),
        max_processes=limits.max_processes,
    )


class SandboxedEngine(StagedEngine):
    """The steps of a sandboxed job; subclasses say how the entrypoint is launched."""

    def __init__(self, job: EngineJob) -> None:
        super().__init__(job)
        self._result: PythonResult | None = None

    @property
    def folders(self) -> tuple[Path, Path, Path]:
        root = self.job.workspace
        return root / "inputs", root / "job", root / "sandbox"

    def _prepare(self) -> None:
        inputs, code, _ = self.folders
        self.job.inputs.materialize(inputs)
        extract_bundle(self.job.bundle, code)

    def _run(self, cancelled: Callable[[], bool]) -> None:
        if cancelled():
            raise JobCancelled("the job was cancelled before its code ran")
        assert self.job.spec.code is not None and self.job.spec.code.entrypoint is not None
        inputs, code, sandbox = self.folders
        limits = python_limits(self.job.limits)
        self._result = self._launch(
            code, self.job.spec.code.entrypoint, inputs, sandbox, limits, cancelled
        )

    def _launch(
        self,
        code: Path,
        entrypoint: str,
        inputs: Path,
        sandbox: Path,
        limits: PythonLimits,
        cancelled: Callable[[], bool],
    ) -> PythonResult:
        raise NotImplementedError

    def _collect(self) -> EngineOutput:
        result = self._result
        assert result is not None
        output = EngineOutput(
            log=result.log,
            status=result.status,
            message=result.message,
            confinement=result.confinement,
            undeclared=undeclared(self.job.spec, result.outputs_dir),
        )
        if result.status != "succeeded":
            return output
        produced = result.outputs_dir
        # what the job wrote is judged by its footer before it is read (a tiny file can
        # declare a huge table), and read no further than the job itself could have held
        bounds = OutputBounds.for_job(
            max_rows=self.job.limits.max_rows, memory_mb=self.job.limits.memory_mb
        )
        for name, declared in self.job.spec.outputs.items():
            if declared.kind == "table" and (produced / f"{name}.parquet").is_file():
                output.tables[name] = read_parquet_bounded(produced / f"{name}.parquet", bounds)
            elif declared.kind == "metrics" and (produced / "metrics.json").is_file():
                output.files[name] = produced / "metrics.json"
            elif declared.kind == "model":
                # a folder from labjob.save_model, or whatever else bears the name (a
                # pickle, say): the registry judges it, and refuses all but a safe model
                found = sorted(produced.glob(f"models/{name}")) + sorted(
                    produced.glob(f"models/{name}.*")
                )
                if found:
                    output.models[name] = found[0]
            else:
                files = sorted(produced.glob(f"{name}.*"))
                if files:
                    output.files[name] = files[0]
        return output

    def _cleanup(self) -> None:
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


class PythonEngine(SandboxedEngine):
    """A Python job in bubblewrap (`run_python` refuses where the sandbox cannot work)."""

    def _launch(
        self,
        code: Path,
        entrypoint: str,
        inputs: Path,
        sandbox: Path,
        limits: PythonLimits,
        cancelled: Callable[[], bool],
    ) -> PythonResult:
        return run_python(
            code, entrypoint, inputs_dir=inputs, workspace=sandbox, limits=limits,
            cancelled=cancelled,
        )  # fmt: skip


class SparkLocalEngine(SandboxedEngine):
    """A PySpark job with its driver and a `local[N]` JVM inside the sandbox."""

    def _launch(
        self,
        code: Path,
        entrypoint: str,
        inputs: Path,
        sandbox: Path,
        limits: PythonLimits,
        cancelled: Callable[[], bool],
    ) -> PythonResult:
        return run_spark(
            code, entrypoint, inputs_dir=inputs, workspace=sandbox, limits=limits,
            master=self.job.master or DEFAULT_MASTER, cancelled=cancelled,
        )  # fmt: skip


class SparkClusterEngine(SparkLocalEngine):
    """A PySpark job as a Spark Connect client in the sandbox; the work runs on the cluster
    (`jobs.engines.spark_cluster`), which is told to release the job's session when done."""

    def __init__(self, job: EngineJob) -> None:
        if job.master is None or connect_endpoint(job.master) is None:
            raise ValueError(f"not a Spark Connect master: {job.master!r}")
        super().__init__(job)


def spark_engine(job: EngineJob) -> SparkLocalEngine:
    """The Spark engine for the job's master: a cluster's Connect server, or local mode."""
    if job.master is not None and connect_endpoint(job.master) is not None:
        return SparkClusterEngine(job)
    return SparkLocalEngine(job)
