"""A fresh DuckDB per job that can reach nothing but the tables registered before its lock.

The order is DuckDB's (see NOTES.md "DuckDB 2.0 as a locked-down SQL engine"):
1. register the job's input tables (Arrow objects; made before the lock, they keep working);
2. give the job its own spill (temp) directory: DuckDB adds it to `allowed_directories` by
   itself, which is why each job gets its own; no other directory is allowed;
3. `enable_external_access=false`: no file functions, COPY, EXPORT, ATTACH, INSTALL/LOAD,
   http/s3, Python replacement scans;
4. no extension autoinstall/autoload, no community extensions, no persistent secrets, no
   Python replacement scans (a query must never see the host process's variables);
5. memory_limit, threads, a cap on spill space;
6. `lock_configuration=true`: from here every SET/RESET is refused.
Then `verify_locked` reads the settings back and refuses to run if any did not take.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from jobs.errors import EngineRefused

TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def lockdown_statements(
    spill_dir: Path, *, memory_mb: int, threads: int, spill_mb: int
) -> list[str]:
    """The SET statements that lock a connection, in the order they must run."""
    spill = str(spill_dir).replace("'", "''")
    return [
        f"SET temp_directory = '{spill}'",
        "SET enable_external_access = false",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET allow_community_extensions = false",
        "SET allow_persistent_secrets = false",
        "SET python_enable_replacements = false",
        f"SET memory_limit = '{int(memory_mb)}MiB'",
        f"SET max_temp_directory_size = '{int(spill_mb)}MiB'",
        f"SET threads = {int(threads)}",
        "SET lock_configuration = true",
    ]


def open_locked(
    tables: Mapping[str, Any], *, spill_dir: Path, memory_mb: int, threads: int, spill_mb: int
) -> Any:
    """A new in-memory DuckDB with `tables` registered, then locked down and verified."""
    seen: set[str] = set()
    for name in tables:
        if not TABLE_NAME.match(name) or name.lower() in seen:
            raise EngineRefused(f"cannot register the input {name!r}: not a unique plain name")
        seen.add(name.lower())
    con = duckdb.connect(":memory:")
    try:
        for name, table in tables.items():
            con.register(name, table)
        for statement in lockdown_statements(
            spill_dir, memory_mb=memory_mb, threads=threads, spill_mb=spill_mb
        ):
            con.execute(statement)
        verify_locked(con, spill_dir=spill_dir, threads=threads)
    except BaseException:
        con.close()
        raise
    return con


def verify_locked(con: Any, *, spill_dir: Path, threads: int) -> None:
    """Read the settings back: a version that ignored one must not run user SQL."""
    rows = con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ("
        "'enable_external_access', 'autoinstall_known_extensions', "
        "'autoload_known_extensions', 'allow_community_extensions', "
        "'allow_persistent_secrets', 'python_enable_replacements', 'lock_configuration', "
        "'threads', 'temp_directory', 'allowed_directories', 'allowed_paths')"
    ).fetchall()
    actual = {str(name): str(value) for name, value in rows}
    expected = {
        "enable_external_access": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_community_extensions": "false",
        "allow_persistent_secrets": "false",
        "python_enable_replacements": "false",
        "lock_configuration": "true",
        "threads": str(threads),
        "temp_directory": str(spill_dir),
        "allowed_paths": "[]",
    }
    wrong = sorted(k for k, v in expected.items() if actual.get(k) != v)
    allowed_dirs = actual.get("allowed_directories", "")
    if allowed_dirs not in ("[]", f"[{spill_dir}/]", f"[{spill_dir}]"):
        wrong.append("allowed_directories")
    if wrong:
        raise EngineRefused(f"the SQL engine could not be locked down ({', '.join(wrong)})")
