"""`lab releases ...`: the airlock from the command line. Acts as LAB_TOKEN's user.

An engineer asks for outputs of a finished job to leave the zone (`request`), a reviewer
(a compliance officer or output checker, never the author) decides (`approve`, `reject`,
`return`), and once released anyone of the tenant fetches the exact released bytes
(`fetch`). Every command goes through the same service functions as the API, so the same
chokepoint, rules and audit events apply.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from lab.cli.common import fail, handles_errors, open_lab, principal_of
from lab.cli.output import console, id_column
from lab.releases import service
from lab.releases.content import csv_rows
from lab.releases.schemas import ReleasedOutput, ReleaseOut

app = typer.Typer(no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant whose job made the outputs (yours).")
ZONE = typer.Option("sandbox", "--zone", help="sandbox or production.")
COMMENT = typer.Option(..., "--comment", "-m", help="Required: what you checked and concluded.")
RELEASE_ID = typer.Argument(help="Release request id.")


def _print(request: ReleaseOut) -> None:
    console.print(
        f"release [bold]{request.id}[/] {request.tenant}/{request.zone} job {request.job_id} "
        f"outputs {', '.join(request.outputs)}: [bold]{request.state}[/] "
        f"({request.approvals}/{request.required_approvals} approvals), by {request.requester}"
    )
    for name, file in request.files.items():
        console.print(
            f"  {name}: {file['file_name']} {file['bytes']} bytes sha256 {file['sha256']}"
        )


@app.command("request")
@handles_errors
def request_cmd(
    job_id: str = typer.Argument(help="A finished job of your tenant."),
    outputs: list[str] = typer.Argument(help="Outputs the gate sent to review."),
    purpose: str = typer.Option(..., "--purpose", "-p", help="Why they must leave the zone."),
    resubmits: str | None = typer.Option(
        None, "--resubmits", help="Your returned request that this one answers."
    ),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Ask for outputs of a job to leave the zone; they wait for the zone's approvals."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        made = service.request_release(
            lab,
            principal,
            actor,
            tenant=tenant,
            zone=zone,
            job_id=job_id,
            outputs=outputs,
            purpose=purpose,
            resubmits=resubmits,
        )
        _print(made)


@app.command("list")
@handles_errors
def list_cmd(
    tenant: str | None = typer.Option(
        None, "--tenant", help="One tenant's requests; omit for the reviewers' queue."
    ),
    zone: str = ZONE,
    state: str | None = typer.Option(None, "--state", help="e.g. pending; all if omitted."),
) -> None:
    """Release requests, newest first: a tenant's, or every tenant's for reviewers."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.list_releases(lab, principal, zone=zone, tenant=tenant, state=state)
    table = Table(
        id_column("id"), "tenant", id_column("job"), "outputs", "by", "state", "approvals", "asked"
    )
    for r in found:
        table.add_row(
            r.id,
            r.tenant,
            r.job_id,
            ", ".join(r.outputs),
            r.requester,
            r.state,
            f"{r.approvals}/{r.required_approvals}",
            f"{r.created_at:%m-%d %H:%M}",
        )
    console.print(table)


