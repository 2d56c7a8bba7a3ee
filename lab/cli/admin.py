"""`lab tenants|users|tokens ...`: identity administration from the local console.

Thin adapters over `lab.identity.service` and `lab.tokens.service`, which authorize, act
and audit; acts as LAB_TOKEN's user, or the operator console."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console, id_column
from lab.identity import service as identity
from lab.tokens import service as token_service

tenants = typer.Typer(no_args_is_help=True)
users = typer.Typer(no_args_is_help=True)
tokens = typer.Typer(no_args_is_help=True)


@tenants.command("create")
@handles_errors
def tenants_create(
    slug: str = typer.Argument(help="Short id used in paths and policies, e.g. acme."),
    name: str = typer.Option(..., "--name", help="The organisation's name."),
) -> None:
    """Create a tenant (an organisation)."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        tenant = identity.create_tenant(lab, principal, actor, slug=slug, name=name)
    console.print(f"tenant [bold]{tenant.slug}[/] created")


@tenants.command("list")
@handles_errors
def tenants_list() -> None:
    """List tenants."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = identity.list_tenants(lab, principal)
    table = Table("slug", "name", "status", "created")
    for t in found:
        table.add_row(t.slug, t.name, t.status, f"{t.created_at:%Y-%m-%d %H:%M}")
    console.print(table)


@tenants.command("offboard")
@handles_errors
def tenants_offboard(
    tenant: str = typer.Argument(help="Tenant to off-board."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: this destroys all its data."),
) -> None:
    """Destroy all of a tenant's data and keys in every zone and disable its people."""
    if not yes:
        console.print("this destroys every dataset and key of the tenant; add --yes to confirm")
        raise typer.Exit(1)
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        summary = identity.offboard_tenant(lab, principal, actor, tenant)
    console.print_json(json.dumps(summary))


@users.command("create")
@handles_errors
def users_create(
    name: str = typer.Argument(help="Login name, e.g. alice."),
    tenant: str | None = typer.Option(None, help="Tenant slug; omit for platform staff."),
    role: list[str] = typer.Option(
        [],
        "--role",
        help="Role to grant (repeatable). Tenant roles (with --tenant): owner, engineer, "
        "viewer. Platform roles (without --tenant; they span every tenant): admin, "
        "compliance, output_checker.",
    ),
    display_name: str = typer.Option("", help="Full name."),
) -> None:
    """Create a user in a tenant, or a platform staff member, with roles.

    Compliance officers, output checkers and admins are platform staff: create them without
    --tenant (`lab users create dave --role compliance`)."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        identity.create_user(
            lab, principal, actor, name, tenant=tenant, roles=role, display_name=display_name
        )
    console.print(f"user [bold]{name}[/] created with roles {', '.join(role) or '(none)'}")


@users.command("list")
@handles_errors
def users_list(
    tenant: str | None = typer.Option(None, help="Tenant slug; omit for platform staff."),
) -> None:
    """List a tenant's users (or platform staff) with their roles."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = identity.list_users(lab, principal, tenant=tenant)
    table = Table("name", "display name", "roles", "disabled")
    for u in found:
        table.add_row(u.name, u.display_name, ", ".join(u.roles), "yes" if u.disabled else "")
    console.print(table)


@users.command("disable")
@handles_errors
def users_disable(name: str = typer.Argument(help="User to disable.")) -> None:
    """Disable a user and revoke all their tokens at once."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        identity.disable_user(lab, principal, actor, name)
    console.print(f"user [bold]{name}[/] disabled; tokens revoked")


@tokens.command("issue")
@handles_errors
def tokens_issue(
    user: str = typer.Argument(help="Whose token."),
    ttl_days: int | None = typer.Option(
        None, help="Lifetime in days [default: LAB_TOKEN_TTL_DAYS]."
    ),
    name: str = typer.Option("", help="A label to recognise the token by."),
) -> None:
    """Issue a token; it is printed once and stored only as a hash."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        issued = token_service.issue_token(
            lab, principal, actor, user, ttl_days=ttl_days, name=name
        )
    console.print(f"token [bold]{issued.id}[/] for {user}, expires {issued.expires_at:%Y-%m-%d}")
    console.print(issued.token, soft_wrap=True)


@tokens.command("list")
@handles_errors
def tokens_list(user: str = typer.Argument(help="Whose tokens.")) -> None:
    """List a user's tokens (never their secrets)."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = token_service.list_tokens(lab, principal, user)
    table = Table(id_column("id"), "name", "created", "expires", "revoked", "by")
    for t in found:
        table.add_row(
            t.id,
            t.name,
            f"{t.created_at:%Y-%m-%d %H:%M}",
            f"{t.expires_at:%Y-%m-%d %H:%M}",
            "yes" if t.revoked else "",
            t.created_by,
        )
    console.print(table)


@tokens.command("revoke")
@handles_errors
def tokens_revoke(
    user: str = typer.Argument(help="Whose token."),
    token_id: str = typer.Argument(help="The token's id (not its secret)."),
) -> None:
    """Revoke a token; it is refused at once."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        token_service.revoke_token(lab, principal, actor, user, token_id)
    console.print(f"token [bold]{token_id}[/] revoked")
