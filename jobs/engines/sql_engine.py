"""The port (`jobs.engines.port`) for SQL jobs: the query runs in a child process taken
from a pool of spares, under the job's limits (`jobs.engines.sql_process`).

`prepare` builds the request: the query, each input's encrypted files and the data keys
that open them (handed over by whoever holds the master key: only data keys cross to the
child), the columns the job may read and the entity keys. `run` hands it to a child and
waits (killing it at the wall clock, a memory bound or a cancellation). `collect` returns
the table with its lineage and the lab's own contributor counts. `cleanup` removes the
child's output and spill folders.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from jobs.engines.port import EngineJob, EngineOutput, JobLimits, StagedEngine
from jobs.engines.sql import SqlLimits, SqlResult
from jobs.engines.sql_process import run_sql_child
from jobs.engines.sql_wire import SqlRequest
from jobs.sandbox.spare import Spares


def sql_limits(limits: JobLimits) -> SqlLimits:
    return SqlLimits(
        wall_seconds=float(limits.wall_seconds),
        max_rows=limits.max_rows,
        memory_mb=limits.memory_mb,
        threads=limits.cpus,
    )


class SqlEngine(StagedEngine):
    def __init__(self, job: EngineJob, spares: Spares) -> None:
        super().__init__(job)
        self.spares = spares
        self.request: SqlRequest | None = None
        self._result: tuple[SqlResult, str] | None = None

    def _prepare(self) -> None:
        assert self.job.spec.code is not None and self.job.spec.code.query is not None
        workspace = self.job.workspace
        self.request = SqlRequest(
            query=self.job.spec.code.query,
            inputs=self.job.inputs.files(),
            limits=sql_limits(self.job.limits),
            out_dir=str(workspace / "sql"),
            temp_dir=str(workspace / "tmp"),
            allowed_columns=dict(self.job.inputs.allowed_columns),
            entity_keys=dict(self.job.inputs.entity_keys),
        )

    def _run(self, cancelled: Callable[[], bool]) -> None:
        assert self.request is not None
        label = f"{self.job.workspace.name}-{os.getpid()}"
        self._result = run_sql_child(self.request, self.spares, label=label, cancelled=cancelled)

    def _collect(self) -> EngineOutput:
        assert self._result is not None
        result, confinement = self._result
        [name] = self.job.spec.outputs
        return EngineOutput(
            tables={name: result.table},
            count_columns=result.count_columns,
            message=f"{result.rows} rows in {result.elapsed:.2f} s",
            confinement=confinement,
            lineage=result.lineage,
            contributors=result.contributors,
        )

    def _cleanup(self) -> None:
        for folder in ("sql", "tmp"):
            shutil.rmtree(self.job.workspace / folder, ignore_errors=True)
