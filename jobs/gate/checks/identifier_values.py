"""Cells that hold identifiers whatever their column is called: mainland resident ID numbers
(18 digits with a valid check digit; 15-digit first-generation ones with a real region and
birth date, judged by the import's own recognizer), mobile numbers, bank cards (Luhn-valid),
e-mail addresses and unified social credit codes (with a valid check character). Text
columns: any such value blocks. Integer columns other than counts (a CSV reader makes
numbers of phone, ID and card columns): ID, mobile and card numbers, when they are most of
the column. One finding per column and kind, naming the first such row and how many there
are."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from connectors.pii.recognizers import prc_id_number_15
from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.registry import table_check

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _resident_id(value: str) -> bool:
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == value[17].upper()


def _luhn(value: str) -> bool:
    digits = [int(d) for d in reversed(value)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def _uscc(value: str) -> bool:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == value[17]


def _any(_: str) -> bool:
    return True


KINDS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "a resident ID number": (r"^[1-9]\d{16}[\dXx]$", _resident_id),
    "a 15-digit resident ID number": (r"^[1-8]\d{14}$", prc_id_number_15.is_valid),
    "a mobile number": (r"^(\+?86[- ]?)?1[3-9]\d{9}$", _any),
    "a bank card number": (r"^\d{16,19}$", _luhn),
    "an e-mail address": (r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", _any),
    "a unified social credit code": (
        r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        _uscc,
    ),
}


def mask(value: str) -> str:
    keep = 2 if len(value) > 6 else 1
    return value[:keep] + "*" * max(len(value) - 2 * keep, 1) + value[-keep:]


_NUMERIC_KINDS = (
    "a resident ID number",
    "a 15-digit resident ID number",
    "a mobile number",
    "a bank card number",
)


@table_check("identifier_values", order=40)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.rules.identifier_columns_allowed:
        return CheckOutcome()
    findings: list[Finding] = []
    for name in ctx.table.column_names:
        column = ctx.table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            text, kinds, majority = pc.utf8_trim_whitespace(column), list(KINDS), False
        elif pa.types.is_integer(column.type) and name not in ctx.count_columns:
            # a CSV reader makes numbers of phone, ID and card columns; a total can look
            # like one by chance, so a numeric column must be mostly such values
            text, kinds, majority = pc.cast(column, pa.string()), list(_NUMERIC_KINDS), True
        else:
            continue
        for what in kinds:
            rows = _matching_rows(text, what)
            if not rows or (majority and 2 * len(rows) < len(text) - text.null_count):
                continue
            first = str(text[rows[0]].as_py())
            message = (
                f"column {name} holds {len(rows)} value(s) that look like {what} "
                f"(first at row {rows[0]}: {mask(first)}); identifiers may not leave the zone"
            )
            outside = (
                f"column {name} holds {len(rows)} value(s) that look like {what} "
                f"(first at row {rows[0]}); identifiers may not leave the zone"
            )
            findings.append(
                ctx.finding(
                    "identifier_values",
                    message,
                    column=name,
                    row=rows[0],
                    value=mask(first),
                    outside=outside,
                )
            )
    return CheckOutcome(findings)


def _matching_rows(text: pa.ChunkedArray, what: str) -> list[int]:
    pattern, valid = KINDS[what]
    candidates = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    return [
        int(i)
        for i in pc.indices_nonzero(candidates).to_pylist()
        if valid(str(text[int(i)].as_py()))
    ]
