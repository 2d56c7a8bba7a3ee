"""`lab keys ...`: generate a master key, rotate the master key."""

from __future__ import annotations

import typer

from lab.catalogue.actions import AuditAction
from lab.cli.common import authorize, console, fail, handles_errors, open_lab
from lab.keys.keyring import rotate_master_key
from lab.keys.master import (
    decode_master_key,
    generate_master_key,
    load_master_key,
    write_master_key_file,
)
from lab.settings import Settings

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
    settings = Settings()
    new_encoded = generate_master_key()
    new = decode_master_key(new_encoded, source="the new key")
    pending = settings.master_key_file.with_suffix(".new")
    with open_lab() as lab:
        actor = authorize(lab, "rotate", "keys/master")
        old = load_master_key(settings)
        if settings.master_key is None:
            # The new key is on disk before the keyring moves to it, so a crash between the
            # two never leaves keys that no file opens (the next start finishes the swap).
            if pending.exists():
                raise fail(f"{pending} exists: a rotation was interrupted; see `lab keys --help`")
            write_master_key_file(pending, new_encoded)
        with lab.transaction() as session:
            count = rotate_master_key(session, old, new)
            lab.auditor.record(
                session,
                actor=actor.name,
                action=AuditAction.KEYS_ROTATE,
                resource="platform/keys/master",
                details={"rewrapped": count},
            )
    if settings.master_key is None:
        pending.replace(settings.master_key_file)
        console.print(f"{count} keys rewrapped; {settings.master_key_file} holds the new key")
    else:
        console.print(f"{count} keys rewrapped. Set LAB_MASTER_KEY to this new key now:")
        typer.echo(new_encoded)
