"""k-anonymity of the quasi-identifiers: count equivalence classes, generalize, suppress.

Counting streams: `ClassCounter.update` takes one batch at a time and keeps a dict from
class key to row count (memory ~ number of classes, never rows). Each quasi-identifier comes
with its generalization hierarchy (level 0 = its configured operator, then each coarser
setting); a key holds the value of every level of every quasi-identifier, so the classes of
any combination of levels are exact sums over the counted keys, found with no second read.

`anonymize` then applies the strategy:
- "generalize_then_suppress": while some class has fewer than k rows (more than
  `suppression_tolerance` of the rows, default none), coarsen by one level the
  quasi-identifier that leaves the fewest rows in small classes (ties: the one keeping more
  classes), up to `max_steps`; then suppress the rows of the classes still below k, unless
  that is more than `max_suppressed_share` of the rows: then refuse. A small tolerance (say
  1%) suppresses a few outliers instead of coarsening a column for everyone;
- "suppress": no generalization; suppress, within the same limit;
- "refuse": any class below k is an error.
Refusals raise KAnonymityError, a PrivacyError listing the smallest classes (at most 20, by
their generalized quasi-identifier values and size) and carrying the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import reduce
from itertools import accumulate
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.errors import PrivacyError

Strategy = Literal["generalize_then_suppress", "suppress", "refuse"]
Key = tuple[Any, ...]
MAX_LISTED_GROUPS = 20


@dataclass(frozen=True)
class QuasiIdentifier:
    """A quasi-identifier column and the label of each level of its hierarchy."""

    column: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class KPolicy:
    k: int
    strategy: Strategy = "generalize_then_suppress"
    max_suppressed_share: float = 0.05
    max_steps: int = 4
    suppression_tolerance: float = 0.0


@dataclass(frozen=True)
class KReport:
    """The outcome; class counts are of the output (after suppression)."""

    k: int
    quasi_identifiers: list[str]
    classes: int
    smallest_class: int
    rows_suppressed: int
    generalization_steps: list[str]
    achieved: bool
    strategy: str = "generalize_then_suppress"
    rows_checked: int = 0
    classes_suppressed: int = 0
    levels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def trivial(cls, k: int, strategy: str, rows: int) -> KReport:
        """With no quasi-identifiers all rows form one class and nothing links them to
        anyone."""
        return cls(k, [], int(rows > 0), rows, 0, [], True, strategy, rows)


class KAnonymityError(PrivacyError):
    """k-anonymity cannot be reached as asked. `groups`: the smallest classes (QI values
    after generalization, row count), at most 20; `summary`: the message without them."""

    def __init__(self, summary: str, groups: list[tuple[dict[str, Any], int]], report: KReport):
        listed = "; ".join(
            "(" + ", ".join(f"{c}={v!r}" for c, v in values.items()) + f"): {n}"
            for values, n in groups
        )
        super().__init__(f"{summary}. Smallest classes: {listed}" if groups else summary)
        self.summary = summary
        self.groups = groups
        self.report = report


class ClassCounter:
    """Rows per class key over a stream of batches. `levels[i]` is the number of hierarchy
    levels of quasi-identifier i; `update` gets, per quasi-identifier, one array per level."""

    def __init__(self, levels: Sequence[int]) -> None:
        self.levels = tuple(levels)
        self.offsets = tuple(accumulate(self.levels, initial=0))[:-1]
        self.counts: dict[Key, int] = {}
        self.rows = 0

    def update(self, columns: Sequence[Sequence[pa.Array]]) -> None:
        arrays = [canonical(array) for per_qi in columns for array in per_qi]
        if len(arrays) != sum(self.levels):
            raise ValueError("one array per level of each quasi-identifier expected")
        rows = len(arrays[0]) if arrays else 0
        self.rows += rows
        if not arrays or rows == 0:
            if rows:
                self.counts[()] = self.counts.get((), 0) + rows
            return
        names = [f"q{i}" for i in range(len(arrays))]
        grouped = pa.table(arrays, names=names).group_by(names, use_threads=False)
        found = grouped.aggregate([([], "count_all")])
        keys = zip(*(found.column(name).to_pylist() for name in names), strict=True)
        counts = self.counts
        for key, n in zip(keys, found.column("count_all").to_pylist(), strict=True):
            counts[key] = counts.get(key, 0) + n

    def remap(self, qi: int, transform: Callable[[pa.Array], pa.Array], dtype: pa.DataType) -> None:
        """Replaces quasi-identifier `qi`'s (single-level) values by `transform` of them: for
        operators that need the whole column's counts before they can run."""
        at = self.offsets[qi]
        distinct = list(dict.fromkeys(key[at] for key in self.counts))
        outputs = canonical(transform(pa.array(distinct, type=dtype))).to_pylist()
        mapped = dict(zip(distinct, outputs, strict=True))
        remapped: dict[Key, int] = {}
        for key, n in self.counts.items():
            new = (*key[:at], mapped[key[at]], *key[at + 1 :])
            remapped[new] = remapped.get(new, 0) + n
        self.counts = remapped

    def classes(self, levels: Sequence[int]) -> dict[Key, int]:
        """Rows per class when quasi-identifier i is taken at level `levels[i]`."""
        positions = [offset + level for offset, level in zip(self.offsets, levels, strict=True)]
        out: dict[Key, int] = {}
        for key, n in self.counts.items():
            projected = tuple(key[p] for p in positions)
            out[projected] = out.get(projected, 0) + n
        return out


