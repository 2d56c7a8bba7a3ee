"""The second layer alone: the locked-down DuckDB refuses the attacks by itself, for a query
that slipped past the static checks. Also: the lock-down order, and that it is verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from jobs.engines import sql as sql_engine
from jobs.engines.sql_check import CheckedQuery
from jobs.engines.sql_lockdown import lockdown_statements, open_locked, verify_locked
from jobs.errors import EngineRefused, JobError
from tests.jobs.sql_fixtures import CANARY, LOANS, MERCHANTS, plant_canaries, run
from tests.jobs.test_sql_attacks import ATTACKS, _assert_clean, _fill

ENGINE_ATTACKS = [(a[0], a[1], a[3]) for a in ATTACKS if a[3] is not None]


@pytest.fixture
def locked(tmp_path: Path) -> Any:
    con = open_locked(
        {"merchants": MERCHANTS, "loans": LOANS},
        spill_dir=tmp_path / "work" / "spill",
        memory_mb=256,
        threads=1,
        spill_mb=64,
    )
    yield con
    con.close()


@pytest.mark.parametrize(
    ("sql", "error"), [(a[1], a[2]) for a in ENGINE_ATTACKS], ids=[a[0] for a in ENGINE_ATTACKS]
)
def test_locked_engine_refuses_by_itself(sql: str, error: str, locked: Any, tmp_path: Path) -> None:
    places = plant_canaries(tmp_path)
    with pytest.raises(duckdb.Error) as info:
        locked.sql(_fill(sql, tmp_path, places)).fetchall()
    assert type(info.value).__name__ == error or error == "Error"
    _assert_clean(str(info.value))
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.db").exists()


@pytest.fixture
def no_static_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the static checks let everything through."""

    def allow_all(query: str, table_names: Any) -> CheckedQuery:
        names = frozenset(name.lower() for name in table_names)
        return CheckedQuery(text=query, tables=names, count_positions=None)

    monkeypatch.setattr(sql_engine, "check_query", allow_all)


@pytest.mark.parametrize("sql", [a[1] for a in ENGINE_ATTACKS], ids=[a[0] for a in ENGINE_ATTACKS])
@pytest.mark.usefixtures("no_static_check")
def test_run_sql_still_fails_cleanly_without_static_checks(sql: str, tmp_path: Path) -> None:
    places = plant_canaries(tmp_path)
    with pytest.raises(JobError) as info:
        run(_fill(sql, tmp_path, places), tmp_path)
    _assert_clean(info.value.message)
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.usefixtures("no_static_check")
def test_host_variable_unreachable_even_without_static_checks(tmp_path: Path) -> None:
    globex_merchants = pa.table({"secret": [CANARY]})
    with pytest.raises(EngineRefused) as info:
        run("SELECT * FROM globex_merchants", tmp_path)
    assert "globex_merchants does not exist" in info.value.message
    _assert_clean(info.value.message)
    assert globex_merchants.num_rows == 1


def test_host_variable_unreachable_from_the_callers_frame(locked: Any) -> None:
    """Replacement scans look at the frame that runs the query: here, the one holding it."""
    globex_merchants = pa.table({"secret": [CANARY]})
    with pytest.raises(duckdb.CatalogException):
        locked.sql("SELECT * FROM globex_merchants").fetchall()
    assert globex_merchants.num_rows == 1


def test_registered_inputs_still_work_after_the_lock(locked: Any) -> None:
    assert locked.sql(
        "SELECT count(*) FROM merchants JOIN loans USING (merchant_id)"
    ).fetchall() == [(5,)]


def test_lockdown_order(tmp_path: Path) -> None:
    statements = lockdown_statements(tmp_path / "spill", memory_mb=512, threads=2, spill_mb=100)
    names = [s.split("=")[0].removeprefix("SET ").strip() for s in statements]
    assert names[0] == "temp_directory"
    assert names.index("temp_directory") < names.index("enable_external_access")
    assert names[-1] == "lock_configuration"
    assert set(names) >= {
        "enable_external_access",
        "autoinstall_known_extensions",
        "autoload_known_extensions",
        "python_enable_replacements",
        "memory_limit",
        "threads",
        "max_temp_directory_size",
    }
    assert "allowed_directories" not in names


def test_settings_are_read_back(locked: Any, tmp_path: Path) -> None:
    settings = dict(
        locked.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('enable_external_access', 'lock_configuration', 'python_enable_replacements', "
            "'allowed_directories', 'allowed_paths', 'threads', 'memory_limit')"
        ).fetchall()
    )
    assert settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["python_enable_replacements"] == "false"
    assert settings["allowed_directories"] == f"[{tmp_path / 'work' / 'spill'}/]"
    assert settings["allowed_paths"] == "[]"
    assert settings["threads"] == "1"
    assert settings["memory_limit"] == "256.0 MiB"


def test_an_unlocked_connection_is_refused(tmp_path: Path) -> None:
    con = duckdb.connect(":memory:")
    with pytest.raises(EngineRefused, match="could not be locked down"):
        verify_locked(con, spill_dir=tmp_path, threads=1)
    con.close()


def test_only_the_own_spill_directory_is_reachable(locked: Any, tmp_path: Path) -> None:
    neighbour = tmp_path / "sql-other-job"
    neighbour.mkdir()
    (neighbour / "x.tmp").write_text(CANARY)
    with pytest.raises(duckdb.PermissionException):
        locked.sql(f"SELECT * FROM read_text('{neighbour}/x.tmp')").fetchall()


@pytest.mark.parametrize("name", ["bad-name", "a b", "x;drop", "", "Merchants"])
def test_input_names_must_be_plain_and_unique(name: str, tmp_path: Path) -> None:
    tables = {"merchants": MERCHANTS, name: LOANS}
    with pytest.raises(EngineRefused, match="not a unique plain name"):
        open_locked(tables, spill_dir=tmp_path, memory_mb=64, threads=1, spill_mb=1)
