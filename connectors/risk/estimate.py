"""`RiskEstimator`: fed an import's output batches, it estimates re-identification risk.

    estimator = RiskEstimator(plan_exclusions(plan))
    for batch in estimator.observe(run): writer.write_batch(batch)
    report = estimator.result()

Measures (prosecutor model, as ARX and sdcMicro report them), over the candidate
quasi-identifiers (connectors.risk.candidates) together:
- the share of sample-unique records (alone in their equivalence class);
- the highest and the average re-identification probability, 1 / class size, averaged
  over records;
- the small column sets that make records unique (connectors.risk.combinations).
The figures are the sample's: at most `SAMPLE_ROWS` output rows are kept (a uniform
reservoir); a record unique in the sample may have twins outside it, so over a sample the
unique share overstates the population's, which errs on the side of caution (a record
unique in the whole output is unique in any sample that holds it; tests/connectors/risk
check the sample's share is never under the exact one by more than a point). The
combination search (dozens of counts) runs on a uniform subsample of `SEARCH_ROWS` of the
sample, and says so: the shares it gives are that subsample's. The report holds column
names, counts and shares: never a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from connectors.risk.candidates import Candidate, choose_candidates
from connectors.risk.classes import (
    U64,
    class_keys,
    class_summary,
    column_codes,
    encode,
    hashed_codes,
)
from connectors.risk.combinations import minimal_uniques
from connectors.risk.reservoir import Reservoir

SAMPLE_ROWS = 200_000
SEARCH_ROWS = 50_000  # the searches' (combinations, recommendation) subsample of a sample
MODEL = (
    "prosecutor model on the sample: the attacker knows the record is in the data and its "
    "candidate quasi-identifiers; risk of a record = 1 / size of its class"
)


@dataclass
class RiskReport:
    """The estimate. `rows`: output rows seen; `sample_rows`: rows measured."""

    rows: int
    sample_rows: int
    candidates: list[dict[str, Any]]
    excluded: list[dict[str, str]]
    unique_records: int
    unique_share: float
    highest_risk: float
    average_risk: float
    combinations: list[dict[str, Any]]
    search: dict[str, Any]
    model: str = MODEL
    recommendation: dict[str, Any] | None = None
    verdict: dict[str, Any] = field(default_factory=dict)

    @property
    def sampled(self) -> bool:
        return self.sample_rows < self.rows

    @property
    def candidate_columns(self) -> list[str]:
        return [c["column"] for c in self.candidates]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sampled": self.sampled}


@dataclass
class Measured:
    """A measured sample, kept for the recommender: per-column hashed codes."""

    table: pa.Table
    candidates: list[Candidate]
    hashed: dict[str, U64]

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)

    def subsample(self, rows: int, *, seed: int = 0) -> Measured:
        """A uniform subsample of at most `rows` records, in their order (itself if it has
        no more); seeded, so the same sample gives the same subsample."""
        if self.rows <= rows:
            return self
        picked = np.sort(np.random.default_rng(seed).choice(self.rows, rows, replace=False))
        hashed = {column: codes[picked] for column, codes in self.hashed.items()}
        return Measured(self.table.take(pa.array(picked)), self.candidates, hashed)


def hash_columns(
    table: pa.Table,
    columns: Iterable[str],
    encoded: Mapping[str, pa.DictionaryArray] | None = None,
) -> dict[str, U64]:
    """Each column's hashed codes (its position in `table` salts them); `encoded`: columns
    already dictionary-encoded, by name."""
    names, known = list(table.column_names), encoded or {}
    return {
        c: hashed_codes(column_codes(table.column(c), known.get(c))[0], names.index(c))
        for c in columns
    }


def measure(
    table: pa.Table, excluded: Mapping[str, str], *, rows_seen: int | None = None
) -> tuple[RiskReport, Measured]:
    """The estimate for `table` (the sample), and what it measured."""
    n = table.num_rows
    # each column encoded once: its distinct values judge its kind, its codes its classes
    encoded = {c: encode(table.column(c)) for c in table.column_names if c not in excluded}
    candidates, left_out = (
        choose_candidates(table, excluded, encoded) if n else ([], dict(excluded))
    )
    hashed = hash_columns(table, [c.column for c in candidates], encoded)
    keys = class_keys(list(hashed.values()), n)
    if candidates and n:
        unique, classes, smallest = class_summary(keys)
        highest, average = 1.0 / smallest, classes / n
    else:
        unique, highest, average = 0, 0.0, 0.0
    sample = Measured(table, candidates, hashed)
    searched = sample.subsample(SEARCH_ROWS)
    search = minimal_uniques(
        searched.hashed, {c.column: c.distinct for c in candidates}, searched.rows
    )
    described = search.describe()
    if searched.rows < n:
        described["method"] += (
            f"; searched in a uniform subsample of {searched.rows:,} of the {n:,} sampled "
            "records, whose shares the combinations give (a smaller sample has more uniques, "
            "not fewer); the overall figures are the whole sample's"
        )
    report = RiskReport(
        rows=n if rows_seen is None else rows_seen,
        sample_rows=n,
        candidates=[c.to_dict() for c in candidates],
        excluded=[{"column": c, "reason": why} for c, why in left_out.items()],
        unique_records=unique,
        unique_share=unique / n if n else 0.0,
        highest_risk=highest,
        average_risk=average,
        combinations=[u.to_dict(searched.rows) for u in search.found],
        search=described,
    )
    return report, sample


class RiskEstimator:
    """An accumulator over output batches: `update` each one (or wrap the batches with
    `observe`), then `result()`. Memory ~ `sample_rows` rows of the non-excluded columns."""

    def __init__(
        self,
        excluded: Mapping[str, str] | None = None,
        *,
        sample_rows: int = SAMPLE_ROWS,
        seed: int = 0,
    ) -> None:
        self.excluded = dict(excluded or {})
        self._reservoir = Reservoir(sample_rows, seed=seed)
        self._schema: pa.Schema | None = None

    def update(self, batch: pa.RecordBatch) -> None:
        if self._schema is None:
            self._schema = batch.schema
            self._reservoir.columns = [n for n in batch.schema.names if n not in self.excluded]
        self._reservoir.update(batch)

    def observe(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """`batches`, passed on unchanged, each one counted on its way."""
        for batch in batches:
            self.update(batch)
            yield batch

    @property
    def rows(self) -> int:
        return self._reservoir.seen

    def result(self) -> tuple[RiskReport, Measured]:
        written = set(self._schema.names) if self._schema is not None else set()
        excluded = {c: why for c, why in self.excluded.items() if c in written}
        return measure(self._reservoir.table(), excluded, rows_seen=self._reservoir.seen)
