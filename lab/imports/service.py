"""Imports: submitted under policy, run on a worker (or in the CLI), written encrypted.

An import is a work item like a job. Its upload waits in the item's private workspace,
which is destroyed when the import ends, however it ends; a failed import writes no
dataset version (the storage commits a version only once completely written).

Every import's output is measured for re-identification risk (connectors.risk) on its way
to storage: the batches the writer takes pass through a `RiskEstimator` (lab.imports.risk,
judged once the last batch is out, while the residual scan finishes), and the report
gains a `reidentification` section judged by the zone's rule. A zone whose rule
generalizes or refuses is judged before writing, by a run that writes nothing, so a refused
import leaves no version and a generalized one is written once, with the recommended
operators.

`submit_import`, `list_imports` and `show_import` are the one front door of each action
for the API and the CLI: each passes the chokepoint first, then looks items up by id,
tenant, kind and zone, so an allowance in one zone never shows an item of another (the
CLI's copies once listed every zone after authorizing the sandbox, and read an import
before authorizing it).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from connectors.errors import ConnectorError, FreeTextUnclean, SinglePassMissed, SpecError
from connectors.pipeline import Keys, plan_import, run_import
from connectors.report import ColumnPlan, ImportPlan, drop_columns
from connectors.risk.replan import apply_columns
from connectors.risk.verdict import refusal
from connectors.sources import open_source
from connectors.spec import ImportSpec
from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.datasets.service import write_dataset
from lab.errors import InvalidInput
from lab.imports.risk import Judged, WriteRisk, judge_risk, measure_plan
from lab.keys.pseudonyms import pseudonym_key, surrogate_key
from lab.storage import VersionInfo
from lab.storage.layout import check_dataset_name
from lab.work.folders import item_workspace
from lab.work.models import ENDED, WorkItem
from lab.work.queue import get_item, list_items, new_item_id, submit
from lab.work.statuses import WorkStatus
from lab.work.worker import Outcome, WorkContext, WorkFailed
from lab.zones.registry import rules_at

FILE_KINDS = frozenset({"csv", "parquet", "jsonl"})
API_KINDS = FILE_KINDS | {"synthetic"}
UPLOAD_DIR = "upload"
KIND = "import"
MAX_SPEC_BYTES = 256 * 1024
POLL_SECONDS = 0.3


def parse_import_spec(text: str) -> ImportSpec:
    try:
        if text.lstrip().startswith("{"):
            return ImportSpec.from_json(text)
        return ImportSpec.from_yaml(text)
    except ConnectorError as exc:
        raise InvalidInput(exc.message, field="spec") from None


def submit_import(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    name: str,
    spec_text: str,
    upload: tuple[str, BinaryIO] | None = None,
    local_files: bool = False,
) -> WorkItem:
    """Queue an import, if the principal may import into the zone's datasets."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.IMPORT,
        "datasets",
        tenant=tenant,
        zone=zone,
        request_id=actor.request_id,
    )
    return queue_import(
        lab,
        principal,
        actor,
        tenant=tenant,
        zone=zone,
        name=name,
        spec_text=spec_text,
        upload=upload,
        local_files=local_files,
    )


def list_imports(
    lab: Lab, principal: Principal, *, tenant: str, zone: str, request_id: str | None = None
) -> list[WorkItem]:
    """The tenant's imports into `zone`, newest first; never another zone's."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.READ,
        "imports",
        tenant=tenant,
        zone=zone,
        request_id=request_id,
    )
    with lab.read() as session:
        return list_items(session, tenant=tenant, kind=KIND, zone=zone)


def show_import(
    lab: Lab,
    principal: Principal,
    import_id: str,
    *,
    tenant: str,
    zone: str,
    request_id: str | None = None,
) -> WorkItem:
    """One import with its report: authorized for its zone before anything is read."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.READ,
        f"imports/{import_id}",
        tenant=tenant,
        zone=zone,
        request_id=request_id,
    )
    with lab.read() as session:
        return get_item(session, import_id, tenant=tenant, kind=KIND, zone=zone)


def follow_import(
    lab: Lab,
    principal: Principal,
    import_id: str,
    *,
    tenant: str,
    zone: str,
    on_progress: Callable[[WorkItem], None],
    request_id: str | None = None,
) -> WorkItem:
    """Wait for an import to end, whichever worker runs it (this process's, or a server's
    that claimed it first), calling `on_progress` at each look. Authorized once, like one
    `show_import`: waiting for the answer is not a new question."""
    item = show_import(lab, principal, import_id, tenant=tenant, zone=zone, request_id=request_id)
    while True:
        on_progress(item)
        if item.state in ENDED:
            return item
        time.sleep(POLL_SECONDS)
        with lab.read() as session:
            item = get_item(session, import_id, tenant=tenant, kind=KIND, zone=zone)


