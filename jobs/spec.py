"""The job spec: what a job reads, what it runs, what it produces and what it may use.

A spec is a small YAML (or JSON) document, in the spirit of OpenSAFELY's project.yaml:

    name: merchant-water-level
    zone: sandbox
    engine: sql
    inputs:
      merchants: {dataset: merchants, version: 3}
    code:
      query: "SELECT loans, count(*) AS n FROM merchants GROUP BY loans"
    outputs:
      by_loans: {sensitivity: moderately_sensitive, kind: table}
    resources: {wall_seconds: 600, memory_mb: 2048, cpus: 1, max_rows: 1000000}

A production scoring job names a deployed model and carries no code (`jobs.score_spec`):

    name: score-merchants
    zone: production
    engine: score
    model: {name: gbm}
    inputs: {merchants: {dataset: merchants, tenant: bank}}
    score: {key: merchant_id, label: default, edges: [0.1, 0.2, 0.4], cutoff: 0.2}

Its two outputs are implied: `scores` (row-level, for the data owner) and `bands` (the
partner's aggregates).

Unknown fields are refused, not ignored; every error names the field it is about. The zone's
limits are checked separately (`check_against`), with the zone's rules passed in as values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from jobs.errors import SpecInvalid
from jobs.score_spec import ModelRef, ScoreSettings, score_outputs

Zone = Literal["sandbox", "production"]
Engine = Literal["sql", "python", "spark", "score"]
Sensitivity = Literal["highly_sensitive", "moderately_sensitive"]
OutputKind = Literal["table", "file", "metrics", "model"]

MAX_SPEC_CHARS = 256 * 1024
MAX_QUERY_CHARS = 100_000

# An input alias is the table's name in SQL and a file name in the Python workspace: a plain,
# lower-case SQL identifier, so that it means the same thing everywhere (DuckDB folds case).
Alias = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]
ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
_ENTRYPOINT = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.py$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputRef(_Strict):
    """One dataset the job reads: the submitter's own, or another tenant's under a grant."""

    dataset: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
    version: int | None = Field(default=None, ge=1, description="None: the latest version")
    tenant: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{1,39}$",
        description="the owning tenant of a granted dataset; None: the submitter's own",
    )
    columns: list[ColumnName] | None = Field(
        default=None, min_length=1, description="only these columns; None: all allowed ones"
    )

    @model_validator(mode="after")
    def _distinct_columns(self) -> InputRef:
        if self.columns is not None and len(set(self.columns)) != len(self.columns):
            raise ValueError("columns lists a column twice")
        return self


class Code(_Strict):
    """The code: a query for `sql`, an entry point in the uploaded bundle for python/spark."""

    query: str | None = Field(default=None, min_length=1, max_length=MAX_QUERY_CHARS)
    entrypoint: str | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _one_kind(self) -> Code:
        if (self.query is None) == (self.entrypoint is None):
            raise ValueError("give exactly one of query (sql) or entrypoint (python, spark)")
        if self.query is not None and not self.query.strip():
            raise ValueError("query is empty")
        if self.entrypoint is not None and (
            not _ENTRYPOINT.match(self.entrypoint) or ".." in self.entrypoint.split("/")
        ):
            raise ValueError(
                f"entrypoint {self.entrypoint!r} must be a relative path to a .py file "
                "inside the bundle (no '..', no leading '/')"
            )
        return self


class OutputSpec(_Strict):
    """One declared output. highly_sensitive never leaves the zone; moderately_sensitive may
    be released after the disclosure checks."""

    sensitivity: Sensitivity
    kind: OutputKind = "table"
    count_columns: list[ColumnName] | None = Field(
        default=None,
        description="columns holding counts of people/records, for the disclosure gate",
    )


class Resources(_Strict):
    wall_seconds: int = Field(default=600, ge=1, le=7 * 86400)
    memory_mb: int = Field(default=2048, ge=64)
    cpus: int = Field(default=1, ge=1, le=256)
    max_rows: int = Field(default=1_000_000, ge=1)


class JobSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    description: str = Field(default="", max_length=2000)
    zone: Zone
    engine: Engine
    inputs: dict[Alias, InputRef] = Field(default_factory=dict)
    code: Code | None = None
    outputs: dict[Alias, OutputSpec] = Field(default_factory=dict)
    resources: Resources = Field(default_factory=Resources)
    model: ModelRef | None = Field(default=None, description="score jobs: the deployed model")
    score: ScoreSettings | None = Field(default=None, description="score jobs: key and bands")

    @model_validator(mode="before")
    @classmethod
    def _implied_outputs(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("engine") == "score" and "outputs" not in data:
            return {**data, "outputs": score_outputs()}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> JobSpec:
        if self.engine == "score":
            self._check_score()
            return self
        if self.model is not None or self.score is not None:
            raise ValueError("model and score: only a job of engine score names a model")
        if self.code is None:
            raise ValueError(f"code: a {self.engine} job needs its code")
        if not self.outputs:
            raise ValueError("outputs: a job declares at least one output")
        if self.engine == "sql":
            if self.code.query is None:
                raise ValueError("code.query: an sql job needs a query (not an entrypoint)")
            if len(self.outputs) != 1 or next(iter(self.outputs.values())).kind != "table":
                raise ValueError("outputs: an sql job has exactly one output, of kind table")
        elif self.code.entrypoint is None:
            raise ValueError(f"code.entrypoint: a {self.engine} job needs an entrypoint")
        return self

    def _check_score(self) -> None:
        if self.code is not None:
            raise ValueError("code: a score job runs a deployed model and carries no code")
        if self.model is None:
            raise ValueError("model: a score job names its deployed model ({name, version?})")
        if self.score is None:
            raise ValueError("score: a score job names at least its key column")
        if len(self.inputs) != 1:
            raise ValueError("inputs: a score job reads exactly one dataset")
        implied = {n: (o["sensitivity"], o["kind"]) for n, o in score_outputs().items()}
        if {n: (o.sensitivity, o.kind) for n, o in self.outputs.items()} != implied:
            raise ValueError(
                "outputs: a score job's outputs are implied (scores, bands); leave them out"
            )

    @classmethod
    def from_data(cls, data: Any) -> JobSpec:
        """Validate already-parsed data; every problem is reported, each naming its field."""
        if not isinstance(data, Mapping):
            raise SpecInvalid("the job spec must be a mapping of fields (name, zone, engine, ...)")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise SpecInvalid(_describe(exc)) from None

    @classmethod
    def from_yaml(cls, text: str) -> JobSpec:
        _check_size(text)
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise SpecInvalid(f"the job spec is not valid YAML: {_yaml_problem(exc)}") from None
        return cls.from_data(data)

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        _check_size(text)
        try:
            data = json.loads(text, object_pairs_hook=_unique_pairs)
        except ValueError as exc:
            raise SpecInvalid(f"the job spec is not valid JSON: {exc}") from None
        return cls.from_data(data)


def check_against(
    spec: JobSpec,
    *,
    allowed_engines: Collection[str],
    max_wall_seconds: int,
    max_memory_mb: int,
    max_cpus: int,
) -> None:
    """Refuse a spec that the zone's rules do not allow; one message lists every problem."""
    problems: list[str] = []
    if spec.engine not in allowed_engines:
        allowed = ", ".join(sorted(allowed_engines)) or "none"
        problems.append(
            f"engine: {spec.engine} is not allowed in zone {spec.zone} (allowed: {allowed})"
        )
    res = spec.resources
    for field, asked, most in (
        ("wall_seconds", res.wall_seconds, max_wall_seconds),
        ("memory_mb", res.memory_mb, max_memory_mb),
        ("cpus", res.cpus, max_cpus),
    ):
        if asked > most:
            problems.append(
                f"resources.{field}: {asked} exceeds zone {spec.zone}'s limit of {most}"
            )
    if problems:
        raise SpecInvalid("; ".join(problems))


def _check_size(text: str) -> None:
    if len(text) > MAX_SPEC_CHARS:
        raise SpecInvalid(f"the job spec is larger than {MAX_SPEC_CHARS // 1024} KiB")


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        message = error["msg"].removeprefix("Value error, ")
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            message = (
                "is not a valid name: use a lower-case identifier "
                "(a letter or _, then letters, digits or _; at most 63 characters)"
            )
        where = ".".join(str(p) for p in loc)
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "missing":
            message = "is required"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain PyYAML silently keeps the last one)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{exc.problem or exc.context}{where}"
    return str(exc)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} is given twice")
        result[key] = value
    return result
