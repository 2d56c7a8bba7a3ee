"""A recommended spec: per-column operators that bring the unique share under a threshold.

Each candidate column the plan keeps as is (or cuts to a date or place level) has a ladder
of ever coarser settings, tried on the measured sample's output values:
- amounts: round to 3, 2, then 1 significant digits, then the sample's deciles;
- categorical numbers: top and bottom coded at the sample's p1/p99, then p5/p95, then
  deciles (bounds and edges are quantiles rounded to two significant digits, never a single
  sampled value);
- dates: month, year, decade; places: city, province;
- categorical text: values seen fewer than 5, 10, 25 times replaced by "other".
Greedy: at each step the one column moved one rung down its ladder is the one that leaves
the fewest unique records (ties: the one that keeps more classes), until the share is at
most the threshold or every ladder is climbed; then each changed column is moved back up
as far as the threshold still holds, so nothing is coarser than needed. The result is an
import spec fragment (`columns:` overrides) to paste into the spec, with the share the
sample has under it. Columns the plan already transforms otherwise (bins, suppression) are
left as planned: their output cannot be re-cut without the raw values. Rare values are
counted on the sample: over the whole data fewer are rare, so that rung may do less there.

Over a sample of more than `SEARCH_ROWS` records, the greedy search (dozens of counts) runs
on a uniform subsample of that many, and the share the chosen spec leaves
(`unique_share_after`, and whether it reaches the threshold) is then counted on the whole
sample: the figures of the steps are the subsample's. A smaller sample has more unique
records, not fewer, so the search on it tends to go as far as the whole sample needs, or
further; the reported figure is the whole sample's either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from connectors.operators import OperatorContext, build_operator
from connectors.operators.defaults import decile_edges
from connectors.operators.round_significant import round_significant
from connectors.report import ImportPlan
from connectors.risk.candidates import Candidate
from connectors.risk.classes import U64, class_stats, column_codes, hashed_codes
from connectors.risk.estimate import SEARCH_ROWS, Measured

Step = tuple[str, dict[str, Any]]
DATE_LADDER = ("month", "year", "decade")
PLACE_LADDER = ("city", "province")
RARE_COUNTS = (5, 10, 25)
TAIL_QUANTILES = ((0.01, 0.99), (0.05, 0.95))


@dataclass
class Recommendation:
    """The fragment to paste, and what it does to the sample."""

    spec: dict[str, Any]
    yaml: str
    unique_share_before: float
    unique_share_after: float
    threshold: float
    reached: bool
    steps: list[dict[str, Any]] = field(default_factory=list)
    left_as_planned: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def columns(self) -> dict[str, Step]:
        return {
            column: (override["operator"], override["params"])
            for column, override in self.spec.get("columns", {}).items()
        }


def _two_digits(value: float) -> float:
    return float(round_significant(np.array([value], dtype=np.float64), 2)[0])


def _tails(values: pa.Array) -> list[Step]:
    data = pc.cast(values, pa.float64()).drop_null().to_numpy(zero_copy_only=False)
    data = data[np.isfinite(data)]
    steps: list[Step] = []
    if len(data) < 20:
        return steps
    for low_q, high_q in TAIL_QUANTILES:
        low, high = (_two_digits(float(q)) for q in np.quantile(data, [low_q, high_q]))
        if low < high and (np.any(data < low) or np.any(data > high)):
            step: Step = ("top_bottom_code", {"lower": low, "upper": high})
            if step not in steps:
                steps.append(step)
    return steps


def _deciles(values: pa.Array) -> list[Step]:
    edges = decile_edges(values)
    return [("generalize", {"bins": edges})] if edges else []


def ladder(
    candidate: Candidate, operator: str, params: Mapping[str, Any], values: pa.Array
) -> list[Step]:
    """The coarser settings the column can take, finest first (none: left as planned)."""
    level = params.get("level") if operator == "generalize" else None
    if candidate.kind == "date" and (operator == "keep" or level in DATE_LADDER):
        start = DATE_LADDER.index(level) + 1 if level else 0
        return [("generalize", {"level": lv}) for lv in DATE_LADDER[start:]]
    if candidate.kind == "geography" and (operator == "keep" or level in PLACE_LADDER):
        start = PLACE_LADDER.index(level) + 1 if level else 0
        return [("generalize", {"level": lv}) for lv in PLACE_LADDER[start:]]
    if operator != "keep":
        return []
    numeric = pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
    numeric = numeric or pa.types.is_decimal(values.type)
    if numeric and candidate.kind == "amount":
        rounded: list[Step] = [("round_significant", {"digits": d}) for d in (3, 2, 1)]
        return rounded + _deciles(values)
    if numeric:
        return _tails(values) + _deciles(values)
    if candidate.kind in ("categorical", "text") and pa.types.is_string(values.type):
        return [("suppress_rare", {"min_count": n, "replacement": "other"}) for n in RARE_COUNTS]
    return []


def _apply(step: Step, values: pa.Array) -> pa.Array:
    operator = build_operator(step[0], step[1], OperatorContext())
    if operator.observes:
        operator.observe(values)
    return operator.apply(values)


class _Search:
    """The sample's classes with some columns moved down their ladders. A record's class key
    here is the sum (mod 2^64) of its columns' hashed codes rather than `class_keys`' chain:
    equal on equal records all the same, and as unlikely to collide (each term is a
    column-salted splitmix64 of a code), but a column moved one rung changes the key by
    one subtraction and one addition instead of a new chain over every column."""

    def __init__(self, measured: Measured, ladders: dict[str, list[Step]]) -> None:
        self.measured = measured
        self.ladders = ladders
        self.names = list(measured.table.column_names)
        self.rung = dict.fromkeys(ladders, -1)
        self._cache: dict[tuple[str, int], U64] = {}
        self._keys = np.zeros(measured.rows, dtype=np.uint64)
        for column in measured.hashed.values():
            self._keys += column

    def hashed_at(self, column: str, rung: int) -> U64:
        if rung < 0:
            return self.measured.hashed[column]
        if (column, rung) not in self._cache:
            values = self.measured.table.column(column).combine_chunks()
            out = _apply(self.ladders[column][rung], values)
            codes, _ = column_codes(out)
            self._cache[(column, rung)] = hashed_codes(codes, self.names.index(column))
        return self._cache[(column, rung)]

    def _keys_with(self, column: str, rung: int) -> U64:
        keys = self._keys - self.hashed_at(column, self.rung[column])
        keys += self.hashed_at(column, rung)
        return keys

    def share(self, column: str | None = None, rung: int = -1) -> tuple[float, int]:
        """(unique share, number of classes), with `column` at `rung` if given."""
        rows = self.measured.rows
        keys = self._keys if column is None else self._keys_with(column, rung)
        unique, classes = class_stats(keys)
        return (unique / rows if rows else 0.0), classes

    def move(self, column: str, rung: int) -> None:
        self._keys = self._keys_with(column, rung)
        self.rung[column] = rung


def recommend(
    measured: Measured, plan: ImportPlan, threshold: float, *, unique_share: float | None = None
) -> Recommendation:
    """Per-column operators, chosen greedily on the sample, that bring its unique share over
    the candidate quasi-identifiers to at most `threshold` (if the ladders allow)."""
    planned = {c.column: (c.operator, c.params) for c in plan.columns}
    ladders: dict[str, list[Step]] = {}
    left: list[str] = []
    for candidate in measured.candidates:
        operator, params = planned.get(candidate.column, ("keep", {}))
        values = measured.table.column(candidate.column).combine_chunks()
        steps = ladder(candidate, operator, params, values)
        if steps:
            ladders[candidate.column] = steps
        else:
            left.append(candidate.column)
    full = _Search(measured, ladders)
    before = full.share()[0] if unique_share is None else unique_share
    search = (
        full if measured.rows <= SEARCH_ROWS else _Search(measured.subsample(SEARCH_ROWS), ladders)
    )
    current = before if search is full else search.share()[0]
    trail: list[dict[str, Any]] = []
    while current > threshold:
        options = [
            (search.share(c, search.rung[c] + 1), c)
            for c in ladders
            if search.rung[c] + 1 < len(ladders[c])
        ]
        if not options:
            break
        (current, _), column = min(options, key=lambda o: (o[0][0], -o[0][1], o[1]))
        search.move(column, search.rung[column] + 1)
        operator, params = ladders[column][search.rung[column]]
        trail.append(
            {"column": column, "operator": operator, "params": params, "unique_share": current}
        )
    # Each changed column moved back up while the share stays within the threshold (or, if
    # the ladders could not reach it, no worse): nothing coarser than needed.
    bound = max(threshold, current)
    for column in [c for c in ladders if search.rung[c] >= 0]:
        while search.rung[column] >= 0:
            share, _ = search.share(column, search.rung[column] - 1)
            if share > bound:
                break
            search.move(column, search.rung[column] - 1)
            current = share
    if search is not full:  # the figure reported is the whole sample's
        for column, rung in search.rung.items():
            if rung >= 0:
                full.move(column, rung)
        current = full.share()[0]
    columns = {
        c: {"operator": ladders[c][r][0], "params": ladders[c][r][1]}
        for c, r in search.rung.items()
        if r >= 0
    }
    spec = {"columns": columns} if columns else {}
    return Recommendation(
        spec=spec,
        yaml=yaml.safe_dump(spec, allow_unicode=True, sort_keys=False) if spec else "",
        unique_share_before=before,
        unique_share_after=current,
        threshold=threshold,
        reached=current <= threshold,
        steps=trail,
        left_as_planned=left,
    )
