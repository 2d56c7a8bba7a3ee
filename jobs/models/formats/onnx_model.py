"""The `onnx` flavour: an ONNX graph run by onnxruntime on the CPU, from bytes.

The graph is checked first (`onnx_graph`): standard operator domains only, no functions, no
external data, the lab's input and output contract. The session has the CPU provider only,
a bounded number of intra-op threads that do not spin, and no custom-op libraries. The ONNX
file carries no feature names: they come from the model's declared schema, and their number
must match the graph's input width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa

from jobs.models.formats import onnx_graph
from jobs.models.formats.errors import ModelInvalid
from jobs.models.formats.feature_matrix import matrix
from jobs.models.formats.scorer import MAX_THREADS, Output, check_names


class OnnxScorer:
    flavour = "onnx"
    output: Output = "probability"

    def __init__(self, data: bytes, features: Sequence[str] | None, threads: int = 1) -> None:
        if not features:
            raise ModelInvalid("an ONNX model needs its feature names (the model's schema)")
        check_names(features)
        if not 1 <= threads <= MAX_THREADS:
            raise ValueError(f"threads must be between 1 and {MAX_THREADS}, not {threads}")
        model = onnx_graph.parse(data)
        width = onnx_graph.input_width(model)
        if width is not None and width != len(features):
            raise ModelInvalid(
                f"the ONNX model takes {width} features but its schema names {len(features)}"
            )
        self._output = onnx_graph.probability_output(model)
        self.features = list(features)
        self._session = session(data, threads)

    def score(self, batch: pa.RecordBatch) -> pa.Array:
        x = matrix(batch, self.features, np.float32)  # checks every feature, even with no rows
        if batch.num_rows == 0:
            return pa.array([], pa.float64())
        (probabilities,) = self._session.run([self._output], {onnx_graph.INPUT_NAME: x})
        return pa.array(np.asarray(probabilities[:, 1], dtype=np.float64))


def session(data: bytes, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # no busy-waiting threads: on a shared worker they burn the cores other jobs need (with
    # 2 threads on a loaded 2-core machine, spinning made scoring 1.7x slower)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # the converters' label output shape warning is noise
    try:
        return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own, untyped, errors
        raise ModelInvalid(f"onnxruntime cannot load the ONNX model: {exc}") from exc
