"""Keys, the one front door of their audited action: rotating the master key.

`lab keys rotate` is an operator's command on the lab's machine (it needs the master key
itself), yet it passes the chokepoint and is audited like every other action; the command
is a thin adapter over `rotate_master`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lab.actions import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.errors import Conflict
from lab.keys.keyring import rotate_master_key
from lab.keys.master import decode_master_key, generate_master_key, write_master_key_file

if TYPE_CHECKING:  # the lab's context imports this package to open the keys
    from lab.context import Lab

RESOURCE = "keys/master"


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: how many keys moved, and where the new master key is now.

    `key_file` is the file that holds it; when the lab takes its key from `LAB_MASTER_KEY`
    there is none, and `new_key` is the one copy, to be put there before the next start."""

    rewrapped: int
    key_file: Path | None
    new_key: str | None


def rotate_master(lab: Lab, principal: Principal, actor: Actor) -> Rotation:
    """Rewrap every key under a new master key; data files are not rewritten.

    With the key file, the new key is written beside it (`.new`) before the keyring moves,
    so a crash between the two never leaves keys that no file opens (the next start names
    the file to keep), and it replaces the key file once the keyring committed."""
    lab.chokepoint.authorize(
        principal, action=AccessAction.ROTATE, resource=RESOURCE, request_id=actor.request_id
    )
    settings = lab.settings
    new_encoded = generate_master_key()
    new = decode_master_key(new_encoded, source="the new key")
    from_file = settings.master_key is None
    pending = settings.master_key_file.with_suffix(".new")
    if from_file:
        if pending.exists():
            raise Conflict(f"{pending} exists: a rotation was interrupted; see `lab keys --help`")
        write_master_key_file(pending, new_encoded)
    with lab.transaction() as session:
        count = rotate_master_key(session, lab.master_key, new)
        lab.auditor.change(
            session,
            actor,
            AuditAction.KEYS_ROTATE,
            f"platform/{RESOURCE}",
            details={"rewrapped": count},
        )
    if from_file:
        pending.replace(settings.master_key_file)
        return Rotation(count, settings.master_key_file, None)
    return Rotation(count, None, new_encoded)
