"""Merging adjacent bins until none counts fewer than k records.

Used where bins leave the zone or outlive the data they describe (a monitoring baseline, a
partner's score-band table): a bin of a handful of records would tell too much about them.
The smallest bin under k is merged into its smaller neighbour (the left one on a tie), again
and again, so the result does not depend on the order the bins are visited in. Empty bins
count as small. One bin is left alone whatever it holds: there is nothing to merge it with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


def merge_groups(counts: Sequence[int] | I64, k: int) -> list[list[int]]:
    """Groups of adjacent bin indices (in order) such that every group but a lone one holds
    at least `k` records."""
    if k < 1:
        raise ValueError("k must be at least 1")
    groups = [[i] for i in range(len(counts))]
    sizes = [int(c) for c in counts]
    while len(groups) > 1:
        small = [i for i, size in enumerate(sizes) if size < k]
        if not small:
            break
        at = min(small, key=lambda i: (sizes[i], i))
        if at == 0:
            other = 1
        elif at == len(groups) - 1:
            other = at - 1
        else:
            other = at - 1 if sizes[at - 1] <= sizes[at + 1] else at + 1
        left, right = min(at, other), max(at, other)
        groups[left] = groups[left] + groups[right]
        sizes[left] += sizes[right]
        del groups[right], sizes[right]
    return groups


def merged_sums(values: Sequence[int] | I64, groups: list[list[int]]) -> I64:
    """The sum of `values` over each group."""
    array = np.asarray(values, dtype=np.int64)
    return np.array([int(array[g].sum()) for g in groups], dtype=np.int64)
