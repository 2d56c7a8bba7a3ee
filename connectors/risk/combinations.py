"""The small column sets that make records unique: a bounded search for minimal sample
uniques (MSUs), in the manner of SUDA (Elliot et al.) and sdcMicro's key-variable analysis.

A set S is a minimal sample unique for a record when the record is alone in its class over S
and not alone over any proper subset of S. The search visits every set of 1, 2, then 3
candidate columns (at most `max_subsets` sets over at most `max_columns` columns, those with
the most distinct values first) and counts, for each, the records for which it is minimal.
It is an approximation, and the report says so: sets of 4 or more columns are not visited
(a record unique only on 4 columns is counted over all candidates together, not here), and
when the budget ends first the later sets are not visited either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from math import comb
from typing import Any

import numpy as np
import numpy.typing as npt

from connectors.risk.classes import U64, class_keys, extend_keys, unique_mask

MAX_SIZE = 3
MAX_COLUMNS = 12
MAX_SUBSETS = 400
LISTED = 10


@dataclass(frozen=True)
class UniqueSet:
    """A set of columns, the records alone on it, and those for which it is minimal."""

    columns: tuple[str, ...]
    unique_records: int
    minimal_for: int

    def to_dict(self, rows: int) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "unique_records": self.unique_records,
            "unique_share": self.unique_records / rows if rows else 0.0,
            "minimal_for": self.minimal_for,
        }


@dataclass
class Search:
    """What was searched, so the report can say how far the approximation went."""

    columns: list[str] = field(default_factory=list)
    visited: int = 0
    possible: int = 0
    max_size: int = MAX_SIZE
    complete: bool = True
    found: list[UniqueSet] = field(default_factory=list)
    rows: int = 0

    def describe(self) -> dict[str, Any]:
        return {
            "columns_searched": self.columns,
            "sets_visited": self.visited,
            "sets_possible": self.possible,
            "max_set_size": self.max_size,
            "complete": self.complete,
            "rows_searched": self.rows,
            "method": (
                f"minimal sample uniques over sets of 1 to {self.max_size} columns (a bounded "
                "SUDA-like search); uniques that need more columns are in the overall figure only"
            ),
        }


def minimal_uniques(
    hashed: Mapping[str, U64],
    distinct: Mapping[str, int],
    rows: int,
    *,
    max_size: int = MAX_SIZE,
    max_columns: int = MAX_COLUMNS,
    max_subsets: int = MAX_SUBSETS,
) -> Search:
    """The sets that are minimal sample uniques for some record, most records first."""
    position = {c: i for i, c in enumerate(hashed)}  # sets are named in the table's order
    columns = sorted(hashed, key=lambda c: (-distinct[c], c))[:max_columns]
    search = Search(columns=columns, max_size=max_size, rows=rows)
    search.possible = sum(comb(len(columns), s) for s in range(1, max_size + 1))
    search.complete = len(columns) == len(hashed)
    masks: dict[tuple[str, ...], npt.NDArray[np.bool_]] = {}
    found: list[UniqueSet] = []
    prefix: tuple[tuple[str, ...], U64] = ((), class_keys([], rows))
    for size in range(1, max_size + 1):
        for subset in combinations(columns, size):
            if search.visited >= max_subsets:
                search.complete = False
                break
            search.visited += 1
            below = [masks.get(s) for s in combinations(subset, size - 1)] if size > 1 else []
            covered = np.zeros(rows, dtype=bool)
            for mask in below:
                if mask is not None:
                    covered |= mask
            if size > 1 and covered.all():
                masks[subset] = covered  # every record already unique on a smaller set
                continue
            if prefix[0] != subset[:-1]:  # sets come in order: the next shares the prefix
                prefix = (subset[:-1], class_keys([hashed[c] for c in subset[:-1]], rows))
            # A covered record is alone on a subset, so alone on this set too: its class here
            # holds it only. The other records' classes are then among themselves, and only
            # they need counting (fewer and fewer as the sets grow).
            rest = np.flatnonzero(~covered)
            last = hashed[subset[-1]]
            if len(rest) < rows:
                alone = unique_mask(extend_keys(prefix[1][rest], last[rest]))
            else:
                alone = unique_mask(extend_keys(prefix[1], last))
            minimal = int(np.count_nonzero(alone))
            unique = int(np.count_nonzero(covered)) + minimal
            if size < max_size:
                covered[rest[alone]] = True
                masks[subset] = covered
            if minimal:
                named = tuple(sorted(subset, key=position.__getitem__))
                found.append(UniqueSet(named, unique, minimal))
    found.sort(key=lambda u: (-u.minimal_for, len(u.columns), u.columns))
    search.found = found[:LISTED]
    return search