def canonical(values: pa.Array) -> pa.Array:
    """Values as classes are keyed: NaN as null (NaN never equals itself, so each NaN row
    would otherwise be a class of its own that no lookup finds again)."""
    if pa.types.is_floating(values.type) and pc.any(pc.is_nan(values)).as_py():
        return pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
    return values


def count_classes(table: pa.Table, columns: Sequence[str]) -> dict[Key, int]:
    """Rows per combination of `columns` over a whole table, in one go (reference counting)."""
    if not columns:
        return {(): table.num_rows} if table.num_rows else {}
    table = pa.table([canonical(table.column(c).combine_chunks()) for c in columns], names=columns)
    found = table.group_by(list(columns), use_threads=False).aggregate([([], "count_all")])
    keys = zip(*(found.column(c).to_pylist() for c in columns), strict=True)
    return dict(zip(keys, found.column("count_all").to_pylist(), strict=True))


def _below(classes: dict[Key, int], k: int) -> int:
    return sum(n for n in classes.values() if n < k)


@dataclass(frozen=True)
class KDecision:
    """Levels to apply per quasi-identifier, and the class keys whose rows are dropped."""

    levels: tuple[int, ...]
    suppressed: frozenset[Key]
    report: KReport


def _generalize(
    counter: ClassCounter, qis: Sequence[QuasiIdentifier], policy: KPolicy
) -> tuple[list[int], list[str], dict[Key, int]]:
    state = [0] * len(qis)
    classes = counter.classes(state)
    steps: list[str] = []
    tolerated = policy.suppression_tolerance * counter.rows
    while _below(classes, policy.k) > tolerated and len(steps) < policy.max_steps:
        options = []
        for i, qi in enumerate(qis):
            if state[i] + 1 < len(qi.levels):
                trial = [*state[:i], state[i] + 1, *state[i + 1 :]]
                found = counter.classes(trial)
                options.append((_below(found, policy.k), -len(found), i, trial, found))
        if not options:
            break
        _, _, i, trial, classes = min(options, key=lambda option: option[:3])
        steps.append(f"{qis[i].column}: {qis[i].levels[state[i]]} -> {qis[i].levels[trial[i]]}")
        state = trial
    return state, steps, classes


