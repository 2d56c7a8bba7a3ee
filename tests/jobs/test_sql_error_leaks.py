"""Error messages as a way out: every query here makes DuckDB put values of the data into its
error message; through `run_sql` the message must carry none of them.

Each attack is also run on a plain DuckDB with the same data: where `RAW_LEAKS` says so, its
own message does quote a value, so the attack is real and the test can fail. The check is
against the table's actual values (every text cell, its words, every number of four or more
characters), not against a fixed string.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from jobs.engines.sql_errors import RUN, map_error
from jobs.errors import EngineRefused, JobError
from tests.jobs.sql_fixtures import run

PEOPLE = pa.table(
    {
        "id": [1, 2, 3],
        "name": ["Zhang San", "李四光", "O'Brien"],
        "id_number": ["11010119900307123X", "310101198512120021", "440301199911110033"],
        "amount": [9223372036854775807, 123456789, 4242],
        "balance": [1.5e300, 2.25, 31337.5],
        "born": ["1990-03-07", "1985-13-12", "abcd"],
        "profile": ['{"vip":', "x1y", "[1"],
    }
)


def _values() -> set[str]:
    """Every value of PEOPLE a message must not show, as text."""
    found: set[str] = set()
    for column in PEOPLE.columns:
        for value in column.to_pylist():
            text = str(value)
            if isinstance(value, str):
                found.add(text)
                found.update(word for word in text.split() if len(word) >= 3)
            elif len(text.lstrip("-")) >= 4:
                found.add(text)
    return found


VALUES = _values()

# (id, query): each one puts data into DuckDB's own error message.
ATTACKS: list[tuple[str, str]] = [
    # regular expressions built from a value: the value comes back unquoted
    ("regexp_matches", "SELECT regexp_matches('x', name || '(') FROM people"),
    ("regexp_string_agg", "SELECT regexp_matches('x', string_agg(name, ',') || '(') FROM people"),
    ("regexp_extract", "SELECT regexp_extract('x', '(' || name) FROM people"),
    ("regexp_replace", "SELECT regexp_replace('x', name || '(', 'y') FROM people"),
    ("regexp_split", "SELECT string_split_regex('x', name || '(') FROM people"),
    ("similar_to", "SELECT 'x' SIMILAR TO ('(' || name) FROM people"),
    ("tilde", "SELECT 'x' ~ ('(' || id_number) FROM people"),
    (
        "regexp_cte",
        "WITH n AS (SELECT string_agg(id_number, ',') AS s FROM people) "
        "SELECT regexp_matches('x', s || '(') FROM n",
    ),
    (
        "regexp_union",
        "SELECT 'a' AS x UNION ALL SELECT regexp_extract('x', name || '(') FROM people",
    ),
    # conversions
    ("cast_int", "SELECT CAST(name AS INTEGER) FROM people"),
    ("cast_hugeint", "SELECT name::HUGEINT FROM people"),
    ("cast_decimal_text", "SELECT name::DECIMAL(10, 2) FROM people"),
    ("cast_id_bigint", "SELECT id_number::BIGINT FROM people"),
    ("cast_date", "SELECT born::DATE FROM people"),
    ("cast_timestamp", "SELECT name::TIMESTAMP FROM people"),
    ("cast_time", "SELECT name::TIME FROM people"),
    ("cast_uuid", "SELECT name::UUID FROM people"),
    ("cast_bool", "SELECT name::BOOLEAN FROM people"),
    ("cast_interval", "SELECT name::INTERVAL FROM people"),
    ("cast_enum", "SELECT name::ENUM('a', 'b') FROM people"),
    ("cast_list", "SELECT ('[' || name || ']')::INT[] FROM people"),
    ("cast_map", "SELECT ('{' || name || '}')::MAP(VARCHAR, INT) FROM people"),
    ("cast_struct", "SELECT {'a': name}::STRUCT(a DATE) FROM people"),
    ("cast_blob", "SELECT name::BLOB FROM people"),
    ("cast_blob_escape", "SELECT ('\\x' || name)::BLOB FROM people"),
    ("from_base64", "SELECT from_base64(name) FROM people"),
    ("to_json_cast", "SELECT CAST(to_json(name) AS INT[]) FROM people"),
    ("interval_of_text", "SELECT INTERVAL (name) DAY FROM people"),
    ("double_to_int", "SELECT balance::INTEGER FROM people"),
    ("double_to_decimal", "SELECT CAST(balance AS DECIMAL(4, 1)) FROM people"),
    ("bigint_to_tinyint", "SELECT amount::TINYINT FROM people"),
    ("bigint_to_decimal", "SELECT amount::DECIMAL(4, 0) FROM people"),
    # overflows
    ("overflow_multiply", "SELECT amount * 2 FROM people"),
    ("overflow_add", "SELECT amount + amount FROM people"),
    ("overflow_subtract", "SELECT -amount - 2 FROM people"),
    ("overflow_abs", "SELECT abs(amount * -1 - 1) FROM people"),
    ("make_date", "SELECT make_date(amount, 1, 1) FROM people"),
    ("to_days", "SELECT to_days(amount) FROM people"),
    ("repeat_size", "SELECT repeat(name, amount) FROM people"),
    ("list_resize", "SELECT list_resize([name], amount) FROM people"),
    # list indexes and slices computed from values
    ("list_slice", "SELECT [1, 2, 3][amount:amount + 1] FROM people"),
    ("list_index_cast", "SELECT list_value(name)[amount::INTEGER] FROM people"),
    # JSON
    ("json_cast", "SELECT profile::JSON FROM people"),
    ("json_extract", "SELECT json_extract(profile, '$.a') FROM people"),
    ("json_of_name", "SELECT json_extract(name, '$.a') FROM people"),
    ("from_json", "SELECT from_json(name, '[\"VARCHAR\"]') FROM people"),
    # dates and formats
    ("strptime", "SELECT strptime(born, '%Y-%m-%d') FROM people"),
    ("strptime_name", "SELECT strptime(name, '%Y') FROM people"),
    ("date_trunc", "SELECT date_trunc(name, DATE '2020-01-01') FROM people"),
    ("date_diff", "SELECT date_diff(name, DATE '2020-01-01', DATE '2020-01-02') FROM people"),
    ("printf", "SELECT printf('%d', name) FROM people"),
    ("format", "SELECT format('{:d}', name) FROM people"),
    # division (the message quotes the expression only, yet it is described, not shown)
    ("division", "SELECT 1 // (id - 1) FROM people"),
    ("modulo", "SELECT amount % (id - 1) FROM people"),
    # subqueries evaluated early, outside the SELECT list
    ("limit_subquery", "SELECT * FROM people LIMIT (SELECT max(amount) FROM people)"),
    ("limit_text", "SELECT * FROM people LIMIT (SELECT min(name) FROM people)"),
    ("offset_text", "SELECT * FROM people OFFSET (SELECT min(name) FROM people)"),
    ("range_argument", "SELECT * FROM range((SELECT max(amount) FROM people) * 2)"),
    ("scalar_compare", "SELECT * FROM people WHERE id = (SELECT max(name) FROM people)"),
    ("order_by_cast", "SELECT * FROM people ORDER BY (SELECT max(name) FROM people)::INT"),
    ("scalar_many_rows", "SELECT (SELECT name FROM people) AS n"),
    # error() is refused before it runs
    ("error", "SELECT error(name) FROM people"),
]

# attacks whose plain DuckDB message quotes no value of the data
RAW_CLEAN = {
    "cast_bool",  # quotes the value only for some inputs
    "printf",
    "format",
    "division",
    "modulo",
    "scalar_many_rows",
    "error",  # quotes it, but refused here before DuckDB sees it; see test_sql_attacks
    "cast_blob",
    "list_slice",
    "tilde",
}


def leaked(message: str, sql: str = "") -> list[str]:
    """The values of PEOPLE in `message`, and any long number that is not in `sql` (a value
    DuckDB wrote in its own way: 1.5e300 as 150000...)."""
    numbers = {n for n in re.findall(r"\d{6,}", message) if n not in sql}
    return sorted({v for v in VALUES if v in message} | numbers)


def _raw_message(sql: str) -> str:
    con = duckdb.connect(":memory:")
    try:
        con.register("people", PEOPLE)
        con.sql(sql).fetchall()
    except duckdb.Error as exc:
        return str(exc)
    finally:
        con.close()
    return ""


@pytest.mark.parametrize("sql", [a[1] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_an_error_carries_no_value_of_the_data(sql: str, tmp_path: Path) -> None:
    with pytest.raises(JobError) as info:
        run(sql, tmp_path, tables={"people": PEOPLE})
    assert leaked(info.value.message, sql) == [], info.value.message
    assert leaked(str(info.value), sql) == []


@pytest.mark.parametrize(
    "sql",
    [a[1] for a in ATTACKS if a[0] not in RAW_CLEAN],
    ids=[a[0] for a in ATTACKS if a[0] not in RAW_CLEAN],
)
def test_the_attack_is_real_on_a_plain_duckdb(sql: str) -> None:
    assert leaked(_raw_message(sql), sql), f"plain DuckDB shows nothing for {sql!r}"


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("SELECT CAST(name AS INTEGER) FROM people", "Conversion Error"),
        ("SELECT regexp_matches('x', name || '(') FROM people", "Invalid Input Error"),
        ("SELECT amount * 2 FROM people", "Out of Range Error"),
        ("SELECT * FROM people LIMIT (SELECT max(amount) FROM people)", "Binder Error"),
    ],
)
def test_a_run_error_says_its_class_and_what_the_class_means(
    sql: str, says: str, tmp_path: Path
) -> None:
    with pytest.raises(EngineRefused) as info:
        run(sql, tmp_path, tables={"people": PEOPLE})
    assert info.value.message.startswith(f"the query failed while it ran: {says}: ")


def test_a_run_error_points_into_the_query_where_duckdb_does(tmp_path: Path) -> None:
    sql = "SELECT id,\n       CAST(name AS INTEGER) AS n\nFROM people"
    with pytest.raises(EngineRefused) as info:
        run(sql, tmp_path, tables={"people": PEOPLE})
    lines = info.value.message.splitlines()
    assert lines[1] == "LINE 2:        CAST(name AS INTEGER) AS n"
    assert lines[2].strip().startswith("^")
    assert lines[2].index("^") == lines[1].index("CAST")


def test_a_bind_error_keeps_its_message_about_the_query(tmp_path: Path) -> None:
    with pytest.raises(EngineRefused) as info:
        run("SELECT nme FROM people", tmp_path, tables={"people": PEOPLE})
    message = info.value.message
    assert message.startswith('the query failed: Binder Error: Referenced column "nme" not found')
    assert 'Candidate bindings: "name"' in message


def test_a_position_line_that_is_not_the_query_is_dropped(tmp_path: Path) -> None:
    """DuckDB may point into a text of its own (here, the list of the input's columns)."""
    sql = "SELECT * FROM (UNPIVOT people ON COLUMNS(*) INTO NAME k VALUE v)"
    with pytest.raises(EngineRefused) as info:
        run(sql, tmp_path, tables={"people": PEOPLE})
    assert "Full list" not in info.value.message
    assert "LINE" not in info.value.message


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (OSError("Conversion Error: Could not convert string 'Zhang San' to INT32"), "Conversion"),
        (OSError("Invalid Input Error: missing ): Zhang San("), "Invalid Input Error: a function"),
        (OSError("Made Up Error: Zhang San"), "Error: the query failed on the values it met"),
        (OSError("Out of Memory Error: failed to allocate Zhang San"), "64 MB of memory"),
        (duckdb.ConstraintException("Zhang San"), "Constraint Error: the query failed on the"),
    ],
    ids=["conversion", "invalid_input", "unknown", "out_of_memory", "other_duckdb_class"],
)
def test_errors_reaching_the_arrow_reader_are_known_by_their_class(
    error: Exception, says: str
) -> None:
    """DuckDB's errors met while Arrow reads the result arrive as OSError with DuckDB's
    text: the class is matched against the catalogue, never copied from the text."""
    failure = map_error(
        error,
        phase=RUN,
        query="SELECT 1",
        known_names=(),
        timed_out=False,
        wall_seconds=1,
        memory_mb=64,
        spill_mb=256,
    )
    assert says in failure.message
    assert "Zhang" not in failure.message
