"""Deciding under a policy that is not committed: the lines one transaction sees.

A change is judged by what the policy engine would answer after it, not by the names in
it: the transaction makes the change (uncommitted), this reads every line back as that
transaction sees them and lets the engine's own shards (casbin over policies/model.conf,
lab.authz.shard) decide. The lockout guard and the dry-run of a change ask here; the
running `PolicyEngine` never sees the lines until they are committed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from lab.authz.request import PLATFORM, AccessRequest, Decision
from lab.authz.shard import Shard
from lab.authz.snapshot import Snapshot
from lab.authz.store import PolicyLine, current_version, read_lines


class ProposedPolicy:
    """A policy version held in memory, deciding like the engine (one shard per tenant)."""

    def __init__(
        self,
        lines: Iterable[PolicyLine],
        model_text: str,
        *,
        version: int = 0,
        tenant: str | None = None,
    ) -> None:
        """`lines`: all of a policy's, or (with `tenant`) those deciding in `tenant` only."""
        self.snapshot = Snapshot.of(version, lines)
        self._model_text = model_text
        self._tenant = tenant
        self._shards: dict[str, Shard] = {}

    @classmethod
    def read(cls, session: Session, model_text: str, *, tenant: str) -> ProposedPolicy:
        """The policy as `session`'s transaction sees it, its own changes included: the
        lines that decide requests in `tenant` (its own and the platform's), no others."""
        lines = read_lines(session, domains={tenant, PLATFORM})
        return cls(lines, model_text, version=current_version(session), tenant=tenant)

    def named_subjects(self, tenant: str) -> frozenset[str]:
        """Every subject named by a line that can decide a request in `tenant` (the subject
        of a rule or of a role assignment there or on the platform). casbin sees the subject
        only through those lines, so every other subject gets the same answer as any name
        no line mentions."""
        return frozenset(line.values[0] for line in self.snapshot.lines_for(tenant))

    def decide(self, req: AccessRequest) -> Decision:
        """The engine's answer (lab.authz.shard), for a request in a tenant it was read for."""
        allowed, matched = self._shard(req.tenant).decide(req)
        return Decision.of(req, allowed, matched)

    def explain(self, req: AccessRequest) -> Decision:
        """casbin over every rule of the tenant, no narrowing: for a dry-run's answer."""
        allowed, matched = self._shard(req.tenant).explain(req)
        return Decision.of(req, allowed, matched)

    def _shard(self, tenant: str) -> Shard:
        if self._tenant is not None and tenant not in (self._tenant, PLATFORM):
            raise ValueError(f"read for tenant {self._tenant}, asked about tenant {tenant}")
        shard = self._shards.get(tenant)
        if shard is None:
            shard = Shard(self._model_text, self.snapshot.lines_for(tenant))
            self._shards[tenant] = shard
        return shard
