"""What the worker hands its scoring child, and what the child hands back, as JSON.

The request travels on the child's standard input (it holds the lab's settings and so the
master key: never a file, never the environment); the answer is `answer.json` in the job's
private workspace, beside the row-level scores and the band counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

ANSWER = "answer.json"
SCORES = "scores.parquet"
COUNTS = "counts.arrow"
SPARK_INPUT = "input.parquet"


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    settings: dict[str, Any]
    job_id: str
    submitter: str
    tenant: str  # the submitting tenant: the deployment is its own
    model: str
    model_version: int | None
    dataset_tenant: str
    dataset: str
    version_id: str
    columns: list[str] | None  # the projection the spec asked for, if any
    key: str
    label: str | None
    edges: list[float]
    cutoff: float
    orientation: str
    runner: str  # duckdb or spark (auto was decided by the worker)
    spark_master: str
    folder: str  # the job's private folder for the child's files

    @property
    def out(self) -> Path:
        return Path(self.folder)


class ScoreAnswer(BaseModel):
    """Success (`refused` None) with the lineage of the model that scored, or a refusal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    refused: str | None = None
    invalid: str | None = None
    rows: int = 0
    runner: str = ""
    deployment: dict[str, Any] = {}
