"""`lab`: set up, run and administer the data collaboration lab.

Settings come from `LAB_*` environment variables (see `lab.settings.Settings`):
LAB_HOME (default ~/.lab), LAB_DATABASE_URL (default SQLite in the home),
LAB_MASTER_KEY (default: the key file `lab init` writes).
"""

from __future__ import annotations

import typer

from lab.cli import (
    admin,
    audit,
    data,
    demo,
    imports,
    jobs,
    keys,
    lifecycle,
    models,
    monitoring,
    policy,
    promotions,
    recover,
    releases,
)
from lab.cli.common import handles_errors

app = typer.Typer(
    name="lab",
    help=__doc__,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)
lifecycle.register(app)
demo.register(app)
app.add_typer(admin.tenants, name="tenants", help="Organisations and their isolation.")
app.add_typer(admin.users, name="users", help="People of a tenant and platform staff.")
app.add_typer(admin.tokens, name="tokens", help="Bearer tokens: issue, list, revoke.")
app.add_typer(policy.app, name="policy", help="Authorization rules and role assignments.")
app.add_typer(recover.app, name="admin", help="Break-glass: give the administration back, audited.")
app.add_typer(audit.app, name="audit", help="The tamper-evident audit trail.")
app.add_typer(
    data.datasets, name="datasets", help="Encrypted dataset versions, holds, destruction."
)
app.add_typer(data.zones, name="zones", help="Zone rules: now, at a past time, history.")
app.add_typer(keys.app, name="keys", help="Master key: generate, rotate; the promotion public key.")
app.add_typer(jobs.app, name="jobs", help="Code sent to the data: submit, follow, outputs.")
app.add_typer(
    releases.app,
    name="releases",
    help="The airlock: ask for outputs to leave a zone, review, fetch what was released.",
)
app.add_typer(
    models.app, name="models", help="The model registry: versions, lineage, metrics, plots."
)
app.add_typer(
    promotions.promotions,
    name="promotions",
    help="Promotion requests: the gates, four-eyes review, signed deployment.",
)
app.add_typer(
    promotions.deployments,
    name="deployments",
    help="Models deployed to production: list, show, roll back, retire.",
)
app.add_typer(
    monitoring.app,
    name="monitoring",
    help="Effect monitoring of deployed models: status, runs, plots; run one now.",
)
app.command("import")(imports.import_cmd)
app.add_typer(imports.imports, name="imports", help="Past imports and their reports.")
app.command("receipts")(handles_errors(data.receipts))

if __name__ == "__main__":
    app()