def anonymize(counter: ClassCounter, qis: Sequence[QuasiIdentifier], policy: KPolicy) -> KDecision:
    """Decides levels and suppressed classes (see the module doc); KAnonymityError if refused."""
    if policy.strategy == "generalize_then_suppress":
        state, steps, classes = _generalize(counter, qis, policy)
    else:
        state, steps, classes = [0] * len(qis), [], counter.classes([0] * len(qis))
    small = {key: n for key, n in classes.items() if n < policy.k}
    suppressed = sum(small.values())
    kept = [n for key, n in classes.items() if key not in small]
    report = KReport(
        k=policy.k,
        quasi_identifiers=[qi.column for qi in qis],
        classes=len(kept),
        smallest_class=min(kept, default=0),
        rows_suppressed=suppressed,
        generalization_steps=steps,
        achieved=True,
        strategy=policy.strategy,
        rows_checked=counter.rows,
        classes_suppressed=len(small),
        levels={qi.column: qi.levels[level] for qi, level in zip(qis, state, strict=True)},
    )
    share = suppressed / counter.rows if counter.rows else 0.0
    refuse = policy.strategy == "refuse" and small
    if refuse or share > policy.max_suppressed_share:
        failed = KReport(**{**report.to_dict(), "achieved": False, "rows_suppressed": 0})
        why = (
            "the spec's k_strategy is refuse"
            if refuse
            else f"more than the {policy.max_suppressed_share:.0%} that may be suppressed"
        )
        summary = (
            f"k-anonymity (k={policy.k}) over {', '.join(failed.quasi_identifiers)} not reached: "
            f"{suppressed} of {counter.rows} rows ({share:.1%}) are in {len(small)} classes "
            f"smaller than k, {why}" + (f"; generalized: {', '.join(steps)}" if steps else "")
        )
        smallest = sorted(small.items(), key=lambda item: item[1])[:MAX_LISTED_GROUPS]
        groups = [
            ({qi.column: value for qi, value in zip(qis, key, strict=True)}, n)
            for key, n in smallest
        ]
        raise KAnonymityError(summary, groups, failed)
    return KDecision(tuple(state), frozenset(small), report)


class Suppressor:
    """Which rows of a batch fall in suppressed classes, vectorized: each quasi-identifier
    column is looked up in the values its suppressed keys use, and the per-column positions
    are packed into one fixed-width binary key matched against the suppressed set."""

    def __init__(self, suppressed: frozenset[Key]) -> None:
        self.suppressed = suppressed
        self._prepared: tuple[list[pa.Array], pa.Array] | None = None

    def _prepare(self, columns: Sequence[pa.Array]) -> tuple[list[pa.Array], pa.Array]:
        if self._prepared is None:
            keys = list(self.suppressed)
            value_sets, positions = [], []
            for i, column in enumerate(columns):
                distinct = list(dict.fromkeys(key[i] for key in keys))
                value_sets.append(pa.array(distinct, type=column.type))
                where = {value: n for n, value in enumerate(distinct)}
                positions.append([where[key[i]] for key in keys])
            packed = np.ascontiguousarray(np.array(positions, dtype=np.int32).T)
            self._prepared = (value_sets, _fixed_binary(packed))
        return self._prepared

    def keep_mask(self, columns: Sequence[pa.Array]) -> pa.Array | None:
        """A boolean mask of the rows to keep, or None when every row is kept."""
        if not self.suppressed or not columns or len(columns[0]) == 0:
            return None
        columns = [canonical(column) for column in columns]
        value_sets, suppressed_keys = self._prepare(columns)
        found = [
            pc.index_in(column, value_set=values, skip_nulls=False)
            for column, values in zip(columns, value_sets, strict=True)
        ]
        candidate = reduce(pc.and_, [pc.is_valid(f) for f in found])
        if not pc.any(candidate).as_py():
            return None
        packed = np.stack(
            [f.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32) for f in found],
            axis=1,
        )
        hit = pc.and_(candidate, pc.is_in(_fixed_binary(packed), value_set=suppressed_keys))
        return pc.invert(hit)


def _fixed_binary(rows: np.ndarray[Any, Any]) -> pa.Array:
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    width = rows.shape[1] * 4
    return pa.Array.from_buffers(pa.binary(width), rows.shape[0], [None, pa.py_buffer(rows)])
