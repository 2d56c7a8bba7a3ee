"""Destroying one dataset version, the one place that does it: the files go, the key is
shredded, the receipt is written. A request (`lab datasets destroy`, the API's DELETE),
the scheduler (`lab.retention.destroyer`) and off-boarding (`lab.retention.offboarding`)
all come here.

It runs in two transactions. The first marks the version "destroying" (from its commit on
no reader opens it); the second has the storage move the files out and shred the version's
key (`lab.storage.destroy`, the file-level protocol, which locks the row and is safe to
repeat), marks it destroyed and writes the receipt in the same commit. Several processes
reaching the same version thus write one receipt: the others find it destroyed and do
nothing. A crash between the two, or inside the second, leaves the version "destroying",
and the next run completes it.
"""

from __future__ import annotations

import logging

from audit import Event
from lab.context import Lab
from lab.retention.receipts import write_receipt
from lab.storage import request_destruction, scrub_metastore

log = logging.getLogger("lab.retention")


def destroy_version(
    lab: Lab,
    version_id: str,
    *,
    actor: str,
    why: str,
    rule: str | None = None,
    request_id: str | None = None,
) -> Event | None:
    """Destroy one version and write its receipt; None if another run already did.

    Raises Conflict under a legal hold or while the version is being written."""
    with lab.transaction() as session:
        request_destruction(session, version_id, reason=why)
    with lab.transaction() as session:
        result = lab.store.destroy_version(session, version_id, reason=why)
        receipt = (
            write_receipt(
                lab.auditor,
                session,
                result,
                actor=actor,
                why=why,
                rule=rule,
                request_id=request_id,
            )
            if result is not None
            else None
        )
    scrub_metastore(lab.engine)
    free_blocks(lab)
    return receipt


def free_blocks(lab: Lab) -> None:
    """Best effort once a destruction committed: the next run finishes what fails here."""
    try:
        lab.store.empty_trash()
    except OSError:
        log.exception("freeing the blocks of destroyed versions failed; the next run retries")
