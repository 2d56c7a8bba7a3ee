"""`lab policy ...`: rules, role assignments, history and dry-run checks."""

from __future__ import annotations

import typer
from rich.table import Table

from lab.actions.policy import apply_assignment_change, apply_rule_change
from lab.authz import admin as policy_admin
from lab.authz.chokepoint import PLATFORM
from lab.authz.request import AccessRequest
from lab.cli.common import authorize, console, handles_errors, open_lab

app = typer.Typer(no_args_is_help=True)

TENANT_HELP = "Tenant slug, or * for every tenant (rules) / platform roles (assignments)."


@app.command("rules")
@handles_errors
def rules(tenant: str | None = typer.Option(None, help="Only this tenant's rules.")) -> None:
    """List policy rules (role, tenant, object, action, effect)."""
    with open_lab() as lab:
        authorize(lab, "read", "policy/rules")
        table = Table("role", "tenant", "object", "action", "effect")
        with lab.read() as session:
            for r in policy_admin.list_rules(session, tenant=tenant):
                table.add_row(r.role, r.tenant, r.obj, r.action, r.effect)
        console.print(table)


def _rule_change(role: str, tenant: str, obj: str, action: str, deny: bool, add: bool) -> None:
    with open_lab() as lab:
        actor = authorize(lab, "create" if add else "delete", "policy/rules")
        rule = policy_admin.Rule(role, tenant, obj, action, "deny" if deny else "allow")
        change = apply_rule_change(lab, actor, rule, add=add)
        console.print(f"policy version {change.version}: {change.op} {rule}")


@app.command("add")
@handles_errors
def add(
    role: str = typer.Argument(help="Role the rule is about."),
    obj: str = typer.Argument(help="<zone>/<resource>, may end in *: sandbox/datasets/*"),
    action: str = typer.Argument(help="read, create, update, delete, ... or *"),
    tenant: str = typer.Option("*", help=TENANT_HELP),
    deny: bool = typer.Option(False, "--deny", help="A deny rule (deny wins over allow)."),
) -> None:
    """Add a rule."""
    _rule_change(role, tenant, obj, action, deny, add=True)


@app.command("remove")
@handles_errors
def remove(
    role: str = typer.Argument(help="Role the rule is about."),
    obj: str = typer.Argument(help="The rule's object, as listed."),
    action: str = typer.Argument(help="The rule's action, as listed."),
    tenant: str = typer.Option("*", help=TENANT_HELP),
    deny: bool = typer.Option(False, "--deny", help="The rule is a deny rule."),
) -> None:
    """Remove a rule."""
    _rule_change(role, tenant, obj, action, deny, add=False)


def _assignment_change(subject: str, role: str, tenant: str, add: bool) -> None:
    with open_lab() as lab:
        actor = authorize(lab, "create" if add else "delete", "policy/assignments", tenant=tenant)
        change = apply_assignment_change(lab, actor, subject, role, tenant, add=add)
        console.print(
            f"policy version {change.version}: {change.op} {role} to {subject} in {tenant}"
        )


@app.command("assign")
@handles_errors
def assign(
    subject: str = typer.Argument(help="User name."),
    role: str = typer.Argument(
        help="owner, engineer, viewer (tenant) or admin, compliance, output_checker."
    ),
    tenant: str = typer.Option(PLATFORM, help=TENANT_HELP),
) -> None:
    """Grant a role to a user."""
    _assignment_change(subject, role, tenant, add=True)


@app.command("unassign")
@handles_errors
def unassign(
    subject: str = typer.Argument(help="User name."),
    role: str = typer.Argument(help="The role to withdraw."),
    tenant: str = typer.Option(PLATFORM, help=TENANT_HELP),
) -> None:
    """Withdraw a role from a user."""
    _assignment_change(subject, role, tenant, add=False)


@app.command("assignments")
@handles_errors
def assignments(
    tenant: str | None = typer.Option(None, help="Only this tenant (or * for platform)."),
    subject: str | None = typer.Option(None, help="Only this user."),
) -> None:
    """List role assignments."""
    with open_lab() as lab:
        authorize(lab, "read", "policy/assignments")
        table = Table("subject", "role", "tenant")
        with lab.read() as session:
            for a in policy_admin.list_assignments(session, tenant=tenant, subject=subject):
                table.add_row(a.subject, a.role, a.tenant)
        console.print(table)


@app.command("history")
@handles_errors
def history(limit: int = typer.Option(50, help="How many changes, newest first.")) -> None:
    """Show policy versions: who changed what, when."""
    with open_lab() as lab:
        authorize(lab, "read", "policy/history")
        table = Table("version", "when", "who", "change", "what")
        with lab.read() as session:
            for c in policy_admin.history(session, limit=limit):
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
        authorize(lab, "read", "policy/rules")
        decision = lab.policy.explain(AccessRequest(subject, tenant, zone, resource, action))
        verdict = "[bold green]allowed[/]" if decision.allowed else "[bold red]denied[/]"
        console.print(f"{verdict}: {decision.reason}")
        if not decision.allowed:
            raise typer.Exit(3)
