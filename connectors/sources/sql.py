"""A table or a read-only query of a SQL database (any SQLAlchemy URL), streamed through a
server-side cursor (`stream_results`) into Arrow batches.

A query must be a single SELECT (checked with sqlglot) and runs inside a read-only
transaction on PostgreSQL (`SET TRANSACTION READ ONLY`) and SQLite (`PRAGMA query_only`).
Column types come from PostgreSQL's type of each result column (numeric(p, s) becomes
decimal128(p, s); numeric without a precision becomes float64; json, uuid become text);
elsewhere from the values of the first batch. `describe()` never shows the URL's user,
password or options, nor the query text (only its sha256 and the tables it names).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from connectors.errors import SourceError, SpecError
from connectors.sources._sqlcheck import check_select_only
from connectors.sources.base import DEFAULT_BATCH_ROWS, check_batch_rows, check_columns, select

# PostgreSQL type OIDs (stable across versions) -> Arrow
_PG_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    17: pa.binary(),
    18: pa.string(),  # "char"
    19: pa.string(),  # name
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    26: pa.int64(),  # oid
    114: pa.string(),  # json
    700: pa.float32(),
    701: pa.float64(),
    1042: pa.string(),  # char(n)
    1043: pa.string(),  # varchar
    1082: pa.date32(),
    1083: pa.time64("us"),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1186: pa.duration("us"),
    2950: pa.string(),  # uuid
    3802: pa.string(),  # jsonb
}
_PG_NUMERIC = 1700
CONNECT_TIMEOUT_SECONDS = 10


def _to_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


class SqlSource:
    """`url`: a SQLAlchemy URL; `table` ("name" or "schema.name") or `query` (one SELECT)."""

    kind = "sql"

    def __init__(self, *, url: str, table: str | None = None, query: str | None = None) -> None:
        try:
            self._url = sa.engine.make_url(url)
        except (sa.exc.ArgumentError, TypeError, ValueError):
            raise SpecError("url is not a valid SQLAlchemy database URL") from None
        if (table is None) == (query is None):
            raise SpecError("a sql source needs either 'table' or 'query', not both or neither")
        self._table = table
        self._query = query
        self._tables: list[str] = []
        if table is not None:
            if not isinstance(table, str) or not table.strip() or table.count(".") > 1:
                raise SpecError("table must be 'name' or 'schema.name'")
            self._tables = [table]
        else:
            self._tables = check_select_only(str(query), self._url.get_backend_name())
        self._engine: sa.Engine | None = None
        self._schema: pa.Schema | None = None
        self._rows: int | None = None

    # -- the protocol ---------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        if self._schema is None:
            for _ in self._pass(DEFAULT_BATCH_ROWS, first_batch_only=True):
                break
        assert self._schema is not None
        return self._schema

    def batches(
        self, batch_rows: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        check_batch_rows(batch_rows)
        check_columns(self.schema(), columns)
        return select(self._pass(batch_rows, first_batch_only=False), columns)

    def describe(self) -> dict[str, Any]:
        schema = self.schema()
        facts: dict[str, Any] = {
            "kind": self.kind,
            "dialect": self._url.get_backend_name(),
            "driver": self._url.get_driver_name(),
            "host": self._url.host,
            "port": self._url.port,
            "database": self._url.database,
            "tables": self._tables,
            "rows": self._rows,
            "columns": {f.name: str(f.type) for f in schema},
        }
        if self._query is not None:
            facts["query_sha256"] = hashlib.sha256(self._query.encode("utf-8")).hexdigest()
        return facts

    # -- reading ----------------------------------------------------------------------------

    def _where(self) -> str:
        return f"{self._url.get_backend_name()} database {self._url.database or ''!s}".strip()

    def _get_engine(self) -> sa.Engine:
        if self._engine is None:
            try:
                connect_args: dict[str, Any] = {}
                if self._url.get_backend_name() == "postgresql" and (
                    "connect_timeout" not in self._url.query
                ):
                    connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
                self._engine = sa.create_engine(
                    self._url, poolclass=NullPool, connect_args=connect_args
                )
            except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
                raise SpecError(f"cannot use this database URL: {type(exc).__name__}") from None
        return self._engine

    def _statement(self, conn: sa.Connection) -> str:
        if self._query is not None:
            statement = self._query.strip().rstrip(";")
        else:
            assert self._table is not None
            schema, _, name = self._table.rpartition(".")
            if not sa.inspect(conn).has_table(name, schema=schema or None):
                raise SourceError(f"table {self._table!r} not found in the {self._where()}")
            quoted = conn.dialect.identifier_preparer.format_table(
                sa.table(name, schema=schema or None)
            )
            statement = f"SELECT * FROM {quoted}"  # noqa: S608 (a quoted identifier)
        if conn.dialect.paramstyle in ("format", "pyformat"):
            statement = statement.replace("%", "%%")  # no parameters: a % is a literal
        return statement

    @staticmethod
    def _make_read_only(conn: sa.Connection) -> None:
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        elif dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA query_only = ON")

    def _pass(self, batch_rows: int, first_batch_only: bool) -> Iterator[pa.RecordBatch]:
        engine = self._get_engine()
        rows = 0
        try:
            with engine.connect() as conn, conn.begin():
                self._make_read_only(conn)
                result = conn.exec_driver_sql(
                    self._statement(conn),
                    execution_options={"stream_results": True, "yield_per": batch_rows},
                )
                names = list(result.keys())
                declared = self._declared_types(conn, result.cursor.description)
                for chunk in result.partitions(batch_rows):
                    batch = self._to_batch(names, declared, chunk, rows)
                    rows += batch.num_rows
                    yield batch
                    if first_batch_only:
                        return
                if self._schema is None:  # no rows at all: declared types or text
                    self._schema = self._schema_of(names, declared, [])
        except sa.exc.DBAPIError as exc:
            message = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise SourceError(f"the {self._where()} refused the read: {message}") from None
        except sa.exc.SQLAlchemyError as exc:
            raise SourceError(
                f"cannot read from the {self._where()}: {type(exc).__name__}"
            ) from None
        if not first_batch_only:
            self._rows = rows

    @staticmethod
    def _declared_types(conn: sa.Connection, description: Sequence[Any] | None) -> list[Any]:
        if conn.dialect.name != "postgresql" or not description:
            return [None] * len(description or ())
        declared: list[Any] = []
        for column in description:
            oid, precision, scale = column[1], column[4], column[5]
            if oid == _PG_NUMERIC:
                exact = isinstance(precision, int) and 0 < precision <= 38 and scale is not None
                declared.append(pa.decimal128(precision, scale) if exact else pa.float64())
            else:
                declared.append(_PG_TYPES.get(oid))
        return declared

    def _schema_of(
        self, names: list[str], declared: list[Any], columns: list[Sequence[Any]]
    ) -> pa.Schema:
        fields = []
        for i, name in enumerate(names):
            type_ = declared[i]
            if type_ is None and columns:
                type_ = self._infer(columns[i])
            fields.append(pa.field(name, type_ if type_ is not None else pa.string()))
        return pa.schema(fields)

    @staticmethod
    def _infer(values: Sequence[Any]) -> pa.DataType:
        try:
            type_ = pa.array(values).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            return pa.string()
        return pa.string() if pa.types.is_null(type_) else type_

    def _to_batch(
        self, names: list[str], declared: list[Any], chunk: Sequence[Any], done: int
    ) -> pa.RecordBatch:
        columns: list[Sequence[Any]] = list(zip(*chunk, strict=True)) if chunk else []
        columns = columns or [() for _ in names]
        if self._schema is None:
            self._schema = self._schema_of(names, declared, columns)
        arrays = []
        for field, values in zip(self._schema, columns, strict=True):
            arrays.append(self._column(field, values, done))
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)

    @staticmethod
    def _column(field: pa.Field, values: Sequence[Any], done: int) -> pa.Array:
        try:
            return pa.array(values, type=field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            if pa.types.is_string(field.type):
                return pa.array([_to_text(v) for v in values], type=pa.string())
            if pa.types.is_floating(field.type):  # numeric without precision: Decimals
                try:
                    return pa.array([None if v is None else float(v) for v in values], field.type)
                except (TypeError, ValueError):
                    pass
        index, kind = 0, "value"
        for position, value in enumerate(values):
            try:
                pa.array([value], type=field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
                index, kind = position, type(value).__name__
                break
        raise SourceError(
            f"a {kind} value does not fit the column's type {field.type} (taken from the "
            "database or the first rows); cast the column to one type in the query",
            row=done + index + 1,
            column=field.name,
        )
