"""DuckDB's own parse tree of a query, for the static checks: built without recursion.

`json_serialize_sql` gives the tree DuckDB will bind, with the names it will resolve.
DuckDB flattens it with `json_tree` (one row per node) and the nodes are put back together
here in a loop: neither `json.loads` nor a recursive walk would survive a query nested a few
hundred levels deep (Python's recursion limit), and DuckDB itself allows 1000.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import duckdb

from jobs.errors import EngineRefused

_lock = threading.Lock()
_connection: Any = None

COUNT_AGGREGATES = frozenset(
    {
        "count",
        "count_star",
        "count_if",
        "countif",
        "sum",
        "sum_no_overflow",
        "approx_count_distinct",
    }
)


def parser() -> Any:
    """A locked-down DuckDB used only to parse (never to run) user SQL; hold `lock()`."""
    global _connection  # one parser connection per process, made on first use
    if _connection is None:
        con = duckdb.connect(":memory:")
        for setting in (
            "SET enable_external_access = false",
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
            "SET python_enable_replacements = false",
            "SET lock_configuration = true",
        ):
            con.execute(setting)
        _connection = con
    return _connection


def lock() -> threading.Lock:
    return _lock


def parse_tree(query: str) -> dict[str, Any]:
    """The statement node of the one SELECT statement in `query`."""
    with _lock:
        try:
            con = parser()
            (serialized,) = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [query]).fetchone()
            rows = con.execute(
                "SELECT id, parent, key, type, atom::VARCHAR FROM json_tree(?) ORDER BY id",
                [serialized],
            ).fetchall()
        except duckdb.Error as exc:
            raise EngineRefused(f"the query does not parse: {first_line(exc)}") from None
    tree = _assemble(rows)
    statements = tree.get("statements") if isinstance(tree, dict) else None
    if not isinstance(tree, dict) or tree.get("error") or not isinstance(statements, list):
        message = tree.get("error_message", "") if isinstance(tree, dict) else ""
        raise EngineRefused(f"the query does not parse: {message}")
    if len(statements) != 1 or not isinstance(statements[0].get("node"), dict):
        raise EngineRefused("exactly one statement may run, and it must be a query")
    node: dict[str, Any] = statements[0]["node"]
    return node


def _assemble(rows: list[tuple[int, int | None, str | None, str, str | None]]) -> Any:
    """Rows in pre-order (parents before children, siblings in order) -> nested values."""
    values: dict[int, Any] = {}
    root: Any = None
    for node_id, parent, key, kind, atom in rows:
        if kind == "OBJECT":
            value: Any = {}
        elif kind == "ARRAY":
            value = []
        else:
            value = json.loads(atom) if atom is not None else None
        values[node_id] = value
        if parent is None:
            root = value
        elif isinstance(values[parent], dict):
            values[parent][key] = value
        else:
            values[parent].append(value)
    return root


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in `value`, depth first, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def count_positions(node: dict[str, Any]) -> tuple[int, ...] | None:
    """Positions in the outermost SELECT list computed from COUNT/SUM-like aggregates, across
    all branches of a UNION; None when a * or COLUMNS(...) makes positions unknowable."""
    found: set[int] = set()
    pending: list[Any] = [node]
    while pending:
        current = pending.pop()
        if not isinstance(current, dict):
            return None
        if current.get("type") == "SET_OPERATION_NODE":
            children = current.get("children")
            if not (isinstance(children, list) and children):
                children = [current.get("left"), current.get("right")]
            pending.extend(children)
            continue
        select_list = current.get("select_list")
        if not isinstance(select_list, list):
            return None
        if any(isinstance(item, dict) and item.get("class") == "STAR" for item in select_list):
            return None
        for position, item in enumerate(select_list):
            if any(
                str(sub.get("function_name", "")).lower() in COUNT_AGGREGATES
                for sub in walk(item)
                if sub.get("class") in {"FUNCTION", "AGGREGATE", "WINDOW"}
            ):
                found.add(position)
    return tuple(sorted(found))


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
