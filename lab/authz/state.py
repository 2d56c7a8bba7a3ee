"""One loaded policy version and the shards built from it, one per tenant, on first use."""

from __future__ import annotations

import threading

from lab.authz.request import PLATFORM
from lab.authz.shard import Shard
from lab.authz.snapshot import Snapshot
from lab.authz.store import PolicyLine

_MAX_FOREIGN = 1024
"""Distinct unknown tenants served before the shared foreign shard is rebuilt."""


class PolicyState:
    """Immutable policy (the snapshot) plus lazily built shards; safe to share by threads.

    Tenant T's shard holds T's lines and the `*` lines; the platform's (`*`) holds the `*`
    lines only. Tenants that no line names all get the same content (the `*` lines), so
    they share one foreign shard instead of one each. casbin's role manager keeps a small
    entry for every domain it is asked about, so that shard is rebuilt after
    `_MAX_FOREIGN` distinct tenants: requests naming made-up tenants cannot grow memory.
    """

    def __init__(
        self, snapshot: Snapshot, model_text: str, generation: int, *, outcomes: int
    ) -> None:
        """`outcomes`: casbin outcomes each shard remembers (0: none)."""
        self.snapshot = snapshot
        self.generation = generation
        self._model_text = model_text
        self._outcomes = outcomes
        self._shards: dict[str, Shard] = {}
        self._lines: dict[str, list[PolicyLine]] = {}
        self._foreign: Shard | None = None
        self._foreign_seen: set[str] = set()
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        return self.snapshot.version

    def shard(self, tenant: str) -> Shard:
        shard = self._shards.get(tenant)
        if shard is not None:
            return shard
        if tenant != PLATFORM and not self.snapshot.knows(tenant):
            return self._foreign_shard(tenant)
        with self._lock:
            shard = self._shards.get(tenant)
            if shard is None:
                lines = self.snapshot.lines_for(tenant)
                shard = Shard(self._model_text, lines, outcomes=self._outcomes)
                self._shards[tenant] = shard
                self._lines[tenant] = lines
            return shard

    def adopt(self, previous: PolicyState) -> int:
        """Take over the shards of `previous` whose lines are unchanged in this version: the
        same lines make the same casbin enforcer, so what it remembered still holds. A
        change in one tenant then rebuilds that tenant's shard only (a change to `*` lines,
        all of them). Returns how many shards were taken over."""
        with previous._lock:
            built = list(previous._lines.items())
            shards = dict(previous._shards)
        adopted = 0
        with self._lock:
            for tenant, lines in built:
                if tenant not in self._shards and self.snapshot.lines_for(tenant) == lines:
                    self._shards[tenant] = shards[tenant]
                    self._lines[tenant] = lines
                    adopted += 1
        return adopted

    def _foreign_shard(self, tenant: str) -> Shard:
        with self._lock:
            full = len(self._foreign_seen) >= _MAX_FOREIGN and tenant not in self._foreign_seen
            if self._foreign is None or full:
                lines = self.snapshot.lines_for(tenant)
                self._foreign = Shard(self._model_text, lines, outcomes=self._outcomes)
                self._foreign_seen.clear()
            self._foreign_seen.add(tenant)
            return self._foreign
