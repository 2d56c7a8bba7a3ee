"""Leaf indices of training records under a LightGBM text model, computed in a child process.

LightGBM's loader is C++ that ends the whole process (std::terminate) on some malformed
texts, such as a `tree_sizes` header that no longer matches the trees, and the text comes
from job code. So the model is loaded and evaluated in a child interpreter, started in
isolated mode with this file as its script (none of the lab is imported there): a crash,
a refusal or a timeout is the child's, and comes back as a `LeafError`.

Protocol: stdin holds the text's length (8 bytes, big-endian), the text (UTF-8) and the
training matrix as `.npy`; stdout holds the leaf indices (rows x trees) as `.npy`. Nothing
is unpickled on either side. LightGBM's own messages quote the model text, so they are
dropped, not passed on.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

TIMEOUT_SECONDS = 300
REFUSED = 3


class LeafError(Exception):
    """The child could not compute the leaves; the message says how it ended."""


def leaf_indices(text: str, matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Each record's leaf in each tree (rows x trees), from a child process."""
    body = text.encode("utf-8")
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(matrix, dtype=np.float64), allow_pickle=False)
    payload = len(body).to_bytes(8, "big") + body + buffer.getvalue()
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(Path(__file__).resolve())],
            input=payload,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LeafError(f"LightGBM took more than {TIMEOUT_SECONDS} s") from None
    if done.returncode == REFUSED:
        raise LeafError("LightGBM refused the model or the training data")
    if done.returncode != 0:
        raise LeafError(f"LightGBM stopped while loading the model (exit {done.returncode})")
    leaves = np.load(io.BytesIO(done.stdout), allow_pickle=False)
    return np.asarray(leaves, dtype=np.int64).reshape(len(matrix), -1)


def _child() -> int:
    import os

    raw = sys.stdin.buffer.read()
    size = int.from_bytes(raw[:8], "big")
    text = raw[8 : 8 + size].decode("utf-8")
    matrix = np.load(io.BytesIO(raw[8 + size :]), allow_pickle=False)
    # LightGBM prints to stdout and stderr; keep its words out of the result channel
    result = os.dup(1)
    silent = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silent, 1)
    os.dup2(silent, 2)
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
