"""The import's own names, gathered before its free text is scrubbed.

When the plan has a column of people's names (classified an identifier, entity PERSON) and
a free-text column to scrub, the person columns alone are read first (a cheap read: one or
two columns) and their distinct values given to the scrubber (`OperatorContext.known_names`),
which then finds those names inside the text even with no label or title around them.
Memory: the distinct names.
"""

from __future__ import annotations

import pyarrow.compute as pc

from connectors.pii.entities import PERSON
from connectors.pii.known_names import KnownNames
from connectors.report import ImportPlan
from connectors.sources.base import Source


def person_columns(plan: ImportPlan) -> list[str]:
    """The plan's person-name columns, when it also scrubs free text; else none."""
    scrubs = any(c.operator == "scrub" for c in plan.columns)
    people = [
        c.column
        for c in plan.columns
        if c.classification == "identifier" and c.entity == PERSON and not c.free_text
    ]
    return people if scrubs else []


def known_names(source: Source, plan: ImportPlan, batch_rows: int) -> KnownNames | None:
    """The distinct values of the plan's person columns (None when there is nothing to do)."""
    columns = person_columns(plan)
    if not columns:
        return None
    names = KnownNames()
    for batch in source.batches(batch_rows, columns):
        for column in columns:
            values = pc.unique(batch.column(column)).drop_null()
            names.add(str(v) for v in values.to_pylist())
    return names
