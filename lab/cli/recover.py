"""`lab admin recover`: break-glass, when policy changes have locked every admin out.

A thin adapter over `lab.policy.recovery.recover`, which explains why this one command
changes the policy without passing the chokepoint (it needs the lab's master key and
metastore, the operator's standing) and writes the `admin.recover` audit event.
"""

from __future__ import annotations

import getpass

import typer
from rich.panel import Panel

from lab.cli.common import handles_errors, open_lab
from lab.cli.output import console
from lab.policy.recovery import recover as recover_administration

app = typer.Typer(no_args_is_help=True)


@app.command("recover")
@handles_errors
def recover(
    operator: str = typer.Option(
        ..., "--operator", prompt="Your name (recorded in the audit trail)", help="Who runs this."
    ),
    reason: str = typer.Option(
        ..., "--reason", prompt="Why (recorded in the audit trail)", help="Why it is needed."
    ),
    user: str | None = typer.Option(
        None, "--user", help="A platform staff member to enable again and make an admin."
    ),
    issue_token: bool = typer.Option(
        False, "--issue-token", help="Also issue --user a new token (printed once)."
    ),
) -> None:
    """Restore the seed's policy administration (and --user as an admin), audited.

    For the operator holding the lab's master key, when no admin and not this console can
    change the policy any more. It bypasses the authorization chokepoint on purpose and
    records who ran it and why in the signed audit trail."""
    with open_lab() as lab:
        done = recover_administration(
            lab,
            operator=operator,
            reason=reason,
            os_user=getpass.getuser(),
            user=user,
            issue_token=issue_token,
        )
    for rule in done.rules_added:
        console.print(f"rule restored: {', '.join(rule.values())}")
    for rule in done.rules_removed:
        console.print(f"deny rule removed: {', '.join(rule.values())}")
    for a in done.assignments_added:
        console.print(f"role assigned: {a.role} to {a.subject} on the platform")
    if done.user_enabled:
        console.print(f"user [bold]{done.user_enabled}[/] enabled again")
    if not (done.rules_added or done.rules_removed or done.assignments_added or done.user_enabled):
        console.print("nothing to restore: the administration was intact")
    console.print(f"recorded as audit event {done.event_seq} (admin.recover by {done.operator})")
    if done.token is not None:
        console.print(
            Panel(
                f"[bold]{done.token.secret}[/]\n\nThis is the only time it is shown.",
                title=f"token of {user}",
                expand=False,  # as wide as the token: piped output has no width to fill
            )
        )
