"""An import's re-identification risk: measured on the output batches, judged by the zone's
rule (connectors.risk), with a recommended spec when over the limit.

The estimate of a write is worked out once every batch is out, while the residual scan
finishes its last batches and its comparison in the pipeline's thread (ImportRun's
`on_produced`): the two are the work left after the last batch, and they overlap.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.errors import SinglePassMissed
from connectors.pipeline import Keys, run_import
from connectors.report import ImportPlan
from connectors.risk.candidates import plan_exclusions
from connectors.risk.estimate import Measured, RiskEstimator, RiskReport
from connectors.risk.recommend import Recommendation, recommend
from connectors.risk.verdict import judge
from connectors.sources.base import Source
from lab.zones.rules import Reidentification

Judged = tuple[RiskReport, Recommendation | None]


def measure_plan(
    source: Source, plan: ImportPlan, keys: Keys, on_rows: Callable[[int], None] | None
) -> tuple[RiskReport, Measured]:
    """The risk of `plan`'s output, measured by running it without writing anything."""
    try:
        return _measured(source, plan, keys, on_rows, single_pass=True)
    except SinglePassMissed:
        return _measured(source, plan, keys, on_rows, single_pass=False)


def _measured(
    source: Source,
    plan: ImportPlan,
    keys: Keys,
    on_rows: Callable[[int], None] | None,
    *,
    single_pass: bool,
) -> tuple[RiskReport, Measured]:
    """One run of `plan` into an estimator, measured while the residual scan finishes."""
    estimator = RiskEstimator(plan_exclusions(plan))
    measured: list[tuple[RiskReport, Measured]] = []
    with run_import(
        source,
        plan,
        keys,
        progress=on_rows,
        single_pass=single_pass,
        on_produced=lambda: measured.append(estimator.result()),
    ) as run:
        for batch in run:
            estimator.update(batch)
    return measured[0] if measured else estimator.result()


class WriteRisk:
    """The re-identification risk of one write: `estimator` sees the batches as the writer
    takes them, `judge` is called once every batch is out (ImportRun's `on_produced`, beside
    the residual scan's last work), `result` gives what it found (judging then if not yet)."""

    def __init__(self, plan: ImportPlan, rule: Reidentification, zone: str) -> None:
        self.plan, self.rule, self.zone = plan, rule, zone
        self.estimator = RiskEstimator(plan_exclusions(plan))
        self._judged: Judged | None = None

    def judge(self) -> None:
        self._judged = judge_risk(self.estimator.result(), self.plan, self.rule, self.zone)

    def result(self) -> Judged:
        if self._judged is None:
            self.judge()
        assert self._judged is not None
        return self._judged


def judge_risk(
    measured: tuple[RiskReport, Measured], plan: ImportPlan, rule: Reidentification, zone: str
) -> Judged:
    """The report with the zone's verdict and, when over the limit, a recommended spec."""
    report, sample = measured
    rec = None
    if report.unique_share > rule.max_unique_share:
        rec = recommend(sample, plan, rule.max_unique_share, unique_share=report.unique_share)
        report.recommendation = rec.to_dict()
    report.verdict = judge(
        report, rec, zone=zone, max_unique_share=rule.max_unique_share, action=rule.action
    )
    return report, rec
