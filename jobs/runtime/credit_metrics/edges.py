"""Quantile bin edges that never leave a bin of the sample they come from empty.

Edges are sample values (`numpy.quantile(..., method="higher")`), repeated ones dropped, and
so is the sample's minimum; bins are [lower, upper) with open outer ends. Every bin then
starts at a value of the sample, or holds its minimum: a sample with two distinct values has
two bins, however its quantiles fall.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def quantile_edges(values: npt.NDArray[np.float64], parts: int) -> npt.NDArray[np.float64]:
    """Inner edges of at most `parts` quantile bins of `values` (no NaN)."""
    cuts = np.quantile(values, np.arange(1, parts) / parts, method="higher")
    edges: npt.NDArray[np.float64] = np.unique(cuts[cuts > values.min()])
    return edges
