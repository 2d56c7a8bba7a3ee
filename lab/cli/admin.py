"""`lab tenants|users|tokens ...`: identity administration from the local console."""

from __future__ import annotations

import typer
from rich.table import Column, Table

from lab.actions.identity import add_tenant, add_token, add_user, drop_token, remove_user
from lab.authz.chokepoint import PLATFORM
from lab.cli.common import authorize, console, handles_errors, open_lab
from lab.context import Lab
from lab.identity.tenants import list_tenants
from lab.identity.tokens import list_tokens
from lab.identity.users import get_user, list_users, policy_domain

tenants = typer.Typer(no_args_is_help=True)
users = typer.Typer(no_args_is_help=True)
tokens = typer.Typer(no_args_is_help=True)


def _domain_of(lab: Lab, user: str) -> str:
    with lab.read() as session:
        return policy_domain(session, user)


@tenants.command("create")
@handles_errors
def tenants_create(
    slug: str = typer.Argument(help="Short id used in paths and policies, e.g. acme."),
    name: str = typer.Option(..., "--name", help="The organisation's name."),
) -> None:
    """Create a tenant (an organisation)."""
    with open_lab() as lab:
        actor = authorize(lab, "create", "tenants")
        with lab.transaction() as session:
            tenant = add_tenant(lab, session, actor, slug, name)
        console.print(f"tenant [bold]{tenant.slug}[/] created")


@tenants.command("list")
@handles_errors
def tenants_list() -> None:
    """List tenants."""
    with open_lab() as lab:
        authorize(lab, "read", "tenants")
        with lab.read() as session:
            table = Table("slug", "name", "status", "created")
            for t in list_tenants(session):
                table.add_row(t.slug, t.name, t.status, f"{t.created_at:%Y-%m-%d %H:%M}")
        console.print(table)


@users.command("create")
@handles_errors
def users_create(
    name: str = typer.Argument(help="Login name, e.g. alice."),
    tenant: str | None = typer.Option(None, help="Tenant slug; omit for platform staff."),
    role: list[str] = typer.Option(
        [],
        "--role",
        help="Role to grant (repeatable): owner, engineer, viewer; admin, compliance, "
        "output_checker.",
    ),
    display_name: str = typer.Option("", help="Full name."),
) -> None:
    """Create a user in a tenant, or a platform staff member, with roles."""
    with open_lab() as lab:
        actor = authorize(lab, "create", "users", tenant=tenant or PLATFORM)
        with lab.transaction() as session:
            add_user(
                lab, session, actor, name, tenant=tenant, roles=role, display_name=display_name
            )
        console.print(f"user [bold]{name}[/] created with roles {', '.join(role) or '(none)'}")


@users.command("list")
@handles_errors
def users_list(
    tenant: str | None = typer.Option(None, help="Tenant slug; omit for platform staff."),
) -> None:
    """List a tenant's users (or platform staff) with their roles."""
    with open_lab() as lab:
        authorize(lab, "read", "users", tenant=tenant or PLATFORM)
        table = Table("name", "display name", "roles", "disabled")
        with lab.read() as session:
            for u in list_users(session, tenant=tenant):
                roles = (
                    lab.policy.roles_of(u.name, tenant)
                    if tenant
                    else lab.policy.platform_roles_of(u.name)
                )
                table.add_row(
                    u.name, u.display_name, ", ".join(sorted(roles)), "yes" if u.disabled_at else ""
                )
        console.print(table)


@users.command("disable")
@handles_errors
def users_disable(name: str = typer.Argument(help="User to disable.")) -> None:
    """Disable a user and revoke all their tokens at once."""
    with open_lab() as lab:
        domain = _domain_of(lab, name)
        actor = authorize(lab, "delete", f"users/{name}", tenant=domain)
        with lab.transaction() as session:
            remove_user(lab, session, actor, name)
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
        domain = _domain_of(lab, user)
        actor = authorize(lab, "create", f"users/{user}/tokens", tenant=domain)
        with lab.transaction() as session:
            owner = get_user(session, user)
            issued = add_token(lab, session, actor, owner, ttl_days=ttl_days, name=name)
        expires = f"{issued.token.expires_at:%Y-%m-%d}"
        console.print(f"token [bold]{issued.token.id}[/] for {user}, expires {expires}")
        console.print(issued.secret, soft_wrap=True)


@tokens.command("list")
@handles_errors
def tokens_list(user: str = typer.Argument(help="Whose tokens.")) -> None:
    """List a user's tokens (never their secrets)."""
    with open_lab() as lab:
        domain = _domain_of(lab, user)
        authorize(lab, "read", f"users/{user}/tokens", tenant=domain)
        table = Table(Column("id", no_wrap=True), "name", "created", "expires", "revoked", "by")
        with lab.read() as session:
            for t in list_tokens(session, get_user(session, user)):
                table.add_row(
                    t.id,
                    t.name,
                    f"{t.created_at:%Y-%m-%d %H:%M}",
                    f"{t.expires_at:%Y-%m-%d %H:%M}",
                    "yes" if t.revoked_at else "",
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
        domain = _domain_of(lab, user)
        actor = authorize(lab, "delete", f"users/{user}/tokens/{token_id}", tenant=domain)
        with lab.transaction() as session:
            drop_token(lab, session, actor, get_user(session, user), token_id)
        console.print(f"token [bold]{token_id}[/] revoked")
