"""Counts per score band, gathered batch by batch (or partition by partition on Spark, then
added up): records, approved records and, with outcomes, labelled records and bads.

Band 0 holds the records the model gave no score (a missing value it could not handle);
they are counted, never approved, and reported apart from the bands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jobs.models.formats import ScoringInputInvalid
from jobs.models.scoring.bands import ScoreBands

I64 = npt.NDArray[np.int64]
COUNT_FIELDS = ("records", "approved", "labelled", "bads")
PARTIAL_SCHEMA = pa.schema(
    [pa.field("band", pa.int32()), *(pa.field(name, pa.int64()) for name in COUNT_FIELDS)]
)


def _zeros(n: int) -> I64:
    return np.zeros(n, dtype=np.int64)


@dataclass
class BandCounts:
    """Per band 0..n (0: unscored) the count of records, approved, labelled and bads."""

    bands: ScoreBands
    with_labels: bool
    records: I64 = field(init=False)
    approved: I64 = field(init=False)
    labelled: I64 = field(init=False)
    bads: I64 = field(init=False)

    def __post_init__(self) -> None:
        size = self.bands.count + 1
        self.records, self.approved = _zeros(size), _zeros(size)
        self.labelled, self.bads = _zeros(size), _zeros(size)

    def add(self, scores: Any, labels: Any | None = None) -> None:
        """Count one batch's scores (Arrow or numpy) and, with outcomes, its labels."""
        s = np.asarray(
            pc.fill_null(pc.cast(scores, pa.float64()), float("nan")).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.float64,
        )
        band = self.bands.band_of(s)
        size = len(self.records)
        self.records += np.bincount(band, minlength=size)
        self.approved += np.bincount(band, weights=self.bands.approved(s), minlength=size).astype(
            np.int64
        )
        if self.with_labels and labels is not None:
            y = pc.cast(labels, pa.float64())
            known = np.asarray(pc.is_valid(y).to_numpy(zero_copy_only=False), dtype=bool)
            values = np.asarray(pc.fill_null(y, 0.0).to_numpy(zero_copy_only=False))
            if not np.isin(values[known], (0.0, 1.0)).all():
                raise ScoringInputInvalid("outcome labels must be 0 (good), 1 (bad) or missing")
            self.labelled += np.bincount(band, weights=known, minlength=size).astype(np.int64)
            bad = known & (values == 1.0)
            self.bads += np.bincount(band, weights=bad, minlength=size).astype(np.int64)

    def partial(self) -> pa.RecordBatch:
        """These counts as rows (band, records, approved, labelled, bads), to add up later."""
        return pa.RecordBatch.from_arrays(
            [pa.array(np.arange(len(self.records), dtype=np.int32)),
             *(pa.array(getattr(self, name)) for name in COUNT_FIELDS)],
            schema=PARTIAL_SCHEMA,
        )  # fmt: skip

    def add_partial(self, rows: pa.Table | pa.RecordBatch) -> None:
        """Add counts in the shape `partial` gives them."""
        band = np.asarray(rows.column("band").to_numpy(), dtype=np.int64)
        size = len(self.records)
        for name in COUNT_FIELDS:
            values = np.asarray(rows.column(name).to_numpy(), dtype=np.int64)
            total = getattr(self, name)
            total += np.bincount(band, weights=values, minlength=size).astype(np.int64)

    @property
    def total(self) -> int:
        return int(self.records.sum())
