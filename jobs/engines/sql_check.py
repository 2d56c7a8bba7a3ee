"""Static checks on user SQL, before it runs: the first of two layers (the second is the
locked-down engine, which refuses the same things on its own).

A query passes when:
- its text has no invisible or control characters (zero-width, bidi overrides ...);
- DuckDB's own parser and sqlglot (dialect duckdb) both see exactly one statement, and it
  is a query: SELECT, WITH ... SELECT, VALUES, or a set operation (UNION, INTERSECT, EXCEPT)
  of those. Anything else is refused and named (COPY, ATTACH, INSTALL, SET, PRAGMA ...);
- every function it calls is allowed (`sql_policy`), by the names of DuckDB's parse tree
  (the names DuckDB will resolve) and of sqlglot's;
- every table it reads is one of the registered inputs or one of its own CTEs, unqualified:
  no file paths, URLs, catalog views or other schemas.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from jobs.engines import sql_tree
from jobs.engines.sql_policy import refusal
from jobs.errors import EngineRefused
from jobs.lineage.model import RESERVED_PREFIX

MAX_QUERY_CHARS = 100_000
QUERY_KINDS = "SELECT, WITH … SELECT, VALUES, UNION/INTERSECT/EXCEPT"
_SQLGLOT_QUERIES = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery, exp.Pivot)
_ALLOWED_SPACE = {" ", "\t", "\n", "\r"}
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"}
T = TypeVar("T")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the static checks, with what the checks learnt about it."""

    text: str
    tables: frozenset[str]
    count_positions: tuple[int, ...] | None
    """Positions in the outermost SELECT list computed from COUNT/SUM-like aggregates
    (None when a * or COLUMNS(...) makes positions unknowable)."""
    statement: exp.Expression | None = field(default=None, compare=False, repr=False)
    """sqlglot's tree of the query (dialect duckdb), for the lineage analysis to reuse."""


def check_query(query: str, table_names: Collection[str]) -> CheckedQuery:
    """Refuse (EngineRefused) anything but one read-only query over `table_names`."""
    check_text(query)
    _check_statements_duckdb(query)
    statement = _in_fresh_thread(_sqlglot_statement, query)
    tree = sql_tree.parse_tree(query)
    tables = _check_tree(tree, {name.lower() for name in table_names})
    _check_sqlglot_functions(statement)
    _check_reserved(statement, tree)
    return CheckedQuery(
        text=query,
        tables=tables,
        count_positions=sql_tree.count_positions(tree),
        statement=statement,
    )


