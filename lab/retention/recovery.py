"""Storage recovery at start-up: what interrupted writes and destructions left behind.

`lab serve` and `lab scheduler` call `recover_storage` once the lab is open, before they take
work: the trash of destroyed versions is emptied (an emptying a crash interrupted), and
versions whose write never finished are cleaned (`lab.storage.recovery`), each clean-up
audited under `system:startup`.
"""

from __future__ import annotations

from lab.catalogue.actions import AuditAction
from lab.context import Lab

STARTUP = "system:startup"


def recover_storage(lab: Lab) -> None:
    """Clean what interrupted writes left behind, and audit each clean-up; free the blocks
    of destroyed versions whose emptying was interrupted."""
    lab.store.empty_trash()
    for found in lab.store.recover_orphans(lab.sessions):
        with lab.transaction() as session:
            lab.auditor.record(
                session,
                actor=STARTUP,
                action=AuditAction.STORAGE_RECOVER,
                resource=f"{found.zone}/dataset-versions/{found.version_id}",
                tenant=found.tenant,
                zone=found.zone,
                outcome="cleaned",
                details={
                    "version_id": found.version_id,
                    "reason": found.reason,
                    "key_destroyed": found.key_name,
                    "folders": len(found.removed),
                    "bytes": found.bytes_removed,
                },
            )
