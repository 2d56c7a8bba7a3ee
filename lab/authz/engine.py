"""The policy engine behind the authorization chokepoint.

Every decision is made by casbin (policies/model.conf), over the stored policy, fast:

- the policy is read from the metastore in one snapshot and split by tenant: one casbin
  enforcer per tenant, built on first use, holding that tenant's rules and role
  assignments plus the `*` ones (lab.authz.state);
- inside a tenant, casbin evaluates only the rules that can match the request
  (lab.authz.shard explains why the answer is the same as over the whole policy);
- answers are remembered twice: per full request (an LRU, emptied when the policy
  version changes) and, inside a shard, casbin's outcome per role standing, action and
  object (so subjects with the same roles share one evaluation); a new version keeps the
  shards of tenants whose lines did not change, with what they remembered.

Several processes share the metastore. Each engine compares the stored policy version
(`policy_changes`) with its own at most every `refresh_seconds` (0: before every
decision) and reloads when it moved, so a change made anywhere takes effect everywhere
within that delay. `refresh(force=True)` checks at once (after a change in this process).
If the stored policy cannot be read (database down, a malformed line), the call that was
looking raises, and the next one looks again; meanwhile other calls keep deciding with the
version already loaded.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from lab.authz.cache import CacheInfo, LruCache
from lab.authz.model import load_model_text
from lab.authz.request import AccessRequest, Decision
from lab.authz.shard import OUTCOMES
from lab.authz.snapshot import Snapshot
from lab.authz.state import PolicyState
from lab.authz.store import current_version, read_policy


class PolicyEngine:
    def __init__(
        self,
        db: Engine,
        *,
        model_path: Path | None = None,
        refresh_seconds: float = 1.0,
        cache_size: int = 100_000,
    ) -> None:
        """Load the policy from `db` now; raise ConfigurationError if it cannot be read.

        `cache_size`: decisions remembered (LRU); 0 turns caching off entirely, so that
        casbin evaluates every request (each shard also remembers casbin's outcomes per
        role standing, lab.authz.shard, unless this is 0).
        """
        if refresh_seconds < 0:
            raise ValueError("refresh_seconds must be >= 0")
        self._db = db
        self._model_text = load_model_text(model_path)
        self._refresh_seconds = refresh_seconds
        self._cache: LruCache[tuple[str, ...], Decision] = LruCache(cache_size)
        self._outcomes = min(cache_size, OUTCOMES)
        self._generations = itertools.count(1)
        self._reload_lock = threading.Lock()
        self._state = self._load()
        self._cache.reset(self._state.generation)
        self._checked_at = time.monotonic()

    # -- deciding ---------------------------------------------------------------------

    def decide(self, req: AccessRequest) -> Decision:
        """Allow or deny `req`, with the rule that decided. The fast path (cached)."""
        if time.monotonic() - self._checked_at >= self._refresh_seconds:
            self.refresh()
        # A tuple hashes and compares in C; the dataclass's own methods are Python code.
        key = (req.subject, req.tenant, req.zone, req.resource, req.action)
        decision = self._cache.get(key)
        if decision is not None:
            return decision
        state = self._state
        allowed, matched = state.shard(req.tenant).decide(req)
        decision = Decision.of(req, allowed, matched)
        self._cache.put(key, decision, state.generation)
        return decision

    def explain(self, req: AccessRequest) -> Decision:
        """The same answer as `decide`, computed afresh by casbin over every rule that
        applies in the tenant (no cache, no narrowing): for dry-runs and reviews."""
        allowed, matched = self._current().shard(req.tenant).explain(req)
        return Decision.of(req, allowed, matched)

    # -- who holds which role ---------------------------------------------------------

    def roles_of(self, subject: str, tenant: str) -> frozenset[str]:
        """Roles assigned to `subject` in exactly `tenant`: platform roles are not included
        (for tenant `*`, the platform roles are the answer)."""
        return self._current().snapshot.roles_of(subject, tenant)

    def platform_roles_of(self, subject: str) -> frozenset[str]:
        """Roles assigned to `subject` on the platform (domain `*`)."""
        return self._current().snapshot.roles_of(subject, "*")

    def tenants_of(self, subject: str) -> frozenset[str]:
        """Tenants in which `subject` holds any role."""
        return self._current().snapshot.tenants_of(subject)

    def is_member(self, subject: str, tenant: str) -> bool:
        return bool(self.roles_of(subject, tenant))

    # -- keeping up with the stored policy --------------------------------------------

    @property
    def model_text(self) -> str:
        """The casbin model this engine decides with."""
        return self._model_text

    @property
    def version(self) -> int:
        """The policy version this engine decides with."""
        return self._state.version

    def refresh(self, *, force: bool = False) -> None:
        """Reload if the stored policy version changed. Without `force`, look at most every
        `refresh_seconds`; while another thread is looking, carry on with the current one."""
        if not force and time.monotonic() - self._checked_at < self._refresh_seconds:
            return
        if not self._reload_lock.acquire(blocking=force or self._refresh_seconds == 0):
            return
        try:
            if not force and time.monotonic() - self._checked_at < self._refresh_seconds:
                return
            with self._db.connect() as conn:
                stored = current_version(conn)
            if stored != self._state.version:
                state = self._load()
                state.adopt(self._state)
                self._install(state)
            self._checked_at = time.monotonic()
        finally:
            self._reload_lock.release()

    def cache_info(self) -> CacheInfo:
        return self._cache.info()

    def _current(self) -> PolicyState:
        if time.monotonic() - self._checked_at >= self._refresh_seconds:
            self.refresh()
        return self._state

    def _load(self) -> PolicyState:
        version, lines = read_policy(self._db)
        snapshot = Snapshot.of(version, lines)
        return PolicyState(
            snapshot, self._model_text, next(self._generations), outcomes=self._outcomes
        )

    def _install(self, state: PolicyState) -> None:
        # Empty the cache for the new generation first: a decision still being made from
        # the old policy is then refused by the cache instead of outliving it.
        self._cache.reset(state.generation)
        self._state = state
