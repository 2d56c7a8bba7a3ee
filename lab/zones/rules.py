"""The schema every zone definition must satisfy. Unknown fields are refused, not ignored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FileType = Literal["csv", "parquet", "png", "json", "txt", "pdf"]
Engine = Literal["sql", "python", "spark", "score"]
Holds = Literal["desensitized", "full"]
"""What a zone's data is: desensitized samples, or the owner's full data (see `data`)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retention(_Strict):
    """Days an item is kept before it is destroyed; 0 for workspaces: at job end."""

    dataset_days: int = Field(ge=1, le=3650)
    job_output_days: int = Field(ge=1, le=3650)
    model_days: int = Field(ge=1, le=3650)
    workspace_days: int = Field(default=0, ge=0, le=30)


class Disclosure(_Strict):
    """What an output must satisfy before it may leave the zone."""

    min_cell_count: int = Field(default=10, ge=1)
    rounding: int = Field(default=5, ge=1)
    allowed_file_types: list[FileType] = Field(min_length=1)
    max_file_bytes: int = Field(ge=1, le=1 << 31)
    max_rows: int = Field(ge=1)
    identifier_columns_allowed: bool = False
    release_approvals: int = Field(default=1, ge=1, le=5)


class Resources(_Strict):
    max_wall_seconds: int = Field(ge=1, le=7 * 86400)
    max_memory_mb: int = Field(ge=64)
    max_cpus: int = Field(ge=1)
    max_processes: int = Field(default=64, ge=1)


class Egress(_Strict):
    row_level: Literal["none", "owner"] = Field(
        description="none: no row-level output leaves; owner: only to the data owner's datasets"
    )
    aggregates: Literal["release_request", "auto", "none"] = Field(
        default="release_request",
        description="release_request: every output leaves through a reviewed release "
        "request; auto: SQL outputs the gate proved aggregate leave without review, the rest "
        "through a request; none: nothing leaves",
    )


class Reidentification(_Strict):
    """How many records of an import's output may be unique on their candidate
    quasi-identifiers (connectors.risk), and what an import over that does: `warn` (it
    succeeds, its report says so and recommends a spec), `generalize` (it applies the
    recommended spec) or `refuse` (it fails and writes nothing)."""

    max_unique_share: float = Field(default=0.05, ge=0, le=1)
    action: Literal["warn", "generalize", "refuse"] = "warn"


class Monitoring(_Strict):
    """Effect monitoring of the zone's deployed models: how often a run happens, and the
    thresholds of its status (jobs.models.monitoring.status). PSI at or above `psi_alert`
    is an alert, at or above `psi_warning` a warning; once outcomes are known, an AUC below
    `min_auc` is an alert, an AUC more than `max_auc_drop` below the training AUC or a KS
    below `min_ks` a warning. The baseline profile keeps no bin of fewer than
    `min_bin_records` training records.

    `psi_warning` must be below `psi_alert`; JSON Schema cannot say so, so the check is not
    a validator of this model (an API body that fits the schema is not refused as
    malformed) but `inconsistencies`, which zone files and rule changes both pass."""

    interval_hours: int = Field(default=24, ge=1, le=24 * 31)
    psi_warning: float = Field(default=0.1, gt=0, le=10)
    psi_alert: float = Field(default=0.25, gt=0, le=10)
    min_auc: float = Field(default=0.6, ge=0, le=1)
    max_auc_drop: float = Field(default=0.05, ge=0, le=1)
    min_ks: float = Field(default=0.2, ge=0, le=1)
    min_bin_records: int = Field(default=10, ge=1, le=100_000)


class Promotion(_Strict):
    """What a model version must show before it may run in the zone, and who decides.

    Thresholds are read from the version's registered metrics (`<model>_<metric>` as
    `labjob.validate_binary` writes them, or plain `<metric>`); a threshold set to null is
    not checked, a metric that is missing fails its gate. `min_leaf_records` is the k of
    the artifact checks (no tree leaf or scorecard bin built from fewer training records).
    `approvals` distinct compliance officers, none of them the requester, must approve."""

    min_auc: float | None = Field(default=0.6, ge=0, le=1)
    min_ks: float | None = Field(default=0.2, ge=0, le=1)
    max_psi: float | None = Field(default=0.25, ge=0)
    min_leaf_records: int = Field(default=10, ge=1, le=100_000)
    approvals: int = Field(default=1, ge=1, le=5)


class ZoneRules(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    description: str = Field(default="", max_length=2000)
    data: Holds = Field(
        default="full",
        description="What the zone holds. `desensitized`: samples whose PII was masked on "
        "the way in; a job's results belong to the tenant that ran it. `full`: the data's "
        "owner's full data, kept as imported; a job's results, logs and models belong to "
        "the data's owner, gate findings never quote a value, and plots leave only through "
        "a release request. Unset, a zone is taken to hold full data.",
    )
    retention: Retention
    k_anonymity: int = Field(default=5, ge=2, le=1000)
    reidentification: Reidentification = Field(default_factory=Reidentification)
    disclosure: Disclosure
    engines: list[Engine] = Field(min_length=1, json_schema_extra={"uniqueItems": True})
    resources: Resources
    egress: Egress
    monitoring: Monitoring = Field(default_factory=Monitoring)
    promotion: Promotion = Field(default_factory=Promotion)

    @model_validator(mode="after")
    def _no_duplicates(self) -> ZoneRules:
        if len(set(self.engines)) != len(self.engines):
            raise ValueError("engines lists an engine twice")
        return self


def inconsistencies(rules: ZoneRules) -> list[str]:
    """What is wrong across fields of valid `rules`, as `field: problem` (empty: nothing)."""
    problems = []
    if rules.monitoring.psi_warning >= rules.monitoring.psi_alert:
        problems.append("monitoring.psi_warning: must be below monitoring.psi_alert")
    return problems
