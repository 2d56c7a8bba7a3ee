"""Leaf indices of training records under a LightGBM text model, computed in a child
process (see `isolated`: LightGBM's loader ends the process on some malformed texts).

stdin: the text's length (8 bytes, big-endian), the text (UTF-8), the training matrix as
`.npy`. stdout: the leaf indices (rows x trees) as `.npy`.
"""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import numpy.typing as npt

REFUSED = 3  # isolated.REFUSED; this file runs alone in the child and imports nothing of ours


def leaf_indices(text: str, matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Each record's leaf in each tree (rows x trees); `isolated.ChildError` if the child
    could not compute them."""
    from jobs.models.artifact_checks.isolated import run

    body = text.encode("utf-8")
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(matrix, dtype=np.float64), allow_pickle=False)
    payload = len(body).to_bytes(8, "big") + body + buffer.getvalue()
    result = run("lightgbm_child.py", payload, "LightGBM")
    leaves = np.load(io.BytesIO(result), allow_pickle=False)
    return np.asarray(leaves, dtype=np.int64).reshape(len(matrix), -1)


def _silence() -> int:
    """Point stdout and stderr at /dev/null (the library prints there); the real stdout."""
    result = os.dup(1)
    silent = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silent, 1)
    os.dup2(silent, 2)
    return result


def _child() -> int:
    raw = sys.stdin.buffer.read()
    size = int.from_bytes(raw[:8], "big")
    text = raw[8 : 8 + size].decode("utf-8")
    matrix = np.load(io.BytesIO(raw[8 + size :]), allow_pickle=False)
    result = _silence()
    import lightgbm

    try:
        booster = lightgbm.Booster(model_str=text)
        leaves = booster.predict(matrix, pred_leaf=True, num_iteration=-1)
    except lightgbm.basic.LightGBMError:
        return REFUSED
    out = io.BytesIO()
    np.save(out, np.asarray(leaves, dtype=np.int64), allow_pickle=False)
    with os.fdopen(result, "wb") as stream:
        stream.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(_child())
