"""The operators by name: the only ones an import spec can ask for (no code is ever sent)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from connectors.errors import SpecError
from connectors.operators.base import Operator, OperatorContext, OperatorParams
from connectors.operators.drop import Drop
from connectors.operators.generalize import Generalize
from connectors.operators.keep import Keep
from connectors.operators.mask import Mask
from connectors.operators.noise import Noise
from connectors.operators.pseudonym import Pseudonym
from connectors.operators.round_significant import RoundSignificant
from connectors.operators.scrub import Scrub
from connectors.operators.suppress_rare import SuppressRare
from connectors.operators.surrogate import Surrogate
from connectors.operators.top_bottom_code import TopBottomCode

OperatorType = type[Operator[Any]]

OPERATORS: dict[str, OperatorType] = {
    cls.name: cls
    for cls in (
        Keep,
        Drop,
        Mask,
        Pseudonym,
        Surrogate,
        Generalize,
        SuppressRare,
        Scrub,
        RoundSignificant,
        TopBottomCode,
        Noise,
    )
}


def get_operator(name: str, *, column: str | None = None) -> OperatorType:
    """The operator called `name`; SpecError naming it and the known ones otherwise."""
    try:
        return OPERATORS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(OPERATORS))
        raise SpecError(f"unknown operator {name!r} (known: {known})", column=column) from None


def validation_message(error: ValidationError, where: str, *, unknown: str = "parameter") -> str:
    """'where.field: what is wrong' for each problem pydantic found, joined by '; '."""
    parts = []
    for problem in error.errors():
        path = ".".join(str(part) for part in (where, *problem["loc"]) if part != "")
        what = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            what = f"unknown {unknown}"
        parts.append(f"{path}: {what}")
    return "; ".join(parts)


def parse_params(
    name: str, raw: Mapping[str, Any] | None, *, where: str = "params", column: str | None = None
) -> OperatorParams:
    """`raw` validated by operator `name`'s parameter model; SpecError naming each bad field."""
    model = get_operator(name, column=column).params_model
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as error:
        raise SpecError(validation_message(error, where), column=column) from None


def build_operator(
    name: str, params: OperatorParams | Mapping[str, Any], context: OperatorContext | None = None
) -> Operator[Any]:
    """An operator ready to apply: `params` validated if given raw."""
    cls = get_operator(name)
    if not isinstance(params, OperatorParams):
        params = parse_params(name, params)
    return cls(params, context)
