"""Shared helpers for the operator tests: keys and a one-call way to run an operator."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from connectors.operators import OperatorContext, build_operator

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def run(
    name: str, values: list[Any], params: dict[str, Any] | None = None, **context: Any
) -> list[Any]:
    """The Python values of operator `name` applied to `values`."""
    ctx = OperatorContext(**{"pseudonym_key": KEY, "surrogate_key": KEY, **context})
    return build_operator(name, params or {}, ctx).apply(pa.array(values)).to_pylist()
