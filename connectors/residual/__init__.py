"""The residual scan: after desensitization, before the version commits, over what is about
to be written. Fail closed.

Two checks, both over the output batches (scan.py):
1. The recognizers (values.py) over every distinct value of each column whose operator
   passes values through (keep, scrub, suppress_rare), and of each generalized identifier
   column (an address cut to its city must not still be an address).
2. The raw values of every column classified an identifier (whatever its operator, dropped
   too; not free text, whose cells are sentences: the recognizers look inside those) against
   the cells and pieces of the pass-through columns (tokens.py): a raw value copied into
   another column or mentioned inside free text is a leak. Raw and output are kept as keyed
   8-byte hashes (hashes.py) and compared once the last batch is out, so a raw value of the
   last row found in the first row's remark is caught. An identifier column whose operator
   does not pass values through is compared with its own input row by row (an operator
   maps one column's values: a mask, or a broken operator, returning its input); see
   scan.py.
A scrubbed column whose unsure cells were kept (`on_unsure: keep`) counts as a find too.

The rule (`verdict`), applied after the last batch, before the iterator ends:
- a find in a column that is not free text fails the import (`ResidualLeak`);
- a find in a free-text column, when the spec's `free_text` policy is `scrub_or_drop` (the
  default), asks for the column to be dropped (`FreeTextUnclean`): the caller discards the
  run and imports again without it, and the report says why; under any other policy (the
  spec asked to keep the scrubbed text, `keep_scrubbed`, unsure cells included) it fails
  the import: the column is kept only if it comes out clean;
- finds in both kinds of column: the import fails.
Errors name the column, the entity and a count, never a value. Since the iterator raises
before its end, the writer never commits the version it was writing.
"""

from __future__ import annotations

from connectors.errors import FreeTextUnclean, ResidualLeak
from connectors.report import ImportPlan
from connectors.residual.scan import ColumnScan, ResidualScan

__all__ = ["ColumnScan", "ResidualScan", "verdict"]


def verdict(plan: ImportPlan, results: dict[str, ColumnScan]) -> None:
    """Raises what the rule in the module doc asks for; returns when every column is clean."""
    dirty = {column: scan for column, scan in results.items() if not scan.clean}
    structured = [column for column in dirty if not plan.column(column).free_text]
    if structured or (dirty and plan.free_text != "scrub_or_drop"):
        column = (structured or list(dirty))[0]
        others = len(dirty) - 1
        more = f"; {others} more column(s) hold PII too" if others else ""
        raise ResidualLeak(
            f"the residual scan found PII the desensitization left: {dirty[column].summary()}"
            f"{more}; nothing was written",
            column=column,
        )
    if dirty:
        raise FreeTextUnclean(
            {column: f"free text: {scan.summary()}" for column, scan in dirty.items()}
        )
