"""One intermediate tensor of an ONNX model on the training records, computed with
onnxruntime in a child process (see `isolated`).

stdin: an `.npz` with the model bytes (`model`, uint8), the tensor's name (`output`), the
input names (`names`) and the inputs (`input_0`, `input_1`, ... text as fixed-width
unicode). stdout: the tensor as `.npy`.
"""

from __future__ import annotations

import importlib
import io
import os
import sys

import numpy as np
import numpy.typing as npt

REFUSED = 3  # isolated.REFUSED; this file runs alone in the child and imports nothing of ours


def intermediate(
    model: bytes, output: str, inputs: dict[str, npt.NDArray[np.generic]]
) -> npt.NDArray[np.generic]:
    """The tensor `output` of the (probe) model fed `inputs`; `isolated.ChildError` if the
    child could not compute it."""
    from jobs.models.artifact_checks.isolated import run

    arrays: dict[str, npt.NDArray[np.generic]] = {
        "model": np.frombuffer(model, dtype=np.uint8),
        "output": np.array(output),
        "names": np.array(list(inputs), dtype=np.str_),
    }
    for i, values in enumerate(inputs.values()):
        arrays[f"input_{i}"] = values.astype(np.str_) if values.dtype == object else values
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    result = run("onnx_child.py", buffer.getvalue(), "onnxruntime")
    return np.load(io.BytesIO(result), allow_pickle=False)  # type: ignore[no-any-return]


def _child() -> int:
    data = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
    model = data["model"].tobytes()
    output = str(data["output"])
    feed = {str(name): data[f"input_{i}"] for i, name in enumerate(data["names"])}
    result = os.dup(1)
    silent = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silent, 1)
    os.dup2(silent, 2)
    onnxruntime = importlib.import_module("onnxruntime")  # untyped

    try:
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 4
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        (tensor,) = session.run([output], feed)
    except Exception:  # onnxruntime's errors have no common base worth naming
        return REFUSED
    out = io.BytesIO()
    np.save(out, np.asarray(tensor), allow_pickle=False)
    with os.fdopen(result, "wb") as stream:
        stream.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(_child())
