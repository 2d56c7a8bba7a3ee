"""One monitoring run of a deployment, from start to its recorded and audited end.

A run loads the model only through `load_deployed` (a changed artifact or manifest is
refused there, and audited), builds or reads the deployment's baseline, scores the newest
ready version of the deployment's production dataset (its owner's) batch by batch and
compares it with the baseline (`jobs.models.monitoring.monitor`) under the production
zone's `monitoring` thresholds. The outcome column is the model's target, when the
production data have it: records with an outcome give AUC and KS, records without one are
scored and profiled only.

Every run ends in its row and in the audit trail (`model.monitoring.run`), succeeded with
its status or failed with a message safe to show; a status other than the one of the
deployment's previous successful run (a failed run has none) is audited as
`model.monitoring.status` with from, to and reasons; the first run's `from` is null.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from jobs.models.monitoring import MonitoringInputError, MonitoringResult, Thresholds, monitor
from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, NotFound
from lab.models.deployed import LoadedModel, load_deployed
from lab.models.models import ModelVersion
from lab.monitoring.baseline import ensure_baseline, scored
from lab.monitoring.models import FAILED, RUNNING, SUCCEEDED, MonitoringRun
from lab.monitoring.plot_gate import PlotGate, gate_plots
from lab.promotions.models import ACTIVE, PRODUCTION, Deployment
from lab.runs.artifacts import store_files
from lab.storage import VersionInfo, find_version
from lab.work.worker import safe_message
from lab.zones.registry import rules_at
from lab.zones.rules import ZoneRules

ACTOR = Actor("system:monitoring")
PLOTS = ("psi", "score_distribution")


class RunFailed(Exception):
    """A run ended failed; it is recorded and audited already. `message` is safe to show."""

    def __init__(self, run_id: str, message: str) -> None:
        super().__init__(message)
        self.run_id, self.message = run_id, message


def new_run(
    session: Session,
    deployment: Deployment,
    *,
    trigger: str,
    requested_by: str,
    state: str,
    work_item_id: str | None = None,
) -> MonitoringRun:
    """A run row of `deployment`, in the caller's transaction."""
    run = MonitoringRun(
        id=secrets.token_hex(8),
        deployment_id=deployment.id,
        tenant=deployment.tenant,
        name=deployment.name,
        deployment_version=deployment.version,
        trigger=trigger,
        requested_by=requested_by,
        work_item_id=work_item_id,
        state=state,
        reasons=[],
        features=[],
        plots=[],
        message="",
        created_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


def execute(lab: Lab, run_id: str) -> MonitoringRun:
    """Do the run `run_id`; the ended row. RunFailed (recorded, audited) when it fails."""
    with lab.transaction() as session:
        run = session.get(MonitoringRun, run_id)
        if run is None:
            raise NotFound(f"no monitoring run {run_id!r}")
        if run.state in (SUCCEEDED, FAILED):  # its work item ran again after it ended
            session.expunge(run)
            return run
        deployment = session.get(Deployment, run.deployment_id)
        if deployment is None:
            raise NotFound(f"no deployment {run.deployment_id!r}")
        run.state, run.started_at = RUNNING, utcnow()
        session.expunge(deployment)
    try:
        return _monitor(lab, run_id, deployment)
    except Exception as exc:
        message = safe_message(Conflict(str(exc)) if isinstance(exc, MonitoringInputError) else exc)
        _record_failure(lab, run_id, deployment, message)
        raise RunFailed(run_id, message) from exc


def _monitor(lab: Lab, run_id: str, deployment: Deployment) -> MonitoringRun:
    if deployment.status != ACTIVE:  # rolled back or retired since the run was asked for
        raise Conflict(f"deployment {deployment.version} of {deployment.name!r} is "
                       f"{deployment.status}: only the active one is monitored")  # fmt: skip
    with lab.read() as session:
        zone_rules = rules_at(session, deployment.zone)
    rules = zone_rules.monitoring
    thresholds = Thresholds.from_mapping(rules.model_dump())
    loaded = load_deployed(
        lab, ACTOR, tenant=deployment.tenant, name=deployment.name, version=deployment.version
    )
    baseline = ensure_baseline(lab, ACTOR, loaded, k=rules.min_bin_records)
    production, label = _production(lab, deployment, loaded)
    features = [f["name"] for f in loaded.input_schema]
    with lab.read() as session:
        dataset = lab.store.dataset(session, production.id)
    batches = dataset.to_batches(columns=features + ([label] if label else []))
    result = monitor(
        baseline.profile,
        scored(iter(batches), loaded.scorer, baseline.score_column),
        thresholds,
        label_column=label,
    )
    plots = gate_plots(result, thresholds, zone_rules)
    stored = _store_plots(lab, run_id, deployment, plots)
    return _record_success(lab, run_id, deployment, result, production, stored, plots, zone_rules)


def _store_plots(
    lab: Lab, run_id: str, deployment: Deployment, plots: list[PlotGate]
) -> str | None:
    """The drawn plots, each with the gated table it was drawn from, as files of one
    version in the production zone; None when every plot was withheld."""
    files: dict[str, bytes] = {}
    for plot in plots:
        if plot.png is not None and plot.gate.table is not None:
            files[f"{plot.name}.png"] = plot.png
            rows = plot.gate.table.to_pylist()
            files[f"{plot.name}.json"] = json.dumps(rows, sort_keys=True).encode()
    if not files:
        return None
    stored = store_files(
        lab,
        ACTOR,
        tenant=deployment.tenant,
        zone=PRODUCTION,
        dataset=f"monitoring.{deployment.name}"[:200],
        files=files,
        kind="job_output",
        lineage={"monitoring_run": run_id, "deployment": deployment.id},
    )
    return stored.id


def _production(
    lab: Lab, deployment: Deployment, loaded: LoadedModel
) -> tuple[VersionInfo, str | None]:
    """The newest ready version of the deployment's production dataset, and the outcome
    column it has (the model's target), if any."""
    with lab.read() as session:
        version = find_version(
            session,
            tenant=deployment.dataset_tenant,
            zone=PRODUCTION,
            name=deployment.dataset_name,
        )
        model_version = session.get(ModelVersion, loaded.model_version_id)
        target = model_version.target if model_version is not None else None
    names = {c["name"] for c in version.columns}
    features = [f["name"] for f in loaded.input_schema]
    missing = [f for f in features if f not in names]
    if missing:
        raise Conflict(
            f"the production dataset {version.name!r} v{version.version} lacks the "
            f"feature(s) {', '.join(missing)}"
        )
    label = target if target and target in names and target not in features else None
    return version, label


def _previous_status(session: Session, run: MonitoringRun) -> str | None:
    return session.scalar(
        sa.select(MonitoringRun.status)
        .where(
            MonitoringRun.deployment_id == run.deployment_id,
            MonitoringRun.state == SUCCEEDED,
            MonitoringRun.id != run.id,
        )
        .order_by(MonitoringRun.finished_at.desc())
        .limit(1)
    )


def _reason(reason: Any) -> dict[str, Any]:
    return {**asdict(reason), "message": reason.message}


def _record_success(
    lab: Lab,
    run_id: str,
    deployment: Deployment,
    result: MonitoringResult,
    production: VersionInfo,
    plots_version_id: str | None,
    plots: list[PlotGate],
    zone_rules: ZoneRules,
) -> MonitoringRun:
    resource = _resource(deployment)
    with lab.transaction() as session:
        run = session.get(MonitoringRun, run_id)
        assert run is not None  # created before the run started
        previous = _previous_status(session, run)
        run.state, run.status, run.finished_at = SUCCEEDED, result.status, utcnow()
        run.reasons = [_reason(r) for r in result.reasons]
        run.features = [{"name": d.name, "psi": d.psi} for d in result.features]
        run.score_psi = result.score.psi if result.score is not None else None
        run.auc, run.ks = result.auc, result.ks
        run.records, run.labelled = result.records, result.labelled
        run.dataset_tenant, run.dataset_name = production.tenant, production.name
        run.dataset_version, run.dataset_version_id = production.version, production.id
        run.plots_version_id = plots_version_id
        run.plots = [p.name for p in plots if p.drawn]
        run.plot_gate = [p.entry(zone_rules) for p in plots]
        session.flush()
        for plot in plots:
            _audit_gate(lab, session, run, deployment, plot)
        facts = {
            "run": run.id,
            "deployment": deployment.id,
            "trigger": run.trigger,
            "status": result.status,
            "dataset_version": f"{production.name} v{production.version}",
            "records": result.records,
            "labelled": result.labelled,
        }
        lab.auditor.change(
            session, ACTOR, AuditAction.MONITORING_RUN, resource,
            tenant=deployment.tenant, zone=PRODUCTION, details=facts,
        )  # fmt: skip
        if previous != result.status:
            lab.auditor.change(
                session,
                ACTOR,
                AuditAction.MONITORING_STATUS,
                resource,
                tenant=deployment.tenant,
                zone=PRODUCTION,
                outcome=result.status,
                details={
                    "run": run.id,
                    "deployment": deployment.id,
                    "from": previous,
                    "to": result.status,
                    "reasons": [r.message for r in result.reasons][:20],
                },
            )
        session.expunge(run)
        return run


def _audit_gate(
    lab: Lab, session: Session, run: MonitoringRun, deployment: Deployment, plot: PlotGate
) -> None:
    """The gate's decision on one plot, audited as every output's is (`output.gate`)."""
    lab.auditor.record(
        session,
        actor=ACTOR.name,
        action=AuditAction.OUTPUT_GATE,
        resource=f"{_resource(deployment)}/monitoring/runs/{run.id}/plots/{plot.name}",
        tenant=deployment.tenant,
        zone=PRODUCTION,
        decision="allow" if plot.drawn else "deny",
        outcome="drawn" if plot.drawn else "withheld",
        details={
            "run": run.id,
            "deployment": deployment.id,
            "output": plot.name,
            "disposition": "drawn" if plot.drawn else "withheld",
            "lineage": plot.gate.lineage,
            "findings": len(plot.gate.findings),
            "rules": sorted({f.rule for f in plot.gate.findings}),
            "dataset_version": run.plots_version_id if plot.drawn else None,
        },
    )


def _record_failure(lab: Lab, run_id: str, deployment: Deployment, message: str) -> None:
    with lab.transaction() as session:
        run = session.get(MonitoringRun, run_id)
        if run is not None:
            run.state, run.message, run.finished_at = FAILED, message[:2000], utcnow()
        lab.auditor.change(
            session,
            ACTOR,
            AuditAction.MONITORING_RUN,
            _resource(deployment),
            tenant=deployment.tenant,
            zone=PRODUCTION,
            outcome="failed",
            details={"run": run_id, "deployment": deployment.id, "error": message[:300]},
        )


def _resource(deployment: Deployment) -> str:
    return f"{PRODUCTION}/deployments/{deployment.name}/versions/{deployment.version}"
