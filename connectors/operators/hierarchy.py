"""Generalization hierarchies: an operator and its coarser settings, level by level.

Level 0 is the column's planned operator; each next level is `coarser()` of the one before.
A level whose operator `nests_on_output()` feeds the next level its output instead of the
raw values (cheaper: few distinct values). The k-anonymity pass counts every level with
`level_outputs`; the writing pass recomputes the chosen level with `chain_to`, the same way,
so the values written are exactly the values counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from connectors.operators.base import Operator, OperatorParams


def hierarchy(
    operator: Operator[Any], make: Callable[[OperatorParams], Operator[Any]], max_levels: int
) -> list[Operator[Any]]:
    """`operator` then its coarser settings (built by `make`), at most `max_levels` in all."""
    levels = [operator]
    while len(levels) < max_levels:
        coarser = levels[-1].coarser()
        if coarser is None:
            break
        levels.append(make(coarser))
    return levels


def level_outputs(raw: pa.Array, levels: list[Operator[Any]]) -> list[pa.Array]:
    """The output of every level for the raw values."""
    outputs: list[pa.Array] = []
    for i, operator in enumerate(levels):
        below = levels[i - 1] if i else None
        outputs.append(operator.apply(outputs[-1] if below and below.nests_on_output() else raw))
    return outputs


def chain_to(levels: list[Operator[Any]], level: int) -> list[Operator[Any]]:
    """The operators to apply in turn to raw values to get `level` as `level_outputs` does."""
    start = level
    while start > 0 and levels[start - 1].nests_on_output():
        start -= 1
    return levels[start : level + 1]
