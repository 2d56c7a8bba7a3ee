"""Column types of a CSV file: every field is read as text, then a column becomes typed only
when it clearly is a number, a date, a timestamp or a boolean.

Inference, over the first `infer_rows` rows (empty fields are null and do not vote):

- int64 when every value is an integer without a leading zero, a "+" or spaces, of at most
  15 digits; float64 when every value is a decimal number of that shape with at most 15
  digits before its exponent (so float64 keeps it exactly);
- but text all the same when the column looks like a code: its name holds a token such as
  id, no, code, phone, mobile, card, account, zip (or 号, 码, 卡, 电话, 手机, 身份证, 账号,
  代码...), or every value has the same number of digits, 8 or more (phone and card
  numbers);
- date32 for ISO dates (2024-03-01), timestamp[us] for ISO date-times, bool for true/false;
- text otherwise. An 18-digit resident ID, "0571...", "+86 ..." all stay text.

Later rows are checked against the inferred type: a value that does not fit is an error
naming the row and column, with the way out (`column_types={"col": "string"}`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.errors import SourceError, SpecError

_INT = r"^-?(?:0|[1-9][0-9]{0,14})$"
_FLOAT = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]{1,3})?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?$"
_BOOL = r"^(?:true|false|TRUE|FALSE|True|False)$"
MAX_DIGITS = 15
PROBE = 64  # values tried before the whole head
FIXED_WIDTH_CODE_DIGITS = 8

_CODE_TOKENS = frozenset(
    {
        *("id", "no", "nr", "code", "phone", "mobile", "tel", "fax", "card", "account"),
        *("acct", "iban", "zip", "zipcode", "postcode", "postal", "ssn", "uscc", "imei"),
        *("passport", "license", "licence"),
    }
)
_CODE_FRAGMENTS = ("号", "码", "卡", "电话", "手机", "身份证", "证件", "账户", "邮编")
_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")

TYPE_NAMES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "str": pa.string(),
    "int64": pa.int64(),
    "int": pa.int64(),
    "integer": pa.int64(),
    "float64": pa.float64(),
    "float": pa.float64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "date32": pa.date32(),
    "timestamp": pa.timestamp("us"),
}
# The shape every value of a typed column must have (None: the cast alone decides).
_SHAPES: dict[pa.DataType, str | None] = {
    pa.int64(): _INT,
    pa.float64(): _FLOAT,
    pa.date32(): _DATE,
    pa.timestamp("us"): _TIMESTAMP,
    pa.bool_(): _BOOL,
}


def looks_like_code_name(name: str) -> bool:
    tokens = {t.lower() for t in _TOKEN.findall(name)}
    return bool(tokens & _CODE_TOKENS) or any(f in name for f in _CODE_FRAGMENTS)


def parse_column_types(given: Mapping[str, Any] | None) -> dict[str, pa.DataType]:
    """{"col": "string" | "int64" | "float64" | "bool" | "date" | "timestamp" | pa type}."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise SpecError("column_types must map column names to type names")
    types: dict[str, pa.DataType] = {}
    for name, value in given.items():
        if isinstance(value, pa.DataType):
            types[str(name)] = value
        elif isinstance(value, str) and value.lower() in TYPE_NAMES:
            types[str(name)] = TYPE_NAMES[value.lower()]
        else:
            raise SpecError(
                f"unknown type {value!r} for column {name!r}; use one of {sorted(TYPE_NAMES)}"
            )
    return types


def _all_match(values: pa.Array, pattern: str) -> bool:
    """Whether every value matches; the first `PROBE` values decide most text columns alone."""
    probe = values.slice(0, PROBE)
    if not pc.all(pc.match_substring_regex(probe, pattern)).as_py():
        return False
    rest = values.slice(PROBE)
    return len(rest) == 0 or bool(pc.all(pc.match_substring_regex(rest, pattern)).as_py())


def infer_type(name: str, column: pa.Array | pa.ChunkedArray) -> pa.DataType:
    """The type of a text column from its head (see the module's rules)."""
    values = pc.drop_null(column)
    if len(values) == 0:
        return pa.string()
    if _all_match(values, _INT):
        digits = pc.utf8_length(pc.utf8_ltrim(values, characters="-"))
        lo, hi = pc.min_max(digits).values()
        fixed_width = lo.as_py() == hi.as_py() and hi.as_py() >= FIXED_WIDTH_CODE_DIGITS
        return pa.string() if fixed_width or looks_like_code_name(name) else pa.int64()
    if _all_match(values, _FLOAT):
        mantissa = pc.replace_substring_regex(values, r"[eE].*$|[^0-9]", "")
        too_long = pc.max(pc.utf8_length(mantissa)).as_py() > MAX_DIGITS
        return pa.string() if too_long or looks_like_code_name(name) else pa.float64()
    for pattern, candidate in ((_DATE, pa.date32()), (_TIMESTAMP, pa.timestamp("us"))):
        if _all_match(values, pattern):
            try:
                pc.cast(values, candidate)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return pa.string()
            return candidate
    if _all_match(values, _BOOL):
        return pa.bool_()
    return pa.string()


def infer_types(
    head: pa.Table, given: Mapping[str, pa.DataType], infer: bool
) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {}
    for name in head.column_names:
        if name in given:
            types[name] = given[name]
        elif infer:
            types[name] = infer_type(name, head.column(name))
        else:
            types[name] = pa.string()
    return types


def _bad_value_error(name: str, target: pa.DataType, row: int, inferred: bool) -> SourceError:
    origin = "was read as" if inferred else "was given as"
    return SourceError(
        f"the column {origin} {target} but this value does not fit it (text, a leading zero, "
        f"too many digits or an impossible date); pass column_types={{{name!r}: 'string'}} "
        "to keep it as text",
        row=row,
        column=name,
    )


def cast_batch(
    batch: pa.RecordBatch,
    schema: pa.Schema,
    first_row: int,
    given: Mapping[str, pa.DataType],
) -> pa.RecordBatch:
    """`batch` (all text) with each column cast to `schema`; `first_row` is the row number
    of its first row, for errors."""
    columns = []
    for field, column in zip(schema, batch.columns, strict=True):
        if field.type == pa.string():
            columns.append(column)
            continue
        shape = None if field.name in given else _SHAPES.get(field.type)
        if shape is not None:
            fits = pc.fill_null(pc.match_substring_regex(column, shape), True)
            if not pc.all(fits).as_py():
                index = pc.index(fits, False).as_py()
                raise _bad_value_error(field.name, field.type, first_row + index, True)
        try:
            columns.append(pc.cast(column, field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            index = _first_uncastable(column, field.type)
            raise _bad_value_error(
                field.name, field.type, first_row + index, field.name not in given
            ) from None
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _first_uncastable(column: pa.Array, target: pa.DataType) -> int:
    for index in range(len(column)):
        try:
            pc.cast(column.slice(index, 1), target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return index
    return 0
