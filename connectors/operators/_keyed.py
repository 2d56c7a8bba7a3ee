"""Keyed digests of many values: HMAC-SHA256 by OpenSSL, nothing hand-made.

The fast way is `_hmacbatch`, a small C extension built with the lab (see `setup.py`):
it hands the column's Arrow buffers (offsets and bytes) to OpenSSL's HMAC in one loop,
without the GIL and over `HMAC_THREADS` threads, about 0.15 microseconds a value here; for
pseudonyms the same loop writes their text (a prefix and the digest's first bytes in hex)
instead of the digests, sparing numpy's copies of the whole batch. Where
it could not be built (no C compiler or OpenSSL headers), the standard library's `hmac` does
the same per value: `hmac.new(key, digestmod="sha256")` precomputes the keyed inner and outer
states once and each value costs one `copy()`, `update()` and `digest()` (about 0.65
microseconds). Both give the same digests; the tests compare them.
"""

from __future__ import annotations

import hmac
import os
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa

from connectors.operators._arrow import Bytes2D, as_text, hex_rows, with_prefix

_hmacbatch: ModuleType | None
try:
    from connectors.operators import _hmacbatch
except ImportError:  # pragma: no cover - built without a C compiler or OpenSSL headers
    _hmacbatch = None

DIGEST_SIZE = 32
HMAC_THREADS = max(1, min(os.cpu_count() or 1, 4))


def batch_available() -> bool:
    """Whether the C loop is in use (else the standard library's, per value)."""
    return _hmacbatch is not None


def _keyed_state(key: bytes) -> Any:
    try:
        from _hashlib import hmac_new
    except ImportError:  # pragma: no cover - Python built without OpenSSL
        return hmac.new(key, digestmod="sha256")
    return hmac_new(key, digestmod="sha256")


def _as_binary(values: pa.Array) -> pa.Array:
    text = as_text(values)
    if pa.types.is_string(text.type) or pa.types.is_binary(text.type):
        return text.cast(pa.binary())
    return text.cast(pa.large_binary())


def hmac_sha256_rows(key: bytes, values: pa.Array, *, batch: bool = True) -> Bytes2D:
    """HMAC-SHA256 under `key` of each value's UTF-8 text (or bytes), one 32-byte row each.

    `values` must hold no nulls (the callers pass the distinct non-null values). `batch`
    False forces the standard library's loop (for comparing the two)."""
    messages = _as_binary(values)
    if batch and _hmacbatch is not None:
        return _digest_buffers(key, messages)
    copy = _keyed_state(key).copy
    digests: list[bytes] = []
    append = digests.append
    for message in messages.to_pylist():
        state = copy()
        state.update(message)
        append(state.digest())
    joined = b"".join(digests)
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(messages), DIGEST_SIZE)


def hmac_sha256_hex_rows(
    key: bytes, values: pa.Array, prefix: bytes, nbytes: int, *, batch: bool = True
) -> Bytes2D:
    """Per value, `prefix` then the first `nbytes` bytes of its HMAC-SHA256 under `key` in
    lower-case hex, one row each (as `hmac_sha256_rows`: no nulls; `batch` False forces the
    standard library's loop)."""
    if not 0 < nbytes <= DIGEST_SIZE:
        raise ValueError(f"nbytes must be 1 to {DIGEST_SIZE}")
    if batch and _hmacbatch is not None:
        return _digest_buffers(key, _as_binary(values), prefix, nbytes)
    return with_prefix(prefix, hex_rows(hmac_sha256_rows(key, values, batch=False)[:, :nbytes]))


def _digest_buffers(
    key: bytes, messages: pa.Array, prefix: bytes = b"", hex_bytes: int = 0
) -> Bytes2D:
    """The C loop's rows: digests, or (`hex_bytes` > 0) `prefix` and that many in hex."""
    assert _hmacbatch is not None
    wide = pa.types.is_large_binary(messages.type)
    width = 8 if wide else 4
    _validity, offsets, data = messages.buffers()
    assert offsets is not None
    start = messages.offset * width
    window = memoryview(offsets)[start : start + (len(messages) + 1) * width]
    row = len(prefix) + 2 * hex_bytes if hex_bytes else DIGEST_SIZE
    out = np.empty((len(messages), row), dtype=np.uint8)
    content = memoryview(data) if data is not None else memoryview(b"")
    _hmacbatch.hmac_sha256_many(
        key, content, window, wide, out.data, HMAC_THREADS, prefix, hex_bytes
    )
    return out
