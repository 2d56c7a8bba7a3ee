"""`lab models ...`: the model registry from the command line. Acts as LAB_TOKEN's user.

The same service functions as the API (`lab.models.service`), so the same chokepoint and
audit apply: `list`, `show`, `versions`, `metrics`, `plots` (a plot saved with --out),
`retire` and `promote` (ask for production; see `lab promotions`).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console, id_column
from lab.cli.promotions import print_promotion
from lab.models import service
from lab.models.schemas import ModelRef, ModelVersionOut
from lab.promotions import service as promotions

app = typer.Typer(no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant that owns the model.")
ZONE = typer.Option("sandbox", "--zone", help="sandbox or production.")
NAME = typer.Argument(help="Model name (the job output it was saved as).")
VERSION = typer.Argument(help="Version number.")


def _versions_table(versions: list[ModelVersionOut]) -> Table:
    table = Table(
        "v", "status", "flavour", "features", "sha256", id_column("job"), "created", "destroy at"
    )
    for v in versions:
        table.add_row(
            str(v.version),
            v.status,
            v.flavour,
            str(len(v.input_schema)),
            v.artifact.sha256[:16],
            v.lineage.job_id,
            f"{v.created_at:%Y-%m-%d %H:%M}",
            f"{v.destroy_at:%Y-%m-%d}" if v.destroy_at else "",
        )
    return table


@app.command("list")
@handles_errors
def models_list(tenant: str = TENANT, zone: str = ZONE) -> None:
    """The tenant's models in a zone, with their newest version."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.list_models(lab, principal, tenant=tenant, zone=zone)
    table = Table("model", "versions", "latest", "flavour", "status")
    for m in found:
        latest = m.latest
        table.add_row(
            m.name,
            str(m.versions),
            str(latest.version) if latest else "",
            latest.flavour if latest else "",
            latest.status if latest else "",
        )
    console.print(table)


@app.command("versions")
@handles_errors
def models_versions(name: str = NAME, tenant: str = TENANT, zone: str = ZONE) -> None:
    """Every version of a model, oldest first."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        _, versions = service.model_versions(lab, principal, ModelRef(tenant, zone, name))
    console.print(_versions_table(versions))


@app.command("show")
@handles_errors
def models_show(
    name: str = NAME, version: int = VERSION, tenant: str = TENANT, zone: str = ZONE
) -> None:
    """A version in full: flavour, input schema, artifact, lineage, metrics and plots."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.get_version(lab, principal, ModelRef(tenant, zone, name, version))
    console.print_json(found.model_dump_json())


@app.command("retire")
@handles_errors
def models_retire(
    name: str = NAME,
    version: int = VERSION,
    reason: str = typer.Option(..., "--reason", help="Why it is retired."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Retire a version: kept and readable, no longer offered for use."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        done = service.retire_version(
            lab, principal, actor, ModelRef(tenant, zone, name, version), reason=reason
        )
    console.print(f"model {done.name} version {done.version}: {done.status}")


@app.command("metrics")
@handles_errors
def models_metrics(
    name: str = NAME, version: int = VERSION, tenant: str = TENANT, zone: str = ZONE
) -> None:
    """The metrics the training job logged."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        ref = ModelRef(tenant, zone, name, version)
        found = service.get_version(lab, principal, ref, part="metrics")
    console.print_json(json.dumps(found.metrics))


@app.command("plots")
@handles_errors
def models_plots(
    name: str = NAME,
    version: int = VERSION,
    plot: str | None = typer.Argument(None, help="A plot to save (with --out)."),
    out: Path | None = typer.Option(None, "--out", help="Where to save the plot's PNG."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """The plots of a version; with a plot name and --out, save that plot's PNG."""
    ref = ModelRef(tenant, zone, name, version)
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        if plot is None:
            for p in service.list_plots(lab, principal, ref):
                console.print(f"{p.name}{'' if p.available else ' (destroyed)'}")
            return
        content = service.plot_content(lab, principal, ref, plot)
    target = out or Path(f"{name}-v{version}-{plot}.png")
    target.write_bytes(content)
    console.print(f"saved {plot} ({len(content)} bytes) to {target}")


@app.command("promote")
@handles_errors
def models_promote(
    name: str = NAME,
    version: int = VERSION,
    dataset_tenant: str = typer.Option(
        ..., "--dataset-tenant", help="The tenant that owns the production dataset."
    ),
    dataset: str = typer.Option(..., "--dataset", help="The production dataset it will score."),
    dataset_version: int | None = typer.Option(
        None, "--dataset-version", help="Its version; the newest ready one if omitted."
    ),
    purpose: str = typer.Option(..., "--purpose", "-p", help="Why it must run in production."),
    tenant: str = TENANT,
    zone: str = ZONE,
) -> None:
    """Ask for a version to run in production. The gates (metrics against the production
    zone's thresholds, schema compatibility with the dataset, artifact checks) run now: a
    failure is refused with every reason; else the request waits for compliance."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        asked = promotions.request_promotion(
            lab,
            principal,
            actor,
            tenant=tenant,
            zone=zone,
            name=name,
            version=version,
            dataset_tenant=dataset_tenant,
            dataset=dataset,
            dataset_version=dataset_version,
            purpose=purpose,
        )
    print_promotion(asked)
