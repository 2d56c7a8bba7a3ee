"""`lab jobs ...`: submit code to the data and follow it. Acts as LAB_TOKEN's user."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from pathlib import Path

import typer
from rich.table import Table

from lab.authz.chokepoint import Principal
from lab.cli.common import handles_errors, open_lab, principal_of, state_text
from lab.cli.output import console, id_column
from lab.cli.releases import fetch
from lab.context import Lab
from lab.runs.service import cancel_job, follow_job, job_log, job_status, list_jobs, submit_job
from lab.work.models import WorkItem
from lab.work.queue import get_item
from lab.work.statuses import WorkState, WorkStatus

app = typer.Typer(no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant the job runs for (yours).")
ZONE = typer.Option("sandbox", "--zone", help="sandbox or production.")


# How `submit --follow` ends, for scripts and CI: 0 only when the job succeeded. 1 stays
# what every command exits with when the lab refuses it (the job never ran); 2 is a
# usage error (typer's own).
EXIT_FAILED = 3
EXIT_CANCELLED = 4
EXIT_LIMIT_EXCEEDED = 5
EXIT_LEASE_EXPIRED = 6
_LIMITS = frozenset({WorkStatus.LIMIT_EXCEEDED, WorkStatus.TIMEOUT, WorkStatus.KILLED})


def exit_code(item: WorkItem) -> int:
    """The exit code that says how a job ended (listed in `submit`'s help)."""
    if item.state == WorkState.SUCCEEDED:
        return 0
    if item.state == WorkState.CANCELLED:
        return EXIT_CANCELLED
    if item.status in _LIMITS:
        return EXIT_LIMIT_EXCEEDED
    if item.status == WorkStatus.LEASE_EXPIRED:
        return EXIT_LEASE_EXPIRED
    return EXIT_FAILED


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


def _item(lab: Lab, job_id: str, tenant: str, zone: str) -> WorkItem:
    """For `outputs`, which reads through the release service once that lands."""
    with lab.read() as session:
        return get_item(session, job_id, tenant=tenant, kind="job", zone=zone)


def _show(item: WorkItem) -> None:
    console.print(f"job [bold]{item.id}[/] {item.name}: {state_text(item)} {item.message}")
    model = item.result.get("model")
    if model:  # a score job: the deployment that scored
        console.print(
            f"  model {model.get('name')} deployment {model.get('version')} "
            f"({model.get('deployment_id')}), manifest sha256 {model.get('manifest_sha256')}, "
            f"{model.get('rows')} rows on {model.get('runner')}",
            soft_wrap=True,
        )
    for name, out in item.result.get("outputs", {}).items():
        verdict = out.get("disposition") or ("released" if out.get("released") else "kept")
        console.print(f"  output {name}: {verdict}, {len(out.get('findings', []))} finding(s)")
        if out.get("reason"):
            console.print(f"    {out['reason']}", soft_wrap=True)
        for finding in out.get("findings", []):
            console.print(f"    - {finding['rule']}: {finding['message']}", soft_wrap=True)


def _follow(
    lab: Lab, principal: Principal, job_id: str, tenant: str, zone: str, run_here: bool
) -> WorkItem:
    stop = threading.Event()
    if run_here:
        from lab.work.pool import WorkerPool

        pool = WorkerPool(lab, 1)
        pool.stop = stop
        pool.start()

    def changed(item: WorkItem) -> None:
        console.print(f"{time.strftime('%H:%M:%S')} {state_text(item)}")

    try:
        return follow_job(lab, principal, job_id, tenant=tenant, zone=zone, on_status=changed)
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
    """Submit a job; it runs on a worker (or here, with --run-here).

    Exit codes with --follow or --run-here: 0 succeeded, 3 failed, 4 cancelled, 5 a
    resource limit was exceeded (memory, wall clock, CPU: status limit-exceeded, timeout or
    killed), 6 its worker died and it was not run again (lease-expired). 1: the lab refused
    the submission (nothing ran); 2: a usage error."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
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
        code = 0
        if follow or run_here:
            ended = _follow(lab, principal, item.id, tenant, zone, run_here)
            _show(ended)
            code = exit_code(ended)
    if code:
        raise typer.Exit(code)


@app.command("wait")
@handles_errors
def wait(
    job_id: str = typer.Argument(help="Job id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """Wait for a job to end, showing state changes; the exit code says how it ended.

    Exit codes: 0 succeeded, 3 failed, 4 cancelled, 5 a resource limit was exceeded, 6 its
    worker died and it was not run again (as `submit --follow`)."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        ended = _follow(lab, principal, job_id, tenant, zone, run_here=False)
    _show(ended)
    code = exit_code(ended)
    if code:
        raise typer.Exit(code)


@app.command("status")
@handles_errors
def status(
    job_id: str = typer.Argument(help="Job id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """A job's state, status and outputs with the gate's findings."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        _show(job_status(lab, principal, job_id, tenant=tenant, zone=zone))


@app.command("logs")
@handles_errors
def logs(
    job_id: str = typer.Argument(help="Job id."),
    tenant: str = TENANT,
    zone: str = ZONE,
    full: bool = typer.Option(
        False, "--full", help="The log as the job wrote it (reviewers: action `review`)."
    ),
) -> None:
    """A job's log (capped, secrets redacted; the inputs' values and personal data redacted
    unless a reviewer asks for the full log)."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        text = job_log(lab, principal, job_id, tenant=tenant, zone=zone, full=full)
    typer.echo(text or "(no log)")


# The same command as `lab releases fetch`: one adapter over `read_released_output`.
app.command("outputs")(fetch)


@app.command("cancel")
@handles_errors
def cancel_cmd(
    job_id: str = typer.Argument(help="Job id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        item = cancel_job(lab, principal, actor, job_id, tenant=tenant, zone=zone)
    console.print(f"job {job_id}: cancellation requested ({item.state})")


@app.command("list")
@handles_errors
def list_cmd(tenant: str = TENANT, zone: str = ZONE) -> None:
    """The tenant's jobs, newest first."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        items = list_jobs(lab, principal, tenant=tenant, zone=zone)
    table = Table(id_column("id"), "name", "by", "state", "status", "submitted")
    for i in items:
        table.add_row(i.id, i.name, i.submitter, i.state, i.status, f"{i.created_at:%m-%d %H:%M}")
    console.print(table)