@app.command("show")
@handles_errors
def show(
    release_id: str = RELEASE_ID,
    zone: str = ZONE,
    content: bool = typer.Option(
        False, "--content", help="Reviewers: also the outputs as they would leave."
    ),
) -> None:
    """A request: purpose, findings with reasons, the job's code and inputs, reviews."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        view = service.get_release(lab, principal, release_id, zone=zone)
        shown = service.release_content(lab, principal, release_id, zone=zone) if content else []
    _print(view)
    console.print(f"  purpose: {view.purpose}", soft_wrap=True)
    console.print(f"  job {view.job.name} ({view.job.engine}) by {view.job.submitter}")
    console.print(f"  code: {json.dumps(view.job.code, ensure_ascii=False)}", soft_wrap=True)
    console.print(f"  inputs: {json.dumps(view.job.inputs, ensure_ascii=False)}", soft_wrap=True)
    for name, entry in view.findings.items():
        console.print(
            f"  output {name}: {entry.get('disposition')} ({entry.get('lineage', '?')}): "
            f"{entry.get('reason', '')}",
            soft_wrap=True,
        )
        for finding in entry.get("findings", []):
            console.print(f"    - {finding.get('rule')}: {finding.get('message')}", soft_wrap=True)
    for review in view.reviews:
        console.print(f"  {review.decision} by {review.reviewer}: {review.comment}", soft_wrap=True)
    for item in shown:
        console.print(f"  content {item.output}: {item.file_name} {item.bytes} bytes {item.sha256}")
        for row in item.rows or []:
            typer.echo("    " + json.dumps(row, ensure_ascii=False, default=str))


def _decide(release_id: str, zone: str, decision: str, comment: str) -> None:
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        decided = service.review_release(
            lab, principal, actor, release_id, zone=zone, decision=decision, comment=comment
        )
        _print(decided)


@app.command("approve")
@handles_errors
def approve(release_id: str = RELEASE_ID, zone: str = ZONE, comment: str = COMMENT) -> None:
    """Approve (reviewers; never the author). At the zone's count the outputs are released."""
    _decide(release_id, zone, "approve", comment)


@app.command("reject")
@handles_errors
def reject(release_id: str = RELEASE_ID, zone: str = ZONE, comment: str = COMMENT) -> None:
    """Reject for good (reviewers): nothing leaves."""
    _decide(release_id, zone, "reject", comment)


@app.command("return")
@handles_errors
def return_cmd(release_id: str = RELEASE_ID, zone: str = ZONE, comment: str = COMMENT) -> None:
    """Return for changes (reviewers): the author may file a new request with --resubmits."""
    _decide(release_id, zone, "return", comment)


@app.command("publish")
@handles_errors
def publish_cmd(release_id: str = RELEASE_ID, zone: str = ZONE) -> None:
    """Reviewers: finish publishing an approved request the lab could not publish at once."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        _print(service.publish_release(lab, principal, actor, release_id, zone=zone))


@app.command("withdraw")
@handles_errors
def withdraw(release_id: str = RELEASE_ID, zone: str = ZONE) -> None:
    """Take back your own pending request."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        _print(service.withdraw_release(lab, principal, actor, release_id, zone=zone))


@app.command("fetch")
@handles_errors
def fetch(
    job_id: str = typer.Argument(help="Job id."),
    output: str = typer.Argument(help="Output name."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the released bytes here (a table as its CSV)."
    ),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """A released output: its exact bytes to --out; else a table's rows as JSON lines, a text
    file (metrics, a JSON report) as it is."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        released = service.read_released_output(
            lab, principal, tenant=tenant, zone=zone, job_id=job_id, output=output
        )
    emit(released, out)


TEXT_TYPES = frozenset({"application/json", "text/csv", "text/plain"})


def _text(released: ReleasedOutput) -> str | None:
    """A text file's content (a metrics output, a JSON report), or None for binary bytes."""
    if released.content_type not in TEXT_TYPES:
        return None
    try:
        return released.content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def emit(released: ReleasedOutput, out: Path | None) -> None:
    """Write the bytes to `out`, or print a table's rows or a text file (metrics, JSON);
    a binary file (a plot) needs `out`."""
    if out is not None:
        out.write_bytes(released.content)
        console.print(
            f"{released.file_name}: {len(released.content)} bytes written to {out}, "
            f"sha256 {released.sha256} (release {released.release_id})",
            soft_wrap=True,
        )
        return
    if not released.table:
        text = _text(released)
        if text is None:
            raise fail(f"output {released.output!r} is a file ({released.file_name}): use --out")
        typer.echo(text, nl=not text.endswith("\n"))  # metrics, a JSON report: as written
        return
    for row in csv_rows(released.content)[1]:
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))