def check_text(query: str) -> None:
    if not query.strip():
        raise EngineRefused("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise EngineRefused(f"the query is longer than {MAX_QUERY_CHARS} characters")
    for position, char in enumerate(query):
        if char in _ALLOWED_SPACE:
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise EngineRefused(
                f"the query contains the invisible or control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')}) at position {position}; "
                f"write it as chr({ord(char)}) if it is meant to be data"
            )


# -- statements ------------------------------------------------------------------------------


def _check_statements_duckdb(query: str) -> None:
    with sql_tree.lock():
        try:
            statements = sql_tree.parser().extract_statements(query)
        except Exception as exc:  # a parser error, or a statement type the binding lacks
            raise EngineRefused(f"the query does not parse: {sql_tree.first_line(exc)}") from None
        kinds = [(str(s.type).rsplit(".", 1)[-1], str(s.query)) for s in statements]
    if len(kinds) != 1:
        named = ", ".join(statement_kind(text, kind) for kind, text in kinds) or "none"
        raise EngineRefused(
            f"exactly one statement may run, and it must be a query; found {len(kinds)}: {named}"
        )
    kind, text = kinds[0]
    if kind != "SELECT":
        raise _not_a_query(statement_kind(text, kind))


def _in_fresh_thread(function: Callable[[str], T], query: str) -> T:
    """Run sqlglot's recursive-descent parser from the bottom of a new thread's stack, so that
    how deep a query may nest does not depend on how deep the caller already is."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, function(query)))
        except BaseException as exc:  # handed to the calling thread
            outcome.append((False, exc))

    thread = threading.Thread(target=target, name="sql-check")
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return cast(T, value)


def _sqlglot_statement(query: str) -> exp.Expression:
    try:
        parsed = sqlglot.parse(query, read="duckdb")
    except RecursionError:
        raise EngineRefused(
            "the query nests too deeply to be checked: keep parentheses, function calls and "
            "subqueries within about 40 levels"
        ) from None
    except SqlglotError as exc:
        raise EngineRefused(f"the query does not parse: {sql_tree.first_line(exc)}") from None
    statements = [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]
    if len(statements) != 1:
        raise EngineRefused(
            f"exactly one statement may run, and it must be a query; found {len(statements)}"
        )
    (statement,) = statements
    if not isinstance(statement, _SQLGLOT_QUERIES):
        raise _not_a_query(statement_kind(query, type(statement).__name__.upper()))
    return statement


def _check_sqlglot_functions(statement: exp.Expression) -> None:
    """sqlglot's view of the names, as a second opinion on DuckDB's (deny-list only: sqlglot
    renames some functions to its own canonical names, e.g. range to GENERATE_SERIES)."""
    for func in statement.find_all(exp.Func):
        anonymous = isinstance(func, exp.Anonymous)
        name = func.name if anonymous else func.sql_name()
        in_from = isinstance(func.parent, exp.Table | exp.From | exp.Join)
        why = refusal(name, table_function=anonymous and in_from) if name else None
        if why:
            raise EngineRefused(f"the query calls a function that is not allowed: {why}")


def _check_reserved(statement: exp.Expression, tree: dict[str, Any]) -> None:
    """Names starting with __lab_ belong to the columns the lab adds to count contributors: a
    query naming one could forge or hide the lab's own counts."""
    names = [str(i.this) for i in statement.find_all(exp.Identifier)]
    for node in sql_tree.walk(tree):
        for key in ("alias", "column_names", "table_name"):
            value = node.get(key)
            names += [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
    reserved = next((n for n in names if n.lower().startswith(RESERVED_PREFIX)), None)
    if reserved is not None:
        raise EngineRefused(
            f"the query names {reserved}: names starting with {RESERVED_PREFIX} are reserved "
            "for the columns the lab adds to count contributors; choose another name"
        )


def _not_a_query(kind: str) -> EngineRefused:
    hint = "; write SELECT * FROM t PIVOT (...) instead" if kind == "PIVOT" else ""
    return EngineRefused(f"{kind} is not allowed: only a query may run ({QUERY_KINDS}){hint}")


_COMMENTS = re.compile(r"(--[^\n]*|/\*.*?\*/|\s|\()+", re.DOTALL)
_QUALIFIERS = {"OR", "REPLACE", "TEMP", "TEMPORARY", "PERSISTENT", "IF", "NOT", "EXISTS"}
_QUALIFIERS |= {"UNIQUE", "GLOBAL", "LOCAL"}


def statement_kind(text: str, fallback: str) -> str:
    """The statement's leading keywords as written (`COPY`, `CREATE SECRET`, `INSTALL` ...)."""
    words: list[str] = [
        str(w).upper() for w in re.findall(r"[A-Za-z_]+", _COMMENTS.sub(" ", text))[:8]
    ]
    if not words:
        return fallback
    if words[0] in {"CREATE", "DROP", "ALTER", "FORCE", "EXPLAIN"}:
        rest = [w for w in words[1:] if w not in _QUALIFIERS]
        return f"{words[0]} {rest[0]}" if rest else words[0]
    return words[0]


# -- DuckDB's parse tree -----------------------------------------------------------------------


def _check_tree(tree: dict[str, Any], registered: set[str]) -> frozenset[str]:
    nodes = list(sql_tree.walk(tree))
    ctes = {
        str(entry["key"]).lower()
        for node in nodes
        if isinstance(node.get("cte_map"), dict)
        for entry in node["cte_map"].get("map") or []
        if isinstance(entry, dict) and "key" in entry
    }
    table_calls = {id(n.get("function")) for n in nodes if n.get("type") == "TABLE_FUNCTION"}
    read: set[str] = set()
    for node in nodes:
        kind = node.get("type")
        if "function_name" in node:
            _check_function(node, table_function=id(node) in table_calls)
        elif kind == "BASE_TABLE":
            read.add(_check_table(node, registered, ctes))
        elif kind == "SHOW_REF":
            raise EngineRefused("DESCRIBE, SHOW and SUMMARIZE are not allowed; query the table")
    return frozenset(read & registered)


def _check_function(node: dict[str, Any], *, table_function: bool) -> None:
    name = str(node["function_name"])
    if node.get("catalog") or node.get("schema"):
        qualified = ".".join(p for p in (node.get("catalog"), node.get("schema"), name) if p)
        raise EngineRefused(
            f"the query calls {qualified}(): functions may not be qualified by a schema"
        )
    why = refusal(name, table_function=table_function)
    if why:
        raise EngineRefused(f"the query calls a function that is not allowed: {why}")


def _check_table(node: dict[str, Any], registered: set[str], ctes: set[str]) -> str:
    name = str(node.get("table_name", ""))
    if node.get("catalog_name") or node.get("schema_name"):
        qualified = ".".join(
            p for p in (node.get("catalog_name"), node.get("schema_name"), name) if p
        )
        raise EngineRefused(
            f"the query reads {qualified}: a job reads only its inputs, by their plain names"
        )
    if re.search(r"[/\\:.~*?]", name):
        raise EngineRefused(
            f"the query reads {name!r}, which looks like a file or URL; "
            "a job reads only its declared inputs"
        )
    key = name.lower()
    if key not in registered and key not in ctes:
        known = ", ".join(sorted(registered)) or "none"
        raise EngineRefused(f"the query reads {name}, which is not an input of this job ({known})")
    return key
