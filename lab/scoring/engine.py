"""The `score` engine of the worker: one production scoring job, run in a child process.

`prepare` decides the runner (`auto`: Spark from `SPARK_FROM_ROWS` input rows, DuckDB below)
and writes the child's request; `run` starts `python -m lab.scoring.child` with the request
on its standard input and waits, killing it at the job's wall clock or when the job is
cancelled; `collect` reads the row-level scores and turns the band counts into the
partner's table under the zone's minimum cell count and rounding. The handler then gates
both outputs like any job's: `scores` (highly sensitive) is kept with the data owner,
`bands` goes to review. A refusal of the model (unsigned, altered, another dataset) ends
the job `conflict`; a child that dies (a native loader's abort) ends it `failed`, and the
worker carries on.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from jobs.engines.port import EngineJob, EngineOutput, StagedEngine
from jobs.errors import EngineRefused, JobCancelled, LimitExceeded
from jobs.models.scoring import BandCounts, ScoreBands, partner_table
from jobs.sandbox.cgroups import CgroupUnavailable, JobCgroups
from jobs.score_spec import BANDS_OUTPUT, SCORES_OUTPUT, SPARK_FROM_ROWS
from lab.context import Lab
from lab.errors import Conflict, InvalidInput
from lab.runs.engines import LabInputs, spark_master
from lab.runs.sql_job import child_env
from lab.scoring import request as wire
from lab.zones.registry import rules_at

POLL_SECONDS = 0.1
CHILD_ERRORS = "child.err"
MAX_ERROR_BYTES = 4000
SCORING_TASKS = 256
"""Threads and processes the child may have at least: onnxruntime's and DuckDB's pools, and
on Spark a JVM, which starts a hundred threads before any work."""
COUNT_COLUMNS = ("record_count", "approved_count", "labelled_count", "bad_count")


def spark_missing(lab: Lab) -> str | None:
    """Why the scoring child could not run Spark here, or None: a Connect cluster needs its
    client only; local mode needs PySpark and a Java runtime."""
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed"
    if lab.settings.spark_cluster is None and shutil.which("java") is None:
        return "no Java runtime for Spark's local mode"
    return None


class ScoreEngine(StagedEngine):
    def __init__(self, job: EngineJob) -> None:
        super().__init__(job)
        assert isinstance(job.inputs, LabInputs)
        self.lab: Lab = job.inputs.lab
        self.folder = job.workspace / "score"
        self.request: wire.ScoreRequest | None = None
        self.answer: wire.ScoreAnswer | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.cgroups: JobCgroups | None = None
        self.log: list[str] = []

    def _prepare(self) -> None:
        spec = self.job.spec
        assert spec.model is not None and spec.score is not None
        assert isinstance(self.job.inputs, LabInputs)
        (item,) = self.job.inputs.inputs.values()
        settings = self.lab.settings.model_dump(mode="json")
        if self.lab.settings.master_key is not None:
            settings["master_key"] = self.lab.settings.master_key.get_secret_value()
        runner = spec.score.runner
        if runner == "auto":
            runner = "spark" if (item.version.row_count or 0) >= SPARK_FROM_ROWS else "duckdb"
        if runner == "spark" and (why := spark_missing(self.lab)) is not None:
            raise EngineRefused(f"this worker cannot score on Spark: {why}")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.request = wire.ScoreRequest(
            settings=settings,
            job_id=self.job.job_id,
            submitter=self.job.submitter,
            tenant=self.job.tenant,
            model=spec.model.name,
            model_version=spec.model.version,
            dataset_tenant=item.version.tenant,
            dataset=item.version.name,
            version_id=item.version.id,
            columns=list(item.columns) if item.columns else None,
            key=spec.score.key,
            label=spec.score.label,
            edges=list(spec.score.band_edges()),
            cutoff=spec.score.band_cutoff(),
            orientation=spec.score.orientation,
            runner=runner,
            spark_master=spark_master(self.lab.settings),
            folder=str(self.folder),
        )

    def _run(self, cancelled: Callable[[], bool]) -> None:
        assert self.request is not None
        env = child_env()
        for name in ("JAVA_HOME", "HOME"):
            if name in os.environ:
                env[name] = os.environ[name]
        started = time.monotonic()
        errors = self.folder / CHILD_ERRORS  # a file, not a pipe: Spark's logs would fill one
        with errors.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lab.scoring.child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                start_new_session=True,
            )
        self._confine(self.process.pid)  # before it reads its request, so before any work
        assert self.process.stdin is not None
        self.process.stdin.write(self.request.model_dump_json().encode())
        self.process.stdin.close()
        while self.process.poll() is None:
            if cancelled():
                self._kill()
                raise JobCancelled("the scoring job was cancelled")
            if time.monotonic() - started > self.job.limits.wall_seconds:
                self._kill()
                raise LimitExceeded(
                    f"the scoring job ran past its {self.job.limits.wall_seconds:.0f} s"
                )
            time.sleep(POLL_SECONDS)
        self.log.append(f"scoring child ended with code {self.process.returncode}")
        if self.cgroups is not None and self.cgroups.oom_kills():
            raise LimitExceeded(
                f"the scoring job went past its {self.job.limits.memory_mb} MB of memory"
            )
        if self.process.returncode == -signal.SIGXCPU:
            raise LimitExceeded(f"the scoring job used up its {self.cpu_seconds} s of CPU time")
        if self.process.returncode != 0:  # for the reviewers' log; the partner's is redacted
            tail = errors.read_bytes()[-MAX_ERROR_BYTES:].decode("utf-8", "replace")
            self.log.append(tail)
        answer = self.folder / wire.ANSWER
        if self.process.returncode == 0 and answer.is_file():
            self.answer = wire.ScoreAnswer.model_validate_json(answer.read_text())
        if self.answer is not None and self.answer.refused is not None:
            raise Conflict(self.answer.refused)
        if self.answer is not None and self.answer.invalid is not None:
            raise InvalidInput(f"the data cannot be scored: {self.answer.invalid}", field="score")

    def _collect(self) -> EngineOutput:
        if self.answer is None:
            code = self.process.returncode if self.process is not None else None
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return EngineOutput(
                status="failed",
                message=f"the scoring process ended without an answer ({how})",
                log="\n".join(self.log),
            )
        assert self.request is not None
        scores = pq.read_table(self.folder / wire.SCORES)
        with ipc.open_file(self.folder / wire.COUNTS) as reader:
            partial = reader.read_all()
        request = self.request
        counts = BandCounts(
            ScoreBands(tuple(request.edges), request.cutoff, request.orientation),  # type: ignore[arg-type]
            with_labels=request.label is not None,
        )
        counts.add_partial(partial)
        with self.lab.read() as session:
            disclosure = rules_at(session, self.job.spec.zone).disclosure
        bands = partner_table(
            counts, min_cell_count=disclosure.min_cell_count, rounding=disclosure.rounding
        )
        deployment = self.answer.deployment
        message = (
            f"scored {self.answer.rows} rows with {deployment.get('name')} deployment "
            f"{deployment.get('version')} ({self.answer.runner})"
        )
        self.log.append(message)
        return EngineOutput(
            tables={SCORES_OUTPUT: scores, BANDS_OUTPUT: bands},
            count_columns=tuple(c for c in COUNT_COLUMNS if c in bands.column_names),
            log="\n".join(self.log),
            message=message,
            model={**deployment, "runner": self.answer.runner, "rows": self.answer.rows},
        )

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    @property
    def cpu_seconds(self) -> int:
        """CPU time the child may use: its wall clock on each CPU it may use."""
        limits = self.job.limits
        return max(1, int(limits.wall_seconds * max(1, limits.cpus)))

    def _confine(self, pid: int) -> None:
        """The job's limits on the child: its memory (a cgroup, which the kernel's OOM
        killer enforces inside the group only, Spark's JVM included), CPU time, no core
        dumps (they would hold decrypted data). Where cgroups cannot be made, the memory is
        bounded by nothing but the wall clock, and the log says so."""
        limits = self.job.limits
        cpu = self.cpu_seconds
        resource.prlimit(pid, resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        try:
            self.cgroups = JobCgroups.create(
                f"score-{self.job.job_id}",
                max_tasks=max(SCORING_TASKS, limits.max_processes),
                memory_bytes=limits.memory_mb << 20,
            )
            self.cgroups.attach(pid)
            self.log.append(f"limits: {self.cgroups.describe()}, CPU {cpu} s")
        except CgroupUnavailable as exc:
            self.log.append(f"limits: CPU {cpu} s; no cgroups here ({exc})")

    def _cleanup(self) -> None:
        self._kill()
        if self.cgroups is not None:
            self.cgroups.kill_all()
            self.cgroups.remove()
            self.cgroups = None
        shutil.rmtree(self.folder, ignore_errors=True)


def score_engine(job: EngineJob) -> ScoreEngine:
    return ScoreEngine(job)
