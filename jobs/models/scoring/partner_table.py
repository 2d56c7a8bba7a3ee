"""The partner's view of a production scoring run: one row per score band, fit to pass the
disclosure gate.

Per band: its score range, the count of records (the score distribution), the approved
ones and the approval rate at the cut-off and, when outcomes are known, the labelled ones,
the bads and the bad rate. The zone's rules are applied here, in the order the gate
applies them, so the gate finds nothing left to change:
1. bands counting fewer than `min_cell_count` records are merged with a neighbour
   (`jobs.models.small_bins`);
2. every count is rounded to the nearest `rounding` (halves up); a count below
   `min_cell_count` before or after rounding is suppressed (null), zero included;
3. rates are worked out from the rounded counts, and are null where a count is, so that a
   rate never gives back an exact count the rounding hid.
Records the model gave no score are left out. No row-level value is in the table: the
ranges are the bands' own edges, the rest are rounded counts and their ratios.
"""

from __future__ import annotations

import pyarrow as pa

from jobs.models.scoring.band_counts import BandCounts
from jobs.models.small_bins import merge_groups, merged_sums

COUNT_COLUMNS = ("record_count", "approved_count", "labelled_count", "bad_count")
SOURCES = ("records", "approved", "labelled", "bads")  # the BandCounts behind each


def round_count(value: int, base: int) -> int:
    """`value` to the nearest multiple of `base`, halves up (as the gate rounds)."""
    return (value + base // 2) // base * base


def disclosed(value: int, min_cell_count: int, rounding: int) -> int | None:
    """`value` rounded, or None when it or its rounding is below `min_cell_count`."""
    rounded = round_count(value, rounding)
    return None if value < min_cell_count or rounded < min_cell_count else rounded


def _ratio(part: int | None, whole: int | None) -> float | None:
    return None if part is None or not whole else part / whole


def partner_table(counts: BandCounts, *, min_cell_count: int, rounding: int) -> pa.Table:
    """The band table of `counts` under the zone's minimum cell count and rounding."""
    if min_cell_count < 1 or rounding < 1:
        raise ValueError("min_cell_count and rounding must be at least 1")
    groups = merge_groups(counts.records[1:], min_cell_count)
    sums = {name: merged_sums(getattr(counts, name)[1:], groups) for name in SOURCES}
    rows: dict[str, list[object]] = {
        "band": [], "score_from": [], "score_to": [], "record_count": [],
        "approved_count": [], "approval_rate": [],
    }  # fmt: skip
    if counts.with_labels:
        rows.update(labelled_count=[], bad_count=[], bad_rate=[])
    for i, group in enumerate(groups):
        first, last = group[0] + 1, group[-1] + 1
        lower, upper = counts.bands.bounds(first, last)
        cell = {
            name: disclosed(int(sums[key][i]), min_cell_count, rounding)
            for name, key in zip(COUNT_COLUMNS, SOURCES, strict=True)
        }
        rows["band"].append(str(first) if first == last else f"{first}-{last}")
        rows["score_from"].append(lower)
        rows["score_to"].append(upper)
        rows["record_count"].append(cell["record_count"])
        rows["approved_count"].append(cell["approved_count"])
        rows["approval_rate"].append(_ratio(cell["approved_count"], cell["record_count"]))
        if counts.with_labels:
            rows["labelled_count"].append(cell["labelled_count"])
            rows["bad_count"].append(cell["bad_count"])
            rows["bad_rate"].append(_ratio(cell["bad_count"], cell["labelled_count"]))
    types = {"band": pa.string(), "score_from": pa.float64(), "score_to": pa.float64(),
             "approval_rate": pa.float64(), "bad_rate": pa.float64()}  # fmt: skip
    return pa.table({n: pa.array(v, types.get(n, pa.int64())) for n, v in rows.items()})