def queue_import(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    name: str,
    spec_text: str,
    upload: tuple[str, BinaryIO] | None = None,
    local_files: bool = False,
) -> WorkItem:
    """Queue an import for a caller already allowed to (`submit_import` checks that).

    Through the API, file sources come only as uploads (a path on the lab's machine is
    refused) and SQL sources not at all; the local CLI may name files."""
    if len(spec_text) > MAX_SPEC_BYTES:
        raise InvalidInput("the import spec is larger than 256 KiB", field="spec")
    spec = parse_import_spec(spec_text)
    check_dataset_name(name)
    kind = spec.source.kind
    if not local_files:
        if kind not in API_KINDS:
            raise InvalidInput(f"a {kind} source is not accepted here: upload a file instead")
        if "path" in spec.source.options:
            raise InvalidInput("file paths are not accepted here: upload the file instead")
        if kind in FILE_KINDS and upload is None:
            raise InvalidInput(f"a {kind} import needs its file uploaded")
    source = spec.source.as_mapping()
    size = 0
    item_id = new_item_id()
    if upload is not None:
        # Copied before the item exists, outside any transaction: an upload of gigabytes
        # must not hold the metastore's write lock (SQLite) while it is written to disk.
        filename = _safe_filename(upload[0])
        folder = item_workspace(lab.settings, item_id) / UPLOAD_DIR
        folder.mkdir(parents=True, mode=0o700)
        try:
            size = _copy_capped(upload[1], folder / filename, lab.settings.max_upload_bytes)
        except BaseException:
            shutil.rmtree(folder.parent, ignore_errors=True)
            raise
        source["path"] = f"{UPLOAD_DIR}/{filename}"
        source["_uploaded"] = True
    try:
        with lab.transaction() as session:  # short: the item and its audit event
            item = submit(
                session,
                kind=KIND,
                tenant=tenant,
                zone=zone,
                name=name,
                submitter=principal.user,
                spec={"import": spec.model_dump(mode="json"), "source": source},
                item_id=item_id,
            )
            lab.auditor.change(
                session,
                actor,
                AuditAction.IMPORT_SUBMIT,
                f"{zone}/imports/{item.id}",
                tenant=tenant,
                zone=zone,
                details={
                    "import": item.id,
                    "dataset": name,
                    "source": kind,
                    "bytes": size if upload else None,
                },
            )
    except BaseException:
        shutil.rmtree(item_workspace(lab.settings, item_id), ignore_errors=True)
        raise
    return item


def _safe_filename(given: str) -> str:
    """The uploaded file's name as a plain name in the workspace (its suffix tells the
    format to people reading the report); anything else becomes `upload`."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", PurePath(given).name)
    return name if name.strip("._") else "upload"


def _copy_capped(stream: BinaryIO, target: Path, limit: int) -> int:
    """Copy an upload into the import's private workspace in chunks, at most `limit` bytes."""
    copied = 0
    with target.open("wb") as out:
        while chunk := stream.read(1 << 20):
            copied += len(chunk)
            if copied > limit:
                raise InvalidInput(f"the upload is larger than {limit} bytes", field="data")
            out.write(chunk)
    if copied == 0:
        raise InvalidInput("the uploaded file is empty", field="data")
    return copied


def _production_plan(plan: ImportPlan) -> ImportPlan:
    """A data owner's full data: identifiers pseudonymized with the owner's key (so promoted
    models join), free text scrubbed, every other column kept; no sample, no suppression."""
    why = "production import: identifiers pseudonymized with the owner's key, the rest kept"
    columns = []
    for column in plan.columns:
        if column.free_text:
            columns.append(column)
            continue
        operator = "pseudonym" if column.classification == "identifier" else "keep"
        columns.append(
            dataclasses.replace(
                column,
                operator=operator,
                params={},
                chosen="override",
                reason=why,
                quasi_identifier=False,
            )
        )
    return dataclasses.replace(plan, columns=tuple(columns), quasi_identifiers=(), sample=None)


