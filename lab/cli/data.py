"""`lab datasets|zones|receipts ...`: data, its rules, its end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console, err_console
from lab.cli.times import time_option
from lab.datasets.schemas import Origin, VersionRef
from lab.datasets.service import (
    destroy_dataset_version,
    list_datasets,
    place_hold,
    release_hold,
)
from lab.retention.receipts import list_receipts
from lab.zones.files import parse_zone_file
from lab.zones.service import change_zone_rules, list_zones, zone_history, zone_rules

datasets = typer.Typer(no_args_is_help=True)
zones = typer.Typer(no_args_is_help=True)

TENANT = typer.Option(..., "--tenant", help="Owning tenant.")
ZONE = typer.Option("sandbox", "--zone", help="sandbox or production.")


def _size(n: int | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


@datasets.command("list")
@handles_errors
def datasets_list(
    tenant: str = TENANT,
    zone: str = ZONE,
    name: str | None = typer.Option(None, help="Only this dataset."),
    destroyed: bool = typer.Option(False, "--destroyed", help="Include destroyed versions."),
    columns: bool = typer.Option(False, "--columns", help="Show each version's columns too."),
    outputs: bool = typer.Option(
        False, "--outputs", help="What jobs wrote instead (job-<id>-<output>, release-<id>)."
    ),
    every: bool = typer.Option(False, "--all", help="Imported data and job outputs."),
) -> None:
    """Dataset versions with size, retention and hold (--columns: schema and classes).

    Imported data only, unless --outputs or --all (or --name) asks for what jobs wrote."""
    origin: Origin = "all" if every or name else "jobs" if outputs else "data"
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = list_datasets(
            lab,
            principal,
            tenant=tenant,
            zone=zone,
            name=name,
            include_destroyed=destroyed,
            origin=origin,
        )
    table = Table("dataset", "v", "state", "rows", "size", "destroy at", "hold")
    for v in found:
        destroy_at = f"{v.destroy_at:%Y-%m-%d}" if v.destroy_at else ""
        held = "held" if v.legal_hold else ""
        table.add_row(
            v.name,
            str(v.version),
            v.state,
            str(v.row_count or 0),
            _size(v.byte_size),
            destroy_at,
            held,
        )
    console.print(table)
    if columns:
        for v in found:
            schema = Table("column", "type", "class", title=f"{v.name} v{v.version} ({v.id})")
            for c in v.columns:
                schema.add_row(c["name"], c["type"], c["classification"])
            console.print(schema)


@datasets.command("destroy")
@handles_errors
def datasets_destroy(
    name: str = typer.Argument(help="Dataset name."),
    version: int = typer.Argument(help="Version number."),
    reason: str = typer.Option(..., help="Why it is destroyed now (goes into the receipt)."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Destroy a version now: files removed, key destroyed, receipt written."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        done = destroy_dataset_version(
            lab, principal, actor, VersionRef(tenant, zone, name, version), reason=reason
        )
    if done.receipt is None:
        console.print(f"version {version} of {name} was already destroyed")
    else:
        console.print(
            f"destroyed version {version} of {name}; receipt at sequence {done.receipt.seq}"
        )


def _hold(name: str, version: int, tenant: str, zone: str, reason: str, held: bool) -> None:
    change = place_hold if held else release_hold
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        change(lab, principal, actor, VersionRef(tenant, zone, name, version), reason=reason)
    console.print(f"legal hold {'placed on' if held else 'lifted from'} {name} v{version}")


@datasets.command("hold")
@handles_errors
def datasets_hold(
    name: str = typer.Argument(help="Dataset name."),
    version: int = typer.Argument(help="Version number."),
    reason: str = typer.Option(..., help="Case or matter reference."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Place a legal hold: the version is not destroyed while it holds."""
    _hold(name, version, tenant, zone, reason, True)


@datasets.command("unhold")
@handles_errors
def datasets_unhold(
    name: str = typer.Argument(help="Dataset name."),
    version: int = typer.Argument(help="Version number."),
    reason: str = typer.Option(..., help="Why the hold ends."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Lift a legal hold: the version is destroyed on schedule again."""
    _hold(name, version, tenant, zone, reason, False)


@datasets.command("release", hidden=True, deprecated=True)
@handles_errors
def datasets_release(
    name: str = typer.Argument(help="Dataset name."),
    version: int = typer.Argument(help="Version number."),
    reason: str = typer.Option(..., help="Why the hold ends."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Deprecated name of `lab datasets unhold` (releasing is what outputs do)."""
    err_console.print("`lab datasets release` is now `lab datasets unhold`; use that name")
    _hold(name, version, tenant, zone, reason, False)


def receipts(
    tenant: str | None = typer.Option(None, help="Only this tenant."),
    since: datetime | None = time_option("From this time."),
    limit: int = typer.Option(50, help="How many."),
) -> None:
    """Destruction receipts: what was destroyed, when, why, by whom."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = list_receipts(lab, principal, tenant=tenant, since=since, limit=limit)
    table = Table("seq", "when", "outcome", "tenant", "what", "why", "by")
    for e in found:
        table.add_row(
            str(e.seq),
            f"{e.time:%Y-%m-%d %H:%M}",
            e.outcome,
            e.tenant or "",
            e.resource.split("/", 1)[-1],
            str(e.details.get("why", "")),
            e.actor,
        )
    console.print(table)


@zones.command("list")
@handles_errors
def zones_list() -> None:
    """Zones and the version of their rules in force."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        rows = list_zones(lab, principal)
    table = Table("zone", "version", "since", "source", "by")
    for r in rows:
        table.add_row(
            r.zone, str(r.version), f"{r.effective_from:%Y-%m-%d %H:%M}", r.source, r.actor
        )
    console.print(table)


@zones.command("show")
@handles_errors
def zones_show(
    zone: str = typer.Argument(help="Zone name."),
    at: datetime | None = time_option("The rules that held at this time."),
) -> None:
    """A zone's rules, now or at a past time."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        row = zone_rules(lab, principal, zone, at=at)
    console.print(
        f"zone {row.zone} version {row.version} since {row.effective_from:%Y-%m-%d %H:%M:%S}"
    )
    console.print_json(row.rules)


@zones.command("history")
@handles_errors
def zones_history(zone: str = typer.Argument(help="Zone name.")) -> None:
    """Every version of a zone's rules."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        rows = zone_history(lab, principal, zone)
    table = Table("version", "since", "source", "by", "comment")
    for r in rows:
        table.add_row(
            str(r.version), f"{r.effective_from:%Y-%m-%d %H:%M:%S}", r.source, r.actor, r.comment
        )
    console.print(table)


@zones.command("set")
@handles_errors
def zones_set(
    file: Path = typer.Argument(
        help="A zone definition (YAML), validated like zones/*.yaml.", exists=True
    ),
    comment: str = typer.Option("", help="Why the rules change."),
) -> None:
    """Make a definition file the zone's rules in force (a new version)."""
    rules = parse_zone_file(file)
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        row = change_zone_rules(
            lab, principal, actor, rules.name, rules, comment=comment, source="cli"
        )
    console.print(f"zone {rules.name} is at version {row.version}")
