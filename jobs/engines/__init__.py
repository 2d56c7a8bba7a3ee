"""The engines that run a job's code: `sql` (a locked-down DuckDB, `jobs.engines.sql`),
`python` (an isolated process) and `spark`. Each engine lives in its own module and is
imported by whoever runs it, so importing one never loads the others."""

from __future__ import annotations

ENGINES = ("sql", "python", "spark")
