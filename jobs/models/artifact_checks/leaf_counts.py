"""Tree leaves built from fewer than k training records, from recomputed populations."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from jobs.models.artifact_checks.model import ERROR, Finding


def small_leaves(
    populations: list[npt.NDArray[np.int64]], k: int, *, where: str = "the model"
) -> list[Finding]:
    """One finding if any leaf (one array of leaf populations per tree) holds fewer than k
    training records; an empty leaf counts too (it was not built from this data)."""
    leaves = sum(len(p) for p in populations)
    small = [int(c) for p in populations for c in p if c < k]
    if not small:
        return []
    trees = sum(1 for p in populations if (p < k).any())
    message = (
        f"{where}: {len(small)} of {leaves} leaves in {trees} trees are built from fewer than "
        f"{k} training records (the smallest from {min(small)})"
    )
    detail = {
        "where": where,
        "leaves": leaves,
        "small": len(small),
        "smallest": min(small),
        "trees": trees,
        "k": k,
    }
    return [Finding("small_leaf", ERROR, message, detail)]
