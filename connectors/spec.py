"""The import spec: what to read, how much of it, and how to desensitize it (YAML or JSON).

    source: {kind: csv, path: merchants.csv, encoding: auto}   # options of the source kind
    sample: {n: 5000, seed: 7}              # or {fraction: 0.1}, optionally stratify_by: col
    columns:                                # overrides; every other column gets its default
      手机号: {operator: mask, params: {keep_last: 4}}
      city: {classification: quasi_identifier}
    quasi_identifiers: [birth_date, city]   # else: the columns classified quasi_identifier
    k: 10                                   # else the zone's k; never below it
    k_strategy: generalize_then_suppress    # | suppress | refuse
    max_suppressed_share: 0.05              # refuse rather than suppress more rows than this
    suppression_tolerance: 0.01             # suppress up to 1% before generalizing (default 0)
    free_text: scrub_or_drop                # | drop | keep_scrubbed
    entity_key: merchant_id                 # the column that identifies a person or business

`free_text`: scrub_or_drop scrubs free text and drops a column where PII may remain (in the
sample, or found by the residual scan after the run); drop drops free text; keep_scrubbed
keeps cells the scrubber was unsure of, but the residual scan still fails the import if
the written column is not clean (connectors.residual).

Operators are named, never sent: an unknown operator or parameter is an error naming it.
Columns are checked against the source's schema by `check_columns` (the spec alone does
not know them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from connectors.errors import SpecError
from connectors.kanon import Strategy
from connectors.operators.base import OperatorParams
from connectors.operators.registry import OPERATORS, parse_params, validation_message
from connectors.sources import SOURCES, spec_keys

Classification = Literal["identifier", "quasi_identifier", "sensitive", "plain"]
FreeTextPolicy = Literal["scrub_or_drop", "drop", "keep_scrubbed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    """A source kind and its options, passed as they are to connectors.sources.open_source."""

    kind: str
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flat_options(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            flat = {k: v for k, v in data.items() if k not in ("kind", "options")}
            if flat:
                return {"kind": data.get("kind"), "options": {**data.get("options", {}), **flat}}
        return data

    @model_validator(mode="after")
    def _known(self) -> SourceSpec:
        if self.kind not in SOURCES:
            raise ValueError(f"unknown source kind {self.kind!r} (known: {sorted(SOURCES)})")
        required, optional = spec_keys(self.kind)
        unknown = sorted(set(self.options) - set(required) - set(optional))
        if unknown:
            raise ValueError(f"unknown option(s) {unknown} for a {self.kind} source")
        return self

    def as_mapping(self) -> dict[str, Any]:
        """The form connectors.sources.open_source takes."""
        return {"kind": self.kind, **self.options}


class SampleSpec(_Strict):
    n: int | None = Field(default=None, ge=1)
    fraction: float | None = Field(default=None, gt=0, le=1)
    stratify_by: str | None = None
    seed: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_size(self) -> SampleSpec:
        if (self.n is None) == (self.fraction is None):
            raise ValueError("give either n or fraction")
        return self


class ColumnSpec(_Strict):
    operator: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    classification: Classification | None = None

    @field_validator("operator")
    @classmethod
    def _known_operator(cls, name: str | None) -> str | None:
        if name is not None and name not in OPERATORS:
            raise ValueError(f"unknown operator {name!r} (known: {', '.join(sorted(OPERATORS))})")
        return name

    @model_validator(mode="after")
    def _params_need_operator(self) -> ColumnSpec:
        if self.params and self.operator is None:
            raise ValueError("params given without an operator")
        if self.operator is None and self.classification is None:
            raise ValueError("give an operator, a classification or both")
        return self


class ImportSpec(_Strict):
    source: SourceSpec
    sample: SampleSpec | None = None
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    quasi_identifiers: list[str] | None = None
    k: int | None = Field(default=None, ge=2, le=1000)
    k_strategy: Strategy = "generalize_then_suppress"
    free_text: FreeTextPolicy = "scrub_or_drop"
    max_suppressed_share: float = Field(default=0.05, ge=0, le=1)
    max_generalization_steps: int = Field(default=4, ge=0, le=16)
    suppression_tolerance: float = Field(default=0.0, ge=0, le=1)
    scan_rows: int = Field(default=500, ge=10, le=100_000)
    entity_key: str | None = Field(default=None, min_length=1)
    """The column that identifies a person or business (a merchant seen in 40 rows is one
    entity): the lab counts distinct entities by it before letting an aggregate out, and
    treats its values as identifiers in outputs. Kept in the dataset version's lineage."""

    @model_validator(mode="after")
    def _tolerance_within_limit(self) -> ImportSpec:
        if self.suppression_tolerance > self.max_suppressed_share:
            raise ValueError("suppression_tolerance cannot exceed max_suppressed_share")
        return self

    @classmethod
    def parse(cls, data: Any) -> ImportSpec:
        """A spec from a mapping; SpecError naming every bad field."""
        if not isinstance(data, Mapping):
            raise SpecError("an import spec is a mapping (YAML or JSON object)")
        try:
            spec = cls.model_validate(data)
        except ValidationError as error:
            message = validation_message(error, "", unknown="field")
            raise SpecError(f"invalid import spec: {message}") from None
        spec.operator_params()  # every override's parameters, validated now
        return spec

    @classmethod
    def from_yaml(cls, text: str) -> ImportSpec:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise SpecError(f"the import spec is not valid YAML: {error}") from None
        return cls.parse(data)

    @classmethod
    def from_json(cls, text: str) -> ImportSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecError(f"the import spec is not valid JSON: {error}") from None
        return cls.parse(data)

    def operator_params(self) -> dict[str, OperatorParams]:
        """The validated parameters of every column whose operator the spec names."""
        parsed: dict[str, OperatorParams] = {}
        for column, override in self.columns.items():
            if override.operator is None:
                continue
            try:
                parsed[column] = parse_params(
                    override.operator, override.params, where=f"columns.{column}.params"
                )
            except SpecError as error:
                raise SpecError(f"invalid import spec: {error}", column=column) from None
        return parsed

    def check_columns(self, columns: Sequence[str]) -> None:
        """SpecError naming each column the spec refers to that the source does not have."""
        known = set(columns)
        named = [("columns", c) for c in self.columns]
        named += [("quasi_identifiers", c) for c in self.quasi_identifiers or []]
        if self.sample and self.sample.stratify_by:
            named.append(("sample.stratify_by", self.sample.stratify_by))
        if self.entity_key is not None:
            named.append(("entity_key", self.entity_key))
        for field, column in named:
            if column not in known:
                raise SpecError(f"{field}: the source has no column {column!r}", column=column)

    def effective_k(self, zone_k: int) -> int:
        """The spec's k, or the zone's; a spec may raise k, never lower it below the zone's."""
        if self.k is not None and self.k < zone_k:
            raise SpecError(f"k: {self.k} is below the zone's minimum k of {zone_k}")
        return self.k if self.k is not None else zone_k
