"""The engines that run a job's code: `sql` (a locked-down DuckDB in a child process,
`jobs.engines.sql_engine`), `python` (an isolated process) and `spark` (local or on a
cluster), these two in `jobs.engines.sandboxed`. Every one keeps the same contract, the
port (`jobs.engines.port`: prepare, run, collect, clean up), and is chosen by name through
a registry (`jobs.engines.registry`) that the application fills. Each engine lives in its
own module and is imported by whoever runs it, so importing one never loads the others."""

from __future__ import annotations

ENGINES = ("sql", "python", "spark")
