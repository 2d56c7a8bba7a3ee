"""Which functions user SQL may call: the names, with the reason given when one is refused.

Table functions (in FROM) are allow-listed: a job reads the tables it declared and nothing
else, so only the row generators below may appear there. Everything reachable from the
catalog (duckdb_settings, duckdb_secrets, pragma_*, information_schema ...) is refused too:
it is harmless after the lock-down but leaks host details (paths, memory, versions).

Scalar, aggregate and window functions are deny-listed: the ones that read files, the
environment or the engine's settings, run SQL given as a string, sleep, or put a data value
into an error message (`error`), which would carry it past the disclosure gate.
"""

from __future__ import annotations

from typing import Final

TABLE_FUNCTIONS_ALLOWED: Final = frozenset(
    {"range", "generate_series", "unnest", "json_each", "json_tree"}
)

_FILE_READERS: Final = (
    "read_",
    "parquet_",
    "sniff_csv",
    "glob",
    "iceberg_",
    "delta_",
    "sqlite_",
    "postgres_",
    "mysql_",
)
_DENIED_PREFIXES: Final = (
    "duckdb_",
    "pragma_",
    "python_",
    "pandas_",
    "arrow_",
    "json_execute",
    "__internal",
)
_DENIED: Final = {
    "getenv": "reads the host's environment",
    "current_setting": "reads the engine's settings",
    "getvariable": "reads the engine's variables",
    "error": "puts values into an error message, past the disclosure gate",
    "query": "runs SQL given as a string",
    "query_table": "reads a table named by a string",
    "json_serialize_sql": "handles SQL given as a string",
    "json_deserialize_sql": "handles SQL given as a string",
    "json_serialize_plan": "handles SQL given as a string",
    "json_execute_serialized_sql": "runs SQL given as a string",
    "which_secret": "reads the engine's secrets",
    "pg_sleep": "sleeps",
    "sleep_ms": "sleeps",
}


def refusal(name: str, *, table_function: bool) -> str | None:
    """Why `name` may not be called, or None when it may. Names compare case-insensitively."""
    key = name.lower()
    if key.startswith(_FILE_READERS) or key in {"load", "install"}:
        return f"{name}() reads files or the network; a job reads only its declared inputs"
    if key in _DENIED:
        return f"{name}() {_DENIED[key]}"
    if key.startswith(_DENIED_PREFIXES):
        return f"{name}() reads the engine's catalog or internals"
    if table_function and key not in TABLE_FUNCTIONS_ALLOWED:
        allowed = ", ".join(sorted(TABLE_FUNCTIONS_ALLOWED))
        return (
            f"table function {name}() is not allowed; in FROM a job may use its declared "
            f"inputs and {allowed}"
        )
    return None
