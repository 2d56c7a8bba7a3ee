"""`lab jobs ...`: submit code to the data and follow it. Acts as LAB_TOKEN's user."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from pathlib import Path

import typer
from rich.table import Table

from lab.cli.common import authorize, console, fail, handles_errors, open_lab, principal_of
from lab.context import Lab
from lab.runs.logs import read_job_log
from lab.runs.submit import submit_job
from lab.work.models import ENDED, WorkItem
from lab.work.queue import cancel, get_item, list_items

app = typer.Typer(no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant the job runs for (yours).")
ZONE = typer.Option("sandbox", "--zone", help="sandbox or production.")


def _bundle(path: Path | None) -> bytes | None:
    if path is None:
        return None
    if path.is_file():
        return path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(path).as_posix())
    return buffer.getvalue()


def _item(lab: Lab, job_id: str, tenant: str, zone: str | None = None) -> WorkItem:
    with lab.read() as session:
        return get_item(session, job_id, tenant=tenant, kind="job", zone=zone)


def _show(item: WorkItem) -> None:
    console.print(
        f"job [bold]{item.id}[/] {item.name}: {item.state} ({item.status}) {item.message}"
    )
    for name, out in item.result.get("outputs", {}).items():
        verdict = out.get("disposition") or ("released" if out.get("released") else "kept")
        console.print(f"  output {name}: {verdict}, {len(out.get('findings', []))} finding(s)")
        if out.get("reason"):
            console.print(f"    {out['reason']}", soft_wrap=True)
        for finding in out.get("findings", []):
            console.print(f"    - {finding['rule']}: {finding['message']}", soft_wrap=True)


def _follow(lab: Lab, job_id: str, tenant: str, run_here: bool) -> WorkItem:
    stop = threading.Event()
    if run_here:
        from lab.work.pool import WorkerPool

        pool = WorkerPool(lab, 1)
        pool.stop = stop
        pool.start()
    seen = ""
    try:
        while True:
            item = _item(lab, job_id, tenant)
            if item.status != seen:
                seen = item.status
                console.print(f"{time.strftime('%H:%M:%S')} {item.state} ({item.status})")
            if item.state in ENDED:
                return item
            time.sleep(0.3)
    finally:
        stop.set()


@app.command("submit")
@handles_errors
def submit(
    spec: Path = typer.Argument(help="Job spec (YAML or JSON).", exists=True, dir_okay=False),
    bundle: Path | None = typer.Option(None, help="Code: a folder or a zip (python, spark)."),
    tenant: str = TENANT,
    zone: str = ZONE,
    follow: bool = typer.Option(False, "--follow", "-f", help="Wait and show state changes."),
    run_here: bool = typer.Option(
        False, "--run-here", help="Run it in this process (no worker needed); implies --follow."
    ),
) -> None:
    """Submit a job; it runs on a worker (or here, with --run-here)."""
    with open_lab() as lab:
        actor = authorize(lab, "submit", "jobs", tenant=tenant, zone=zone)
        principal, _ = principal_of(lab)
        item = submit_job(
            lab,
            principal,
            actor,
            tenant=tenant,
            zone=zone,
            spec_text=spec.read_text(encoding="utf-8"),
            bundle=_bundle(bundle),
        )
        console.print(f"job [bold]{item.id}[/] queued")
        if follow or run_here:
            _show(_follow(lab, item.id, tenant, run_here))


@app.command("status")
@handles_errors
def status(
    job_id: str = typer.Argument(help="Job id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """A job's state, status and outputs with the gate's findings."""
    with open_lab() as lab:
        authorize(lab, "read", f"jobs/{job_id}", tenant=tenant, zone=zone)
        _show(_item(lab, job_id, tenant, zone))


@app.command("logs")
@handles_errors
def logs(
    job_id: str = typer.Argument(help="Job id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """A job's log (capped, secrets redacted)."""
    with open_lab() as lab:
        authorize(lab, "read", f"jobs/{job_id}/logs", tenant=tenant, zone=zone)
        principal, _ = principal_of(lab)
        text = read_job_log(lab, principal, _item(lab, job_id, tenant, zone))
        typer.echo(text or "(no log)")


@app.command("outputs")
@handles_errors
def outputs(
    job_id: str = typer.Argument(help="Job id."),
    name: str = typer.Argument(help="Output name."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """A released output's rows as JSON lines (after suppression and rounding)."""
    with open_lab() as lab:
        authorize(lab, "read", f"jobs/{job_id}/outputs", tenant=tenant, zone=zone)
        entry = _item(lab, job_id, tenant, zone).result.get("outputs", {}).get(name)
        if entry is None:
            raise fail(f"job {job_id} has no output {name!r}")
        if not entry.get("released"):
            raise fail(f"output {name!r} was kept in the zone: see `lab jobs status {job_id}`")
        with lab.read() as session:
            table = lab.store.read_table(session, entry["version_id"])
        for row in table.to_pylist():
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))


@app.command("cancel")
@handles_errors
def cancel_cmd(
    job_id: str = typer.Argument(help="Job id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    with open_lab() as lab:
        actor = authorize(lab, "submit", f"jobs/{job_id}", tenant=tenant, zone=zone)
        with lab.transaction() as session:
            cancel(session, job_id, tenant=tenant)
            lab.auditor.change(
                session,
                actor,
                "job.cancel",
                f"{zone}/jobs/{job_id}",
                tenant=tenant,
                zone=zone,
                details={"job": job_id},
            )
        console.print(f"job {job_id}: cancellation requested")


@app.command("list")
@handles_errors
def list_cmd(tenant: str = TENANT, zone: str = ZONE) -> None:
    """The tenant's jobs, newest first."""
    with open_lab() as lab:
        authorize(lab, "read", "jobs", tenant=tenant, zone=zone)
        with lab.read() as session:
            items = [i for i in list_items(session, tenant=tenant, kind="job") if i.zone == zone]
    table = Table("id", "name", "by", "state", "status", "submitted")
    for i in items:
        table.add_row(i.id, i.name, i.submitter, i.state, i.status, f"{i.created_at:%m-%d %H:%M}")
    console.print(table)
