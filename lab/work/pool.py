"""Worker threads inside a process (`lab serve` runs one by default; `lab worker` more).

The threads only watch: each job's own work runs in child processes under its limits. The
pool starts the SQL template with one spare child per thread (`lab.runs.sql_job`) and stops
them at shutdown, so no process outlives the pool."""

from __future__ import annotations

import threading

from lab.context import Lab
from lab.runs.sql_job import close_sql_spares, sql_spares
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker


class WorkerPool:
    def __init__(self, lab: Lab, size: int) -> None:
        self.stop = threading.Event()
        self.workers = [Worker(lab, HANDLERS) for _ in range(size)]
        self.threads = [
            threading.Thread(
                target=w.run_forever, args=(self.stop,), name=f"worker-{i}", daemon=True
            )
            for i, w in enumerate(self.workers)
        ]

    def start(self) -> WorkerPool:
        sql_spares(keep=len(self.workers)).warm()
        for thread in self.threads:
            thread.start()
        return self

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout)
        close_sql_spares()
