"""The static layer by itself: what it lets through, what it learns, how it names things."""

from __future__ import annotations

import pytest

from jobs.engines.sql_check import check_query, check_text, statement_kind
from jobs.engines.sql_errors import redact
from jobs.engines.sql_policy import TABLE_FUNCTIONS_ALLOWED, refusal
from jobs.errors import EngineRefused

TABLES = ["merchants", "loans"]


@pytest.mark.parametrize(
    ("sql", "reads", "counts"),
    [
        ("SELECT city, count(*) AS n FROM merchants GROUP BY city", {"merchants"}, (1,)),
        ("SELECT * FROM merchants", {"merchants"}, None),
        ("SELECT m.*, l.amount FROM merchants m JOIN loans l USING (merchant_id)", TABLES, None),
        ("FROM merchants SELECT sum(defaulted) AS bad", {"merchants"}, (0,)),
        ("SELECT count(*) FILTER (WHERE defaulted = 1) AS bad FROM merchants", {"merchants"}, (0,)),
        (
            "SELECT count(*) OVER (PARTITION BY city) AS size, city FROM merchants",
            {"merchants"},
            (0,),
        ),
        ("SELECT coalesce(count(x), 0) AS n FROM (SELECT 1 AS x)", set(), (0,)),
        ("SELECT 1 AS a UNION ALL SELECT count(*) FROM loans", {"loans"}, (0,)),
        ("WITH t AS (SELECT * FROM loans) SELECT count(*) FROM t", {"loans"}, (0,)),
        ("WITH loans AS (SELECT * FROM loans) SELECT 1 FROM loans", {"loans"}, ()),
        ("VALUES (1), (2)", set(), None),
        ("(SELECT 1)", set(), ()),
        ("SELECT * FROM range(10) r, generate_series(1, 3) g", set(), None),
        ("SELECT * FROM unnest([1, 2])", set(), None),
        ("SELECT * FROM json_each('{\"a\": 1}')", set(), None),
        ("select 1; ", set(), ()),
        ("SELECT 1 -- trailing comment", set(), ()),
        ("SELECT 'ＳＥＬＥＣＴ，全角' AS text_is_fine", set(), ()),
    ],
)
def test_queries_that_pass(sql: str, reads: set[str], counts: tuple[int, ...] | None) -> None:
    checked = check_query(sql, TABLES)
    assert checked.tables == frozenset(reads)
    assert checked.count_positions == counts


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) AS __lab_rows FROM loans",
        'SELECT 1 AS "__LAB_ENTITIES"',
        "SELECT * FROM loans AS __lab_t",
        "WITH __lab_c AS (SELECT 1) SELECT * FROM __lab_c",
        "SELECT a FROM (SELECT 1) t(__lab_x, a)",
    ],
)
def test_names_the_lab_adds_are_reserved(sql: str) -> None:
    with pytest.raises(EngineRefused, match="__lab_ are reserved"):
        check_query(sql, TABLES)


def test_reserved_prefix_in_data_is_fine() -> None:
    assert check_query("SELECT '__lab_rows' AS label", TABLES).tables == frozenset()


def test_table_names_compare_case_insensitively() -> None:
    assert check_query("SELECT * FROM MERCHANTS", ["merchants"]).tables == {"merchants"}
    assert check_query("SELECT * FROM merchants", ["Merchants"]).tables == {"merchants"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("COPY (SELECT 1) TO 'x'", "COPY"),
        ("/* hi */ -- there\n  install httpfs", "INSTALL"),
        ("create or replace persistent secret s (type s3)", "CREATE SECRET"),
        ("CREATE TEMP TABLE t AS SELECT 1", "CREATE TABLE"),
        ("drop view if exists v", "DROP VIEW"),
        ("(((copy t to 'x')))", "COPY"),
        ("", "FALLBACK"),
    ],
)
def test_statement_kind(text: str, kind: str) -> None:
    assert statement_kind(text, "FALLBACK") == kind


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "x" * 100_001,
        "SELECT 1\u200d",
        "SELECT '\u202a'",
        "SELECT 1\x0b",
        "SELECT\u30001",
    ],
)
def test_text_is_refused(text: str) -> None:
    with pytest.raises(EngineRefused):
        check_text(text)


def test_ordinary_whitespace_and_chinese_text_are_fine() -> None:
    check_text("SELECT\tcity,\r\n  '杭州市（西湖区）' AS x\nFROM merchants")


@pytest.mark.parametrize(
    ("name", "table", "refused"),
    [
        ("lower", False, False),
        ("range", True, False),
        ("read_csv", False, True),
        ("READ_PARQUET", True, True),
        ("duckdb_settings", True, True),
        ("pragma_table_info", True, True),
        ("getenv", False, True),
        ("error", False, True),
        ("histogram", True, True),
        ("histogram", False, False),
        ("test_all_types", True, True),
    ],
)
def test_function_policy(name: str, table: bool, refused: bool) -> None:
    assert (refusal(name, table_function=table) is not None) is refused


def test_allowed_table_functions_touch_nothing_outside() -> None:
    assert frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"}) == (
        TABLE_FUNCTIONS_ALLOWED
    )


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Conversion Error: Could not convert string 'Zhang San' to INT32",
            "Conversion Error: Could not convert string '<redacted>' to INT32",
        ),
        (
            "Out of Range Error: Overflow in multiplication (110101199003071234 * 100000)!",
            "Out of Range Error: Overflow in multiplication (<redacted> * 100000)!",
        ),
        (
            'Invalid Input Error: Could not parse string "Zhang" according to format "%Y"\n'
            "Zhang\n^",
            'Invalid Input Error: Could not parse string "<redacted>" according to format "%Y"',
        ),
        (
            'Catalog Error: Table with name nope does not exist!\nDid you mean "pg_index"?\n\n'
            "LINE 1: SELECT * FROM nope\n                      ^",
            "Catalog Error: Table with name nope does not exist!\n"
            "LINE 1: SELECT * FROM nope\n                      ^",
        ),
        (
            'Binder Error: Referenced column "nme" not found\nCandidate bindings: "name"',
            'Binder Error: Referenced column "nme" not found\nCandidate bindings: "name"',
        ),
    ],
)
def test_error_messages_keep_only_what_the_submitter_wrote(message: str, shown: str) -> None:
    query = "SELECT * FROM nope WHERE strptime(x, '%Y') AND nme * 100000"
    assert redact(message, query=query, known_names={"name", "people"}) == shown


@pytest.mark.parametrize(
    ("sql", "passes"),
    [
        ("SELECT " + " + ".join(["1"] * 500), True),
        (" UNION ALL ".join(["SELECT count(*) FROM merchants"] * 300), True),
        (
            "SELECT * FROM merchants WHERE " + " OR ".join(f"city = '{i}'" for i in range(2000)),
            True,
        ),
        ("SELECT " + "(" * 30 + "1" + ")" * 30, True),
        ("SELECT " + "(" * 200 + "1" + ")" * 200, False),
        ("SELECT " + "abs(" * 500 + "1" + ")" * 500, False),
        ("SELECT * FROM " + "(SELECT * FROM " * 300 + "merchants" + ")" * 300, False),
        ("SELECT " + "(" * 5000 + "1" + ")" * 5000, False),
    ],
    ids=["long_sum", "long_union", "long_or", "nested_30", "parens", "calls", "subqueries", "5000"],
)
def test_big_and_deep_queries_never_crash_the_checker(sql: str, passes: bool) -> None:
    if passes:
        check_query(sql, TABLES)
    else:
        with pytest.raises(EngineRefused, match=r"nests too deeply|expression depth"):
            check_query(sql, TABLES)
