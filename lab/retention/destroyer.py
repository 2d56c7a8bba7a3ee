"""The scheduler's destruction run: what is due goes, what is held is reported once.

Each version is destroyed by `lab.retention.destruction.destroy_version`, the one place
that destroys; this module decides what is due and audits what it could not destroy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict
from lab.retention.destruction import destroy_version, free_blocks
from lab.retention.receipts import FAILED, SKIPPED
from lab.storage import due_for_destruction
from lab.storage.models import READY, Dataset, DatasetVersion

log = logging.getLogger("lab.retention")


@dataclass
class RunReport:
    destroyed: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _held_and_due(lab: Lab, now: datetime) -> list[tuple[str, str, str, str]]:
    query = (
        sa.select(DatasetVersion.id, Dataset.tenant, Dataset.zone, Dataset.name)
        .join(Dataset)
        .where(
            DatasetVersion.state == READY,
            DatasetVersion.destroy_at <= now,
            DatasetVersion.legal_hold.is_(True),
        )
    )
    with lab.read() as session:
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def _place_of(lab: Lab, version_id: str) -> tuple[str | None, str | None, str]:
    """The tenant, zone and dataset name of a version, for its audit event."""
    query = (
        sa.select(Dataset.tenant, Dataset.zone, Dataset.name)
        .join(DatasetVersion, DatasetVersion.dataset_id == Dataset.id)
        .where(DatasetVersion.id == version_id)
    )
    with lab.read() as session:
        row = session.execute(query).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, "")


class Destroyer:
    """One scheduler's view: what is due, what is held, and what it already reported."""

    ACTOR = "system:scheduler"

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._reported_holds: set[str] = set()

    def run_once(self, now: datetime | None = None) -> RunReport:
        """Destroy everything due; audit held items once and failures every time."""
        moment = now or utcnow()
        with self.lab.read() as session:
            due = due_for_destruction(session, moment)
        report = self.destroy(due)
        free_blocks(self.lab)  # finishes any emptying a crash interrupted
        for version_id, tenant, zone, name in _held_and_due(self.lab, moment):
            report.held.append(version_id)
            if version_id not in self._reported_holds:
                self._reported_holds.add(version_id)
                self._audit(
                    SKIPPED,
                    version_id,
                    {"why": "legal hold", "dataset": name},
                    tenant=tenant,
                    zone=zone,
                )
        return report

    def destroy(self, version_ids: list[str]) -> RunReport:
        """Destroy versions listed as due. Between the listing and the destruction a hold
        may be placed, or a write begun: that refusal (`Conflict`) is a skipped destruction,
        audited as one, for a skipped destruction that leaves no trace cannot be told from
        one that was never tried."""
        report = RunReport()
        for version_id in version_ids:
            try:
                done = destroy_version(
                    self.lab,
                    version_id,
                    actor=self.ACTOR,
                    why="retention period over",
                    rule="zone retention or requested destroy-at",
                )
            except Conflict as exc:  # held or being written since it was listed
                report.failed[version_id] = exc.message
                self._reported_holds.add(version_id)  # the hold, if it is one, is told here
                tenant, zone, name = _place_of(self.lab, version_id)
                details = {"why": exc.message, "dataset": name}
                self._audit(SKIPPED, version_id, details, tenant=tenant, zone=zone)
                continue
            except Exception as exc:
                log.exception("destroying dataset version %s failed", version_id)
                report.failed[version_id] = type(exc).__name__
                self._audit(FAILED, version_id, {"error": type(exc).__name__})
                continue
            if done is not None:
                report.destroyed.append(version_id)
        return report

    def _audit(
        self,
        action: str,
        version_id: str,
        details: dict[str, str],
        *,
        tenant: str | None = None,
        zone: str | None = None,
    ) -> None:
        with self.lab.transaction() as session:
            self.lab.auditor.record(
                session,
                actor=self.ACTOR,
                action=action,
                resource=f"{zone or 'storage'}/dataset-versions/{version_id}",
                tenant=tenant,
                zone=zone,
                outcome="skipped" if action == SKIPPED else "error",
                details={"version_id": version_id, **details},
            )
