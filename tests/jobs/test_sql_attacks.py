"""Escape attempts against the SQL engine, end to end through `run_sql`.

Every attack must fail cleanly (EngineRefused or LimitExceeded, with a message that names
what was refused) and leak nothing: no canary content and no /etc/passwd line in the
message, no file created where the attack tried to write. `ENGINE` says how the locked-down
DuckDB alone answers the same SQL (test_sql_lockdown.py checks that layer by itself);
None where the engine alone would run it harmlessly or where running it is itself the harm
(arrow_scan dereferences a raw pointer).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from jobs.engines.sql import SqlLimits
from jobs.errors import EngineRefused, JobError, LimitExceeded
from tests.jobs.sql_fixtures import CANARY, plant_canaries, run

PERM = "PermissionException"
CATALOG = "CatalogException"
LOCKED = "InvalidInputException"
ANY = "Error"

# (id, sql, what the refusal message says, how the engine alone answers)
ATTACKS: list[tuple[str, str, str, str | None]] = [
    # -- file and network readers ---------------------------------------------------------
    ("read_csv", "SELECT * FROM read_csv('/etc/passwd')", "read_csv() reads files", PERM),
    ("read_csv_auto", "SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv_auto()", PERM),
    ("read_csv_list", "SELECT * FROM read_csv(['/etc/passwd', '/etc/hostname'])", "read_csv", PERM),
    (
        "read_parquet_tenant",
        "SELECT * FROM read_parquet('{other}/merchants.parquet')",
        "read_parquet",
        PERM,
    ),
    ("read_json", "SELECT * FROM read_json('{lab_home}/settings.env')", "read_json()", PERM),
    (
        "read_json_auto",
        "SELECT * FROM read_json_auto('{lab_home}/settings.env')",
        "read_json_auto",
        PERM,
    ),
    (
        "read_text_lab_home",
        "SELECT content FROM read_text('{lab_home}/settings.env')",
        "read_text()",
        PERM,
    ),
    (
        "read_blob_tenant",
        "SELECT content FROM read_blob('{other}/merchants.csv')",
        "read_blob()",
        PERM,
    ),
    ("glob_lab_home", "SELECT * FROM glob('{lab_home}/**')", "glob()", PERM),
    ("dotdot", "SELECT * FROM read_text('{work}/../lab-home/settings.env')", "read_text()", PERM),
    (
        "dotdot_spill",
        "SELECT * FROM read_text('{work}/sql-x/spill/../../../lab-home/settings.env')",
        "read_text()",
        PERM,
    ),
    (
        "parquet_scan",
        "SELECT * FROM parquet_scan('{other}/merchants.parquet')",
        "parquet_scan()",
        PERM,
    ),
    ("sniff_csv", "SELECT * FROM sniff_csv('{other}/merchants.csv')", "sniff_csv()", PERM),
    (
        "reader_in_subquery",
        "SELECT (SELECT max(content) FROM read_text('/etc/passwd')) AS x",
        "read_text()",
        PERM,
    ),
    (
        "reader_in_cte",
        "WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x",
        "read_csv()",
        PERM,
    ),
    (
        "reader_in_lateral",
        "SELECT * FROM merchants, LATERAL (SELECT * FROM read_text('/etc/passwd'))",
        "read_text()",
        PERM,
    ),
    (
        "reader_in_union",
        "SELECT city FROM merchants UNION ALL SELECT content FROM read_text('/etc/passwd')",
        "read_text()",
        PERM,
    ),
    ("reader_from_first", "FROM read_text('/etc/passwd')", "read_text()", PERM),
    ("reader_quoted_name", "SELECT * FROM \"read_csv\"('/etc/passwd')", "read_csv()", PERM),
    ("reader_mixed_case", "SeLeCt * FrOm ReAd_TeXt('/etc/passwd')", "read_text()", PERM),
    (
        "reader_qualified",
        "SELECT * FROM system.main.read_text('/etc/passwd')",
        "qualified by a schema",
        PERM,
    ),
    ("replacement_scan_path", "SELECT * FROM '/etc/passwd'", "looks like a file", CATALOG),
    ("replacement_scan_csv", "SELECT * FROM '{other}/merchants.csv'", "looks like a file", PERM),
    (
        "replacement_scan_parquet",
        "SELECT * FROM '{other}/merchants.parquet'",
        "looks like a file",
        PERM,
    ),
    (
        "replacement_scan_dotdot",
        "SELECT * FROM '../lab-home/settings.env'",
        "looks like a file",
        CATALOG,
    ),
    ("url", "SELECT * FROM 'https://example.com/data.csv'", "looks like a file", PERM),
    ("s3", "SELECT * FROM 's3://bucket/data.parquet'", "looks like a file", PERM),
    # -- statements that are not queries ----------------------------------------------------
    ("copy_to", "COPY (SELECT 1) TO '{root}/x.csv'", "COPY is not allowed", PERM),
    ("copy_table_to", "COPY merchants TO '{root}/x.csv'", "COPY is not allowed", PERM),
    ("copy_from", "COPY merchants FROM '/etc/passwd'", "COPY is not allowed", ANY),
    ("export", "EXPORT DATABASE '{root}/export'", "EXPORT is not allowed", PERM),
    ("import", "IMPORT DATABASE '{root}'", "IMPORT is not allowed", ANY),
    ("attach", "ATTACH '{root}/x.db' AS x", "ATTACH is not allowed", PERM),
    ("attach_memory", "ATTACH ':memory:' AS scratch", "ATTACH is not allowed", None),
    ("detach", "DETACH memory", "DETACH is not allowed", ANY),
    ("install", "INSTALL httpfs", "INSTALL is not allowed", PERM),
    ("force_install", "FORCE INSTALL httpfs FROM 'http://127.0.0.1:9/'", "FORCE INSTALL", PERM),
    ("load", "LOAD httpfs", "LOAD is not allowed", PERM),
    ("load_path", "LOAD '{root}/evil.duckdb_extension'", "LOAD is not allowed", PERM),
    ("set_external_access", "SET enable_external_access = true", "SET is not allowed", LOCKED),
    ("set_memory_limit", "SET memory_limit = '100GB'", "SET is not allowed", LOCKED),
    ("set_global_threads", "SET GLOBAL threads = 64", "SET is not allowed", LOCKED),
    ("set_replacements", "SET python_enable_replacements = true", "SET is not allowed", LOCKED),
    ("set_allowed_dirs", "SET allowed_directories = ['/']", "SET is not allowed", LOCKED),
    ("set_lock", "SET lock_configuration = false", "SET is not allowed", LOCKED),
    ("reset", "RESET memory_limit", "RESET is not allowed", LOCKED),
    ("pragma_set", "PRAGMA memory_limit = '100GB'", "PRAGMA is not allowed", LOCKED),
    ("pragma_version", "PRAGMA version", "PRAGMA is not allowed", None),
    ("set_variable", "SET VARIABLE v = 1", "SET is not allowed", None),
    ("create_secret", "CREATE SECRET s (TYPE http, BEARER_TOKEN 'x')", "CREATE SECRET", None),
    ("create_persistent_secret", "CREATE PERSISTENT SECRET s (TYPE http)", "CREATE SECRET", ANY),
    ("call", "CALL pragma_version()", "CALL is not allowed", None),
    ("checkpoint", "CHECKPOINT", "CHECKPOINT is not allowed", None),
    ("create_table", "CREATE TABLE t AS SELECT * FROM merchants", "CREATE TABLE", None),
    ("create_macro", "CREATE MACRO m(x) AS x + 1", "CREATE MACRO", None),
    ("insert", "INSERT INTO merchants VALUES (9, 'x', 1.0, 0)", "INSERT is not allowed", ANY),
    ("update", "UPDATE merchants SET city = 'x'", "UPDATE is not allowed", ANY),
    ("delete", "DELETE FROM merchants", "DELETE is not allowed", ANY),
    ("drop", "DROP VIEW merchants", "DROP VIEW is not allowed", None),
    ("use", "USE system", "USE is not allowed", ANY),
    ("begin", "BEGIN TRANSACTION", "BEGIN is not allowed", None),
    ("prepare", "PREPARE p AS SELECT 1", "PREPARE is not allowed", None),
    ("explain", "EXPLAIN SELECT * FROM merchants", "EXPLAIN", None),
    ("describe", "DESCRIBE merchants", "DESCRIBE is not allowed", None),
    ("summarize", "SUMMARIZE merchants", "SUMMARIZE is not allowed", None),
    ("show_tables", "SHOW TABLES", "SHOW is not allowed", None),
    (
        "pivot_statement",
        "PIVOT merchants ON city USING sum(monthly_sales)",
        "PIVOT is not allowed",
        None,
    ),
    # -- functions: environment, settings, dynamic SQL, internals -----------------------------
    ("getenv", "SELECT getenv('HOME')", "getenv() reads the host's environment", CATALOG),
    ("current_setting", "SELECT current_setting('temp_directory')", "current_setting()", None),
    ("error_leak", "SELECT error(city) FROM merchants", "error() puts values", None),
    (
        "error_in_lambda",
        "SELECT list_transform([city], x -> error(x)) FROM merchants",
        "error()",
        None,
    ),
    (
        "query_string",
        "SELECT * FROM query('SELECT 42')",
        "query() runs SQL given as a string",
        None,
    ),
    ("query_table", "SELECT * FROM query_table('globex_merchants')", "query_table()", CATALOG),
    ("json_execute", "SELECT * FROM json_execute_serialized_sql('{{}}')", "json_execute", None),
    ("arrow_scan_pointer", "SELECT * FROM arrow_scan(4096, 4096, 4096)", "arrow_scan()", None),
    (
        "python_map",
        "SELECT * FROM python_map_function(merchants, 'f')",
        "python_map_function()",
        None,
    ),
    ("duckdb_settings", "SELECT * FROM duckdb_settings()", "duckdb_settings()", None),
    ("duckdb_secrets", "SELECT * FROM duckdb_secrets()", "duckdb_secrets()", None),
    ("duckdb_extensions", "SELECT * FROM duckdb_extensions()", "duckdb_extensions()", PERM),
    ("duckdb_tables_view", "SELECT * FROM duckdb_tables", "not an input of this job", None),
    ("pragma_function", "SELECT * FROM pragma_version()", "pragma_version()", None),
    (
        "information_schema",
        "SELECT * FROM information_schema.tables",
        "information_schema.tables",
        None,
    ),
    ("pg_catalog", "SELECT * FROM pg_catalog.pg_class", "pg_catalog.pg_class", None),
    ("which_secret", "SELECT * FROM which_secret('s3://b/x', 's3')", "which_secret()", None),
    ("sleep", "SELECT pg_sleep(100)", "pg_sleep() sleeps", None),
    ("qualified_scalar", "SELECT main.lower(city) FROM merchants", "qualified by a schema", None),
    # -- other tenants' tables ----------------------------------------------------------------
    (
        "other_tenant",
        "SELECT * FROM globex_merchants",
        "globex_merchants, which is not an input",
        CATALOG,
    ),
    (
        "other_tenant_join",
        "SELECT * FROM merchants JOIN globex_merchants USING (merchant_id)",
        "globex_merchants",
        CATALOG,
    ),
    ("qualified_table", "SELECT * FROM memory.main.merchants", "memory.main.merchants", None),
    ("temp_schema", "SELECT * FROM temp.main.merchants", "temp.main.merchants", None),
    # -- more than one statement, hidden by comments ------------------------------------------
    (
        "two_statements",
        "SELECT 1; COPY (SELECT 1) TO '{root}/x.csv'",
        "exactly one statement",
        PERM,
    ),
    (
        "after_line_comment",
        "SELECT 1 --\n; COPY (SELECT 1) TO '{root}/x.csv'",
        "exactly one statement",
        PERM,
    ),
    (
        "after_block_comment",
        "SELECT 1 /* ; */; ATTACH '{root}/x.db'",
        "exactly one statement",
        PERM,
    ),
    (
        "empty_statements",
        "SELECT 1;;; COPY (SELECT 1) TO '{root}/x.csv'",
        "exactly one statement",
        PERM,
    ),
    (
        "leading_comment",
        "/* SELECT */ COPY (SELECT 1) TO '{root}/x.csv'",
        "COPY is not allowed",
        PERM,
    ),
    (
        "query_then_set",
        "SELECT 1; SET enable_external_access = true",
        "exactly one statement",
        LOCKED,
    ),
    # -- unicode tricks -----------------------------------------------------------------------
    ("zero_width_space", "CO\u200bPY (SELECT 1) TO '{root}/x.csv'", "U+200B", None),
    ("bidi_override", "SELECT 1 /* \u202e; COPY (SELECT 1) TO 'x' */", "U+202E", None),
    ("byte_order_mark", "\ufeffCOPY (SELECT 1) TO '{root}/x.csv'", "U+FEFF", None),
    ("nbsp", "COPY\u00a0(SELECT 1) TO '{root}/x.csv'", "U+00A0", None),
    ("line_separator", "SELECT 1\u2028; COPY (SELECT 1) TO '{root}/x.csv'", "U+2028", None),
    ("nul", "SELECT 1\x00; COPY (SELECT 1) TO '{root}/x.csv'", "U+0000", None),
    ("fullwidth_semicolon", "SELECT 1；COPY (SELECT 1) TO '{root}/x.csv'", "does not parse", None),
    ("cyrillic_e", "SELECT * FROM r\u0435ad_csv('/etc/passwd')", "is not allowed", CATALOG),
    ("fullwidth_name", "SELECT * FROM ｒｅａｄ_ｃｓｖ('/etc/passwd')", "is not allowed", CATALOG),
    ("unicode_escape", "SELECT * FROM U&\"\\0072ead_csv\"('/etc/passwd')", "", None),
]


def _fill(sql: str, root: Path, places: dict[str, Path]) -> str:
    return sql.format(root=root, work=root / "work", **places)


def _assert_clean(message: str) -> None:
    assert CANARY not in message
    assert "root:x:0:0" not in message
    assert "LAB_MASTER_KEY" not in message


@pytest.mark.parametrize(
    ("sql", "says"), [(a[1], a[2]) for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_attack_is_refused(sql: str, says: str, tmp_path: Path) -> None:
    places = plant_canaries(tmp_path)
    with pytest.raises(EngineRefused) as info:
        run(_fill(sql, tmp_path, places), tmp_path)
    assert says in info.value.message
    _assert_clean(info.value.message)
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.db").exists()
    assert not (tmp_path / "export").exists()


def test_host_variables_are_not_reachable(tmp_path: Path) -> None:
    """A Python variable of the host holding an Arrow table is invisible to user SQL."""
    globex_merchants = pa.table({"secret": [CANARY]})
    control = duckdb.connect(":memory:")  # an unlocked DuckDB would find it by replacement scan
    assert control.sql("SELECT * FROM globex_merchants").fetchall() == [(CANARY,)]
    control.close()
    with pytest.raises(EngineRefused) as info:
        run("SELECT * FROM globex_merchants", tmp_path)
    _assert_clean(info.value.message)
    assert globex_merchants.num_rows == 1


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'a'';COPY (SELECT 1) TO ''{root}/x.csv''' AS s",
        "SELECT $$; COPY (SELECT 1) TO '{root}/x.csv'$$ AS s",
        "SELECT 1 AS s /* ; COPY (SELECT 1) TO '{root}/x.csv' */",
        "/* ; COPY (SELECT 1) TO '{root}/x.csv' */ SELECT 1 AS s",
        "SELECT 1 AS s -- ; COPY (SELECT 1) TO '{root}/x.csv'",
        "SELECT 'read_csv(''/etc/passwd'')' AS s",
        "SELECT '/etc/passwd' AS s",
    ],
    ids=[
        "quote",
        "dollar_quote",
        "trailing_block",
        "leading_block",
        "line",
        "name_in_text",
        "path_in_text",
    ],
)
def test_statements_inside_text_or_comments_stay_text(sql: str, tmp_path: Path) -> None:
    result = run(sql.format(root=tmp_path), tmp_path)
    assert result.rows == 1
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t",
        "SELECT count(*) FROM range(100000) a, range(100000) b, range(1000) c",
        "SELECT * FROM range(100000000000) ORDER BY 1 DESC LIMIT 1",
    ],
    ids=["recursive_cte", "cross_join", "huge_sort"],
)
def test_runaway_query_is_stopped_in_time(sql: str, tmp_path: Path) -> None:
    limits = SqlLimits(wall_seconds=0.5, max_rows=100, memory_mb=256)
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as info:
        run(sql, tmp_path, limits=limits)
    assert time.monotonic() - started < limits.wall_seconds + 1
    assert info.value.message == "the query ran longer than 0.5 s and was stopped"


@pytest.mark.parametrize(
    ("sql", "limits", "says"),
    [
        ("SELECT list(i) FROM range(100000000) t(i)", SqlLimits(5, 10, 64), "64 MB of memory"),
        ("SELECT * FROM range(1000)", SqlLimits(5, 999, 64), "more than 999 rows"),
        ("SELECT repeat('x', 10000000) FROM range(20)", SqlLimits(5, 100, 64), "result is larger"),
        (
            "SELECT i::VARCHAR || 'some padding to make it wide' AS s "
            "FROM range(3000000) t(i) ORDER BY s",
            SqlLimits(10, 10_000_000, 32, spill_mb=1),
            "1 MB of spill space",
        ),
    ],
    ids=["memory", "rows", "result_bytes", "spill"],
)
def test_resource_hogs_hit_a_limit(sql: str, limits: SqlLimits, says: str, tmp_path: Path) -> None:
    with pytest.raises(LimitExceeded) as info:
        run(sql, tmp_path, limits=limits)
    assert says in info.value.message


def test_every_failure_is_a_job_error(tmp_path: Path) -> None:
    """Nothing escapes as a raw DuckDB or Arrow error: the worker can report every failure."""
    for _, sql, _, _ in ATTACKS:
        try:
            run(_fill(sql, tmp_path, {"lab_home": tmp_path, "other": tmp_path}), tmp_path)
        except JobError:
            continue
        pytest.fail(f"ran: {sql!r}")
