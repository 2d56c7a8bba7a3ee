"""The check that a partner's query only reads: one statement, a SELECT (or a set operation
of SELECTs, or VALUES), with nothing inside it that writes, locks or changes settings.

This is the first of two guards; the source also runs the query in a read-only
transaction where the database has one (PostgreSQL, SQLite). Neither replaces an account
that can only read: a SELECT can still call a function with side effects.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from connectors.errors import SpecError

# SQLAlchemy dialect name -> sqlglot dialect
_DIALECTS = {
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "tsql",
    "oracle": "oracle",
    "duckdb": "duckdb",
}
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery, exp.Values)
_FORBIDDEN = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Into,  # SELECT ... INTO creates a table
    exp.Lock,  # FOR UPDATE / FOR SHARE take locks
    exp.Copy,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Use,
    exp.Grant,
    exp.Revoke,
    exp.Pragma,
    exp.Analyze,
    exp.Cache,
    exp.Uncache,
    exp.Refresh,
    exp.LoadData,
    exp.Kill,
    exp.Comment,
)


def _describe(node: object) -> str:
    return type(node).__name__.upper()


def check_select_only(query: str, dialect: str) -> list[str]:
    """Raise SpecError unless `query` is a single read-only SELECT; the tables it names."""
    if not isinstance(query, str) or not query.strip():
        raise SpecError("the query is empty")
    try:
        statements = [s for s in sqlglot.parse(query, read=_DIALECTS.get(dialect)) if s]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(f"the query cannot be parsed as SQL: {first}") from None
    if len(statements) != 1:
        raise SpecError(
            f"the query must be exactly one SELECT statement, not {len(statements)} statements"
        )
    root = statements[0]
    if not isinstance(root, _QUERY_ROOTS):
        raise SpecError(f"only a SELECT query is allowed, not {_describe(root)}")
    for node in root.walk():
        if isinstance(node, _FORBIDDEN):
            raise SpecError(
                f"the query must only read data; it contains {_describe(node)}, which is refused"
            )
    ctes = {cte.alias_or_name for cte in root.find_all(exp.CTE)}
    tables = {t.sql(dialect=_DIALECTS.get(dialect)) for t in root.find_all(exp.Table)}
    return sorted(t for t in tables if t not in ctes)
