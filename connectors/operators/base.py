"""What every desensitization operator is: a named, parameterised, vectorized column transform.

An operator never receives code from a user: the spec names it and gives its parameters, which
its pydantic model validates (unknown parameters are refused). Keys are not parameters: they
reach the operator through an `OperatorContext` given by the pipeline, so they never appear
in a spec, a plan or a report. An operator that must see the whole column before changing
any of it (value counts, say) declares `observes` and is shown every batch in the
pipeline's first pass (`observe`), before its first `apply`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from connectors.pii.known_names import KnownNames

KeyName = Literal["pseudonym", "surrogate"]


class OperatorParams(BaseModel):
    """Base of every operator's parameters: frozen, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(OperatorParams):
    """For operators that take no parameters."""


@dataclass(frozen=True)
class OperatorContext:
    """What the pipeline gives an operator besides its parameters: the tenant's keys, the
    zone's k and, optionally, value counts computed elsewhere (instead of `observe`) and the
    personal names known from the import's name columns (for `scrub`)."""

    pseudonym_key: bytes = field(default=b"", repr=False)
    surrogate_key: bytes = field(default=b"", repr=False)
    k: int = 2
    counts: Mapping[Any, int] | None = field(default=None, repr=False)
    known_names: KnownNames | None = field(default=None, repr=False, compare=False)


P = TypeVar("P", bound=OperatorParams)


class Operator(ABC, Generic[P]):
    """One column in, one column out (same length, nulls stay null unless stated).

    Class attributes a subclass sets:
    - `name`: the name the spec uses; `params_model`: its parameters' model;
    - `observes`: it must (or, for `surrogate`, should) see the column first (`observe`);
    - `observes_unsampled`: an observing operator shown every row read, not only the
      sample's (a surrogate must avoid every real value of the file, not just the
      sampled ones);
    - `single_pass`: an observing operator that can also see each batch just before
      transforming it, and tell afterwards whether that gave what two passes would
      (`observed_consistently`);
    - `key`: which of the tenant's keys it uses, if any;
    - `drops_column`: the column does not reach the output at all;
    - `passes_values`: some input values reach the output as they are (keep, scrub's text
      around its placeholders, suppress_rare's common values): the residual scan reads such
      a column's cells piece by piece and runs the recognizers over them.
    """

    name: ClassVar[str]
    params_model: ClassVar[type[OperatorParams]] = NoParams
    observes: ClassVar[bool] = False
    observes_unsampled: ClassVar[bool] = False
    single_pass: ClassVar[bool] = True
    key: ClassVar[KeyName | None] = None
    drops_column: ClassVar[bool] = False
    passes_values: ClassVar[bool] = False

    def __init__(self, params: P, context: OperatorContext | None = None) -> None:
        self.params = params
        self.context = context or OperatorContext()
        self.stats: dict[str, int] = {}
        if self.key is not None:
            key = self.key_bytes()
            if len(key) < 16:
                raise ValueError(f"operator {self.name!r} needs the tenant's {self.key} key")

    def key_bytes(self) -> bytes:
        if self.key == "pseudonym":
            return self.context.pseudonym_key
        if self.key == "surrogate":
            return self.context.surrogate_key
        return b""

    def observe(self, values: pa.Array) -> None:
        """Sees one batch of the column in the first pass (for operators that `observe`)."""

    def observed_consistently(self) -> bool:
        """After a single pass (observe, then apply, batch by batch): whether every value it
        gave is the one it would have given after observing the whole column first."""
        return True

    @abstractmethod
    def apply(self, values: pa.Array) -> pa.Array:
        """The transformed column, same length as `values`."""

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        """The type `apply` returns for a column of `input_type`."""
        return self.apply(pa.array([], type=input_type)).type

    @classmethod
    def check_type(cls, input_type: pa.DataType, params: OperatorParams) -> str | None:
        """Why this operator cannot transform a column of `input_type`, or None if it can."""
        return None

    def coarser(self) -> OperatorParams | None:
        """The parameters one generalization level coarser, or None at the top of the
        hierarchy."""
        return None

    def nests_on_output(self) -> bool:
        """True when the coarser level is computed from this level's output rather than
        from the raw values (cheaper: outputs are few distinct values)."""
        return False

    def label(self) -> str:
        """A short description of operator and parameters, for reports (no keys, no values)."""
        shown = ", ".join(
            f"{name}={value}"
            for name, value in self.params.model_dump(mode="json", exclude_defaults=True).items()
        )
        return f"{self.name}({shown})"

    def count(self, stat: str, amount: int) -> None:
        """Adds to one of the counters the pipeline copies into its report."""
        if amount:
            self.stats[stat] = self.stats.get(stat, 0) + amount
