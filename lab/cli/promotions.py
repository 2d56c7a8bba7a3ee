"""`lab promotions ...` and `lab deployments ...`: promotion from the command line. Acts
as LAB_TOKEN's user.

An engineer asks with `lab models promote`; compliance officers (never the requester)
decide with `lab promotions approve|reject|return`; at the zone's number of approvals the
manifest is signed and the model deployed. The requester may take back a pending request
with `lab promotions withdraw`. The model's tenant owner rolls a deployment back or retires
it with `lab deployments rollback|retire`. The same service functions as the API, so the
same chokepoint, rules and audit events apply.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console, id_column
from lab.promotions import deployments as deployed
from lab.promotions import service
from lab.promotions.schemas import DeploymentOut, PromotionOut

promotions = typer.Typer(no_args_is_help=True)
deployments = typer.Typer(no_args_is_help=True)
PROMOTION_ID = typer.Argument(help="Promotion request id.")
COMMENT = typer.Option(
    ..., "--comment", "-m", help="Required: what you checked; for a reject, why."
)
TENANT = typer.Option(..., "--tenant", help="The tenant that owns the model.")
NAME = typer.Argument(help="Model name.")
REASON = typer.Option(..., "--reason", help="Why, for the audit trail.")


def print_promotion(p: PromotionOut) -> None:
    console.print(
        f"promotion [bold]{p.id}[/] {p.tenant} {p.model_zone}/{p.model_name} v{p.model_version}"
        f" -> production {p.dataset_tenant}/{p.dataset} v{p.dataset_version}: "
        f"[bold]{p.state}[/] ({p.approvals}/{p.required_approvals} approvals), by {p.requester}"
    )
    for gate in p.gates:
        mark = "pass" if gate.passed else "FAIL"
        console.print(f"  {mark} {gate.gate}: {gate.detail}", soft_wrap=True)
    for review in p.reviews:
        console.print(f"  {review.decision} by {review.reviewer}: {review.comment}", soft_wrap=True)
    if p.deployment_id:
        console.print(f"  deployed as {p.deployment_id}")


def _print_deployment(d: DeploymentOut) -> None:
    console.print(
        f"deployment [bold]{d.name}[/] v{d.version} of {d.tenant}: [bold]{d.status}[/] "
        f"({d.flavour}, from promotion {d.request_id}, key {(d.key_id or '')[:16]})"
    )


@promotions.command("list")
@handles_errors
def list_cmd(
    tenant: str | None = typer.Option(
        None, "--tenant", help="One tenant's requests; omit for the reviewers' queue."
    ),
    state: str | None = typer.Option(None, "--state", help="e.g. pending; all if omitted."),
) -> None:
    """Promotion requests, newest first: a tenant's, or every tenant's for reviewers."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.list_promotions(lab, principal, tenant=tenant, state=state)
    table = Table(
        id_column("id"), "tenant", "model", "dataset", "by", "state", "approvals", "gates"
    )
    for p in found:
        table.add_row(
            p.id,
            p.tenant,
            f"{p.model_name} v{p.model_version}",
            f"{p.dataset_tenant}/{p.dataset}",
            p.requester,
            p.state,
            f"{p.approvals}/{p.required_approvals}",
            "passed" if all(g.passed for g in p.gates) else "failed",
        )
    console.print(table)


@promotions.command("show")
@handles_errors
def show(promotion_id: str = PROMOTION_ID) -> None:
    """A request: model version, target dataset, gates with their details, reviews."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        print_promotion(service.get_promotion(lab, principal, promotion_id))


def _decide(promotion_id: str, decision: str, comment: str) -> None:
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        decided = service.review_promotion(
            lab, principal, actor, promotion_id, decision=decision, comment=comment
        )
    print_promotion(decided)


@promotions.command("approve")
@handles_errors
def approve(promotion_id: str = PROMOTION_ID, comment: str = COMMENT) -> None:
    """Approve (compliance; never the requester). At the zone's count: signed, deployed."""
    _decide(promotion_id, "approve", comment)


@promotions.command("reject")
@handles_errors
def reject(promotion_id: str = PROMOTION_ID, comment: str = COMMENT) -> None:
    """Reject for good, with the reasons in the comment."""
    _decide(promotion_id, "reject", comment)


@promotions.command("return")
@handles_errors
def return_cmd(promotion_id: str = PROMOTION_ID, comment: str = COMMENT) -> None:
    """Return for changes: the requester may ask again."""
    _decide(promotion_id, "return", comment)


@promotions.command("withdraw")
@handles_errors
def withdraw(promotion_id: str = PROMOTION_ID) -> None:
    """Take back your own pending request; the version may be asked for again."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        print_promotion(service.withdraw_promotion(lab, principal, actor, promotion_id))


@deployments.command("list")
@handles_errors
def deployments_list(tenant: str = TENANT) -> None:
    """The tenant's deployed models in production, with their status."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = deployed.list_deployments(lab, principal, tenant=tenant)
    table = Table("model", "v", "status", "flavour", "promotion", "dataset", "activated")
    for d in found:
        table.add_row(
            d.name,
            str(d.version),
            d.status,
            d.flavour,
            d.request_id,
            f"{d.dataset_tenant}/{d.dataset}",
            f"{d.activated_at:%Y-%m-%d %H:%M}" if d.activated_at else "",
        )
    console.print(table)


@deployments.command("show")
@handles_errors
def deployments_show(
    name: str = NAME,
    tenant: str = TENANT,
    manifest: bool = typer.Option(False, "--manifest", help="Also print the signed manifest."),
) -> None:
    """Every deployment of a model, newest first; --manifest prints each signed manifest."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = deployed.deployment_versions(lab, principal, tenant=tenant, name=name)
    for d in found:
        _print_deployment(d)
        if manifest:
            typer.echo(json.dumps(d.manifest, indent=2, sort_keys=True))


@deployments.command("rollback")
@handles_errors
def deployments_rollback(
    name: str = NAME,
    version: int = typer.Argument(help="The earlier deployment number to activate."),
    reason: str = REASON,
    tenant: str = TENANT,
) -> None:
    """Activate an earlier promoted (signed) deployment again (the tenant's owner)."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        done = deployed.rollback(
            lab, principal, actor, tenant=tenant, name=name, to=version, reason=reason
        )
    _print_deployment(done)


@deployments.command("retire")
@handles_errors
def deployments_retire(name: str = NAME, reason: str = REASON, tenant: str = TENANT) -> None:
    """Take the active deployment out of use (the tenant's owner)."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        done = deployed.retire(lab, principal, actor, tenant=tenant, name=name, reason=reason)
    _print_deployment(done)
