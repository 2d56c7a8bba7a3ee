"""Desensitization operators: named, parameterised, vectorized column transforms.

One operator per module (drop, keep, mask, pseudonym, surrogate, generalize, suppress_rare,
scrub, and for amounts round_significant, top_bottom_code, noise); `registry` maps names to
them, `defaults` picks one per column class and entity and `hierarchy` lines up
generalization levels for k-anonymity.
"""

from __future__ import annotations

from connectors.operators.base import Operator, OperatorContext, OperatorParams
from connectors.operators.defaults import Choice, default_choice
from connectors.operators.registry import (
    OPERATORS,
    OperatorType,
    build_operator,
    get_operator,
    parse_params,
)

__all__ = [
    "OPERATORS",
    "Choice",
    "Operator",
    "OperatorContext",
    "OperatorParams",
    "OperatorType",
    "build_operator",
    "default_choice",
    "get_operator",
    "parse_params",
]
