"""The parts of a job spec only a production scoring job has (`engine: score`).

A scoring job carries no code: it names a deployed model (`model`), the entity key of the
one dataset it scores, optionally the outcome column for bad rates, and the score bands and
approval cut-off (`score`). Its outputs are implied: `scores`, the row-level key, score and
band (highly sensitive: kept with the data owner), and `bands`, the partner's aggregates.
`runner` says where the model runs: in process over DuckDB, on Spark, or `auto` by the
input's row count (`SPARK_FROM_ROWS`).
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Runner = Literal["duckdb", "spark", "auto"]
Orientation = Literal["risk", "points"]

SCORES_OUTPUT = "scores"
BANDS_OUTPUT = "bands"
SPARK_FROM_ROWS = 5_000_000
"""`runner: auto` scores on Spark from this many input rows, in process below."""
DEFAULT_RISK_EDGES = (0.05, 0.1, 0.2, 0.3, 0.5)
DEFAULT_RISK_CUTOFF = 0.2


def score_outputs() -> dict[str, dict[str, Any]]:
    """The outputs every scoring job has, as a spec would declare them."""
    return {
        SCORES_OUTPUT: {"sensitivity": "highly_sensitive", "kind": "table"},
        BANDS_OUTPUT: {"sensitivity": "moderately_sensitive", "kind": "table"},
    }


class ModelRef(BaseModel):
    """A deployed model of the submitting tenant: its active deployment, or a numbered one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    version: int | None = Field(default=None, ge=1, description="None: the active deployment")


class ScoreSettings(BaseModel):
    """What the scoring job needs besides the model: the key, the label, the bands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=255, description="the entity key column")
    label: str | None = Field(
        default=None, min_length=1, max_length=255, description="outcome column: bad rates"
    )
    orientation: Orientation = Field(
        default="risk", description="risk: approved below the cut-off; points: at or above"
    )
    edges: list[float] | None = Field(
        default=None, min_length=1, max_length=100, description="inner band edges, increasing"
    )
    cutoff: float | None = Field(default=None, description="the approval cut-off")
    runner: Runner = "auto"

    @model_validator(mode="after")
    def _consistent(self) -> ScoreSettings:
        if self.label is not None and self.label == self.key:
            raise ValueError("label: the label column cannot be the key column")
        edges = self.edges or []
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError("edges: band edges must be strictly increasing")
        if self.orientation == "points" and (self.edges is None or self.cutoff is None):
            raise ValueError("edges and cutoff: scorecard points need their own bands")
        return self

    def band_edges(self) -> tuple[float, ...]:
        return tuple(self.edges) if self.edges is not None else DEFAULT_RISK_EDGES

    def band_cutoff(self) -> float:
        return self.cutoff if self.cutoff is not None else DEFAULT_RISK_CUTOFF
