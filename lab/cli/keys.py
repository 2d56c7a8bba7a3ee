"""`lab keys ...`: generate a master key, rotate the master key, export the promotion
public key."""

from __future__ import annotations

import typer

from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console
from lab.keys.master import generate_master_key
from lab.keys.service import rotate_master
from lab.promotions import service as promotion_service

app = typer.Typer(no_args_is_help=True)


@app.command("generate")
def generate() -> None:
    """Print a new random master key, for LAB_MASTER_KEY (keep it in a secret store)."""
    typer.echo(generate_master_key())


@app.command("rotate")
@handles_errors
def rotate() -> None:
    """Rewrap every key under a new master key; data files are not rewritten.

    With the key file (the default), the file is replaced. With LAB_MASTER_KEY, the new key
    is printed once: put it in LAB_MASTER_KEY before the next start. Afterwards the old
    master key opens nothing.
    """
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        done = rotate_master(lab, principal, actor)
    if done.key_file is not None:
        console.print(f"{done.rewrapped} keys rewrapped; {done.key_file} holds the new key")
    else:
        console.print(f"{done.rewrapped} keys rewrapped. Set LAB_MASTER_KEY to this new key now:")
        typer.echo(done.new_key)


@app.command("export-promotion-key")
@handles_errors
def export_promotion_key() -> None:
    """Print the Ed25519 public key (PEM) that verifies every deployed model's signed
    manifest, for auditors' tools (`jobs.models.manifest.verify`)."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        typer.echo(promotion_service.public_key(lab, principal), nl=False)