def execute_import(
    lab: Lab, item: WorkItem, workspace: Path, on_rows: Callable[[int], None] | None = None
) -> dict[str, Any]:
    spec = ImportSpec.parse(item.spec["import"])
    source_spec = {k: v for k, v in item.spec["source"].items() if k != "_uploaded"}
    if item.spec["source"].get("_uploaded"):
        source_spec["path"] = str(workspace / source_spec["path"])
    with lab.read() as session:
        rules = rules_at(session, item.zone)
    with lab.transaction() as session:
        keys = Keys(
            pseudonym=pseudonym_key(session, lab.master_key, item.tenant),
            surrogate=surrogate_key(session, lab.master_key, item.tenant),
        )
    source = open_source(source_spec)
    plan = plan_import(source, spec, k=rules.k_anonymity)
    if rules.data == "full":
        plan = _production_plan(plan)
    if spec.entity_key is not None and spec.entity_key not in plan.output_columns:
        raise SpecError(
            f"entity_key: column {spec.entity_key!r} is dropped by the import; keep it "
            "(a pseudonym counts entities as well as the raw value)",
            column=spec.entity_key,
        )

    rule = rules.reidentification
    before: dict[str, Any] | None = None
    if rule.action != "warn":
        # Judged before anything is written: a refused import leaves no version at all, a
        # generalized one writes once, with the recommended operators.
        try:
            measured_before = measure_plan(source, plan, keys, on_rows)
        except FreeTextUnclean as unclean:
            plan = drop_columns(plan, unclean.columns)
            measured_before = measure_plan(source, plan, keys, on_rows)
        first, rec = judge_risk(measured_before, plan, rule, item.zone)
        if first.verdict["over_limit"]:
            if rule.action == "refuse":
                raise refusal(first, rec, zone=item.zone, max_unique_share=rule.max_unique_share)
            if rec is not None and rec.spec:
                plan = apply_columns(
                    plan,
                    rec.spec["columns"],
                    source.schema(),
                    why=f"re-identification: recommended by the {item.zone} zone's rule",
                )
                before = first.to_dict()

    def write(plan: ImportPlan, single_pass: bool) -> tuple[VersionInfo, dict[str, Any], Judged]:
        classes = {c.column: c.classification for c in plan.columns if c.operator != "drop"}
        lineage = {"import": item.id, "source": plan.source, "plan": _plan_summary(plan)}
        if spec.entity_key is not None:
            lineage["entity_key"] = spec.entity_key
        risk = WriteRisk(plan, rule, item.zone)
        # `with`: a failed or cancelled write also stops the pipeline's read-ahead threads.
        # The risk is judged once every batch is out, while the residual scan finishes.
        with run_import(
            source, plan, keys, progress=on_rows, single_pass=single_pass, on_produced=risk.judge
        ) as run:
            written = write_dataset(
                lab,
                Actor(item.submitter),
                tenant=item.tenant,
                zone=item.zone,
                name=item.name,
                batches=risk.estimator.observe(run),
                schema=run.schema,
                classifications=classes,
                lineage=lineage,
            )
            return written, run.report.to_dict(), risk.result()

    def attempt(plan: ImportPlan) -> tuple[VersionInfo, dict[str, Any], Judged]:
        # One pass when the plan allows it. If its bet on k-anonymity is lost, the version it
        # was writing is discarded uncommitted (no dataset appears) and two passes follow.
        try:
            return write(plan, single_pass=True)
        except SinglePassMissed:
            return write(plan, single_pass=False)

    # The residual scan fails the run when PII is left (nothing is committed); free-text
    # columns it may drop instead (connectors.residual) are dropped, and the import runs again.
    try:
        info, report, (risk, _) = attempt(plan)
    except FreeTextUnclean as unclean:
        plan = drop_columns(plan, unclean.columns)
        info, report, (risk, _) = attempt(plan)
    report["reidentification"] = {
        **risk.to_dict(),
        "before": before,
        "applied": before is not None,
    }
    with lab.transaction() as session:
        lab.auditor.change(
            session,
            Actor(item.submitter),
            AuditAction.IMPORT_FINISH,
            f"{item.zone}/datasets/{item.name}/versions/{info.version}",
            tenant=item.tenant,
            zone=item.zone,
            details={
                "import": item.id,
                "version_id": info.id,
                "rows_in": report["rows_in"],
                "rows_out": report["rows_out"],
                "k": report["k_anonymity"].get("k"),
                "unique_share": risk.unique_share,
                "reidentification_action": rule.action if risk.verdict["over_limit"] else None,
            },
        )
    return {
        "dataset": item.name,
        "version": info.version,
        "version_id": info.id,
        "plan": plan.to_dict(),
        "report": report,
    }


def _plan_summary(plan: ImportPlan) -> dict[str, Any]:
    def one(c: ColumnPlan) -> dict[str, Any]:
        return {"class": c.classification, "entity": c.entity, "operator": c.operator}

    return {"k": plan.k, "columns": {c.column: one(c) for c in plan.columns}}


def run_import_item(
    lab: Lab, ctx: WorkContext, on_rows: Callable[[int], None] | None = None
) -> Outcome:
    """The worker's handler for imports: errors name the row or column and write nothing."""

    def progress(rows: int) -> None:
        ctx.progress(rows, "importing")
        if on_rows is not None:
            on_rows(rows)
        if ctx.cancelled():
            raise WorkFailed(
                WorkStatus.CANCELLED, f"cancelled after {rows} rows; nothing was written"
            )

    try:
        result = execute_import(lab, ctx.item, ctx.workspace, progress)
    except ConnectorError as exc:
        raise WorkFailed(WorkStatus.INVALID_INPUT, exc.message) from None
    report = result["report"]
    message = f"{report['rows_in']} rows read, {report['rows_out']} written"
    return Outcome(WorkStatus.SUCCEEDED, message, result)
