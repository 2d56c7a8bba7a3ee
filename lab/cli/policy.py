"""`lab policy ...`: rules, role assignments, history and dry-run checks.

Thin adapters over `lab.policy.service`, which authorizes, versions, audits and reloads."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from lab.authz.admin import Rule
from lab.authz.chokepoint import PLATFORM
from lab.authz.request import AccessRequest
from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console
from lab.policy import service
from lab.policy.schemas import (
    AssignmentChange,
    ChangeAssignment,
    ChangeBody,
    RuleBody,
    RuleChange,
)

app = typer.Typer(no_args_is_help=True)

TENANT_HELP = "Tenant slug, or * for every tenant (rules) / platform roles (assignments)."


@app.command("rules")
@handles_errors
def rules(tenant: str | None = typer.Option(None, help="Only this tenant's rules.")) -> None:
    """List policy rules (role, tenant, object, action, effect)."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.list_rules(lab, principal, tenant=tenant)
    table = Table("role", "tenant", "object", "action", "effect")
    for r in found:
        table.add_row(r.role, r.tenant, r.obj, r.action, r.effect)
    console.print(table)


DRY_RUN_HELP = "Only say whether the change would be made (and why not), change nothing."


def _try(change: ChangeBody) -> None:
    """Dry-run `change`: print the verdict; exit 3 if it would be refused."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        answer = service.dry_run(lab, principal, None, change=change)
    if answer.change_accepted:
        console.print(f"[bold green]would be made[/]: {change.op} (nothing changed)")
        return
    for finding in answer.findings:
        console.print(f"[bold red]would be refused[/]: {finding}", soft_wrap=True)
    raise typer.Exit(3)


def _rule_change(
    role: str, tenant: str, obj: str, action: str, deny: bool, add: bool, dry_run: bool
) -> None:
    rule = Rule(role, tenant, obj, action, "deny" if deny else "allow")
    if dry_run:
        _try(RuleChange(op="add_rule" if add else "remove_rule", rule=RuleBody.of(rule)))
        return
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        change = (service.add_rule if add else service.remove_rule)(lab, principal, actor, rule)
    console.print(f"policy version {change.version}: {change.op} {rule}")


@app.command("add")
@handles_errors
def add(
    role: str = typer.Argument(help="Role the rule is about."),
    obj: str = typer.Argument(help="<zone>/<resource>, may end in *: sandbox/datasets/*"),
    action: str = typer.Argument(help="read, create, update, delete, ... or *"),
    tenant: str = typer.Option("*", help=TENANT_HELP),
    deny: bool = typer.Option(False, "--deny", help="A deny rule (deny wins over allow)."),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
) -> None:
    """Add a rule."""
    _rule_change(role, tenant, obj, action, deny, add=True, dry_run=dry_run)


@app.command("seed-diff")
@handles_errors
def seed_diff(
    apply: bool = typer.Option(
        False, "--apply", help="Add them, each as its own versioned, audited change."
    ),
) -> None:
    """The rules of policies/seed.csv this lab's policy lacks (a lab made from an older
    seed). Review them; --apply adds them. A rule an admin removed on purpose shows here
    too: add only what you mean to."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        missing = service.seed_rules_missing(lab, principal)
        if not missing:
            console.print("the policy holds every rule of the seed")
            return
        table = Table("role", "tenant", "object", "action", "effect")
        for r in missing:
            table.add_row(r.role, r.tenant, r.obj, r.action, r.effect)
        console.print(table)
        if not apply:
            console.print(f"{len(missing)} rule(s) of the seed are missing; --apply adds them")
            return
        for rule in missing:
            change = service.add_rule(lab, principal, actor, rule)
            console.print(f"policy version {change.version}: {change.op} {rule}")


@app.command("remove")
@handles_errors
def remove(
    role: str = typer.Argument(help="Role the rule is about."),
    obj: str = typer.Argument(help="The rule's object, as listed."),
    action: str = typer.Argument(help="The rule's action, as listed."),
    tenant: str = typer.Option("*", help=TENANT_HELP),
    deny: bool = typer.Option(False, "--deny", help="The rule is a deny rule."),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
) -> None:
    """Remove a rule."""
    _rule_change(role, tenant, obj, action, deny, add=False, dry_run=dry_run)


def _assignment_change(subject: str, role: str, tenant: str, add: bool, dry_run: bool) -> None:
    if dry_run:
        item = ChangeAssignment(subject=subject, role=role, tenant=tenant)
        _try(AssignmentChange(op="assign_role" if add else "unassign_role", assignment=item))
        return
    change_role = service.assign_role if add else service.unassign_role
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        change = change_role(lab, principal, actor, subject, role, tenant=tenant)
    console.print(f"policy version {change.version}: {change.op} {role} to {subject} in {tenant}")


@app.command("assign")
@handles_errors
def assign(
    subject: str = typer.Argument(help="User name."),
    role: str = typer.Argument(
        help="owner, engineer, viewer (tenant) or admin, compliance, output_checker."
    ),
    tenant: str = typer.Option(PLATFORM, help=TENANT_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
) -> None:
    """Grant a role to a user."""
    _assignment_change(subject, role, tenant, add=True, dry_run=dry_run)


@app.command("unassign")
@handles_errors
def unassign(
    subject: str = typer.Argument(help="User name."),
    role: str = typer.Argument(help="The role to withdraw."),
    tenant: str = typer.Option(PLATFORM, help=TENANT_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_RUN_HELP),
) -> None:
    """Withdraw a role from a user."""
    _assignment_change(subject, role, tenant, add=False, dry_run=dry_run)


@app.command("assignments")
@handles_errors
def assignments(
    tenant: str | None = typer.Option(None, help="Only this tenant (or * for platform)."),
    subject: str | None = typer.Option(None, help="Only this user."),
) -> None:
    """List role assignments."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.list_assignments(lab, principal, tenant=tenant, subject=subject)
    table = Table("subject", "role", "tenant")
    for a in found:
        table.add_row(a.subject, a.role, a.tenant)
    console.print(table)


@app.command("history")
@handles_errors
def history(limit: int = typer.Option(50, help="How many changes, newest first.")) -> None:
    """Show policy versions: who changed what, when."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        changes = service.policy_history(lab, principal, limit=limit)
    table = Table("version", "when", "who", "change", "what")
    for c in changes:
        what = ", ".join(f"{k}={v}" for k, v in c.item.items())
        table.add_row(str(c.version), f"{c.at:%Y-%m-%d %H:%M:%S}", c.actor, c.op, what)
    console.print(table)


@app.command("check")
@handles_errors
def check(
    subject: str = typer.Argument(help="User name."),
    action: str = typer.Argument(help="The action, e.g. read."),
    resource: str = typer.Argument(help="Resource below the zone, e.g. datasets/ds-1."),
    tenant: str = typer.Option(PLATFORM, help="Tenant of the resource."),
    zone: str = typer.Option("platform", help="sandbox, production or platform."),
) -> None:
    """Dry-run: would SUBJECT be allowed ACTION on RESOURCE, and by which rule?"""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        answer = service.dry_run(
            lab, principal, AccessRequest(subject, tenant, zone, resource, action)
        )
    # the reason is a sentence that starts with its verdict ("denied by rule ...",
    # "denied: no rule allows ..."): highlight that word rather than say it twice
    word, colour = ("allowed", "green") if answer.allowed else ("denied", "red")
    console.print(f"[bold {colour}]{word}[/]{escape(answer.reason.removeprefix(word))}")
    if not answer.allowed:
        raise typer.Exit(3)
