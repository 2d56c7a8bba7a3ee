"""`lab audit ...`: verify the chain, read and export events, publish the public key."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import typer
from cryptography.hazmat.primitives import serialization
from rich.table import Table

from audit import Checkpoint, EventFilter, verify, write_csv, write_jsonl
from lab.cli.common import authorize, fail, handles_errors, open_lab
from lab.cli.output import console
from lab.cli.times import time_option
from lab.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)
PAGE = 1000


@app.command("verify")
@handles_errors
def verify_cmd(
    checkpoint: list[Path] = typer.Option(
        [], "--checkpoint", help="A checkpoint exported earlier (JSON); repeatable.", exists=True
    ),
) -> None:
    """Recompute the hash chain and check signed checkpoints. Exit 2 if it is broken."""
    trusted = [Checkpoint.from_dict(json.loads(p.read_text())) for p in checkpoint]
    with open_lab() as lab:
        authorize(lab, "verify", "audit")
        with lab.read() as session:
            report = verify(session.connection(), lab.audit_public_key, trusted=trusted)
    if report.ok:
        console.print(
            f"[bold green]audit chain intact[/]: {report.events_checked} events, "
            f"{report.checkpoints_checked} signed checkpoints"
        )
        return
    console.print(
        f"[bold red]audit chain BROKEN[/] at sequence {report.first_bad_seq}: {report.problem}"
    )
    raise typer.Exit(2)


def _filter(
    tenant: str | None,
    actor: str | None,
    action: str | None,
    decision: str | None,
    since: datetime | None,
    until: datetime | None,
) -> EventFilter:
    try:
        return EventFilter(
            tenant=tenant, actor=actor, action=action, decision=decision, since=since, until=until
        )
    except ValueError as exc:  # the filter names what is wrong with which value
        raise InvalidInput(str(exc)) from None


@app.command("events")
@handles_errors
def events(
    tenant: str | None = typer.Option(None, help="Only this tenant."),
    actor: str | None = typer.Option(None, help="Only this actor."),
    action: str | None = typer.Option(None, help="Exact action, or a prefix with *: token.*"),
    decision: str | None = typer.Option(None, help="allow or deny."),
    since: datetime | None = time_option("From this time."),
    until: datetime | None = time_option("Until this time."),
    after: int | None = typer.Option(
        None, help="Oldest first, starting after this sequence number (0: the first event)."
    ),
    before: int | None = typer.Option(
        None, help="Newest first, starting before this sequence number (the next page)."
    ),
    limit: int = typer.Option(50, help="How many events."),
) -> None:
    """Show audit events as a table: the newest first, unless --after pages forward."""
    if after is not None and before is not None:
        raise InvalidInput("give --after (oldest first) or --before (newest first), not both")
    with open_lab() as lab:
        authorize(lab, "read", "audit/events", tenant=tenant or "*")
        flt = _filter(tenant, actor, action, decision, since, until)
        with lab.read() as session:
            conn = session.connection()
            if after is None:
                found = lab.audit_log.latest(conn, flt, before_seq=before, limit=limit)
            else:
                found = lab.audit_log.query(conn, flt, after_seq=after, limit=limit)
    table = Table("seq", "time", "actor", "tenant", "action", "resource", "decision", "outcome")
    for e in found:
        table.add_row(
            str(e.seq),
            f"{e.time:%Y-%m-%d %H:%M:%S}",
            e.actor,
            e.tenant or "",
            e.action,
            e.resource,
            e.decision or "",
            e.outcome,
        )
    console.print(table)


@app.command("export")
@handles_errors
def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File [default: stdout]."),
    tenant: str | None = typer.Option(None, help="Only this tenant."),
    actor: str | None = typer.Option(None, help="Only this actor."),
    action: str | None = typer.Option(None, help="Exact action, or a prefix with *."),
    decision: str | None = typer.Option(None, help="allow or deny."),
    since: datetime | None = time_option("From this time."),
    until: datetime | None = time_option("Until this time."),
) -> None:
    """Export events as JSON lines or CSV."""
    if fmt not in ("jsonl", "csv"):
        raise fail("--format must be jsonl or csv")
    with open_lab() as lab:
        authorize(lab, "export", "audit/events", tenant=tenant or "*")
        flt = _filter(tenant, actor, action, decision, since, until)
        handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        count, after = 0, 0
        try:
            while True:
                with lab.read() as session:
                    page = lab.audit_log.query(
                        session.connection(), flt, after_seq=after, limit=PAGE
                    )
                if fmt == "csv":
                    count += write_csv(page, handle, header=count == 0)
                else:
                    count += write_jsonl(page, handle)
                if len(page) < PAGE:
                    break
                after = page[-1].seq
        finally:
            if output:
                handle.close()
    if output:
        console.print(f"{count} events written to {output}")


@app.command("public-key")
@handles_errors
def public_key() -> None:
    """Print the Ed25519 public key (PEM) that verifies checkpoint signatures."""
    with open_lab() as lab:
        authorize(lab, "read", "audit/public-key")
        pem = lab.audit_public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    typer.echo(pem.decode("ascii"), nl=False)


@app.command("checkpoint")
@handles_errors
def checkpoint(
    output: Path | None = typer.Option(None, "--output", "-o", help="Also save it here (JSON)."),
) -> None:
    """Sign a checkpoint of the current head now; keep the file to detect truncation later."""
    with open_lab() as lab:
        authorize(lab, "verify", "audit")
        with lab.transaction() as session:
            made = lab.audit_log.checkpoint(session.connection())
    if made is None:
        raise fail("the audit log is empty; nothing to sign")
    text = json.dumps(made.to_dict(), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    console.print(
        f"checkpoint at sequence {made.seq} signed" + (f", saved to {output}" if output else "")
    )
