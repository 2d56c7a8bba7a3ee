"""What the chokepoint asks the policy engine, and what it gets back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PLATFORM = "*"
"""The domain of platform-level requests and platform roles; as a rule's tenant: every tenant."""


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """May `subject`, acting in `tenant`, do `action` on `resource` in `zone`?

    `tenant` is the tenant that owns the resource (its slug), or `*` for platform-level
    things that belong to no tenant. `resource` is "<kind>" or "<kind>/<id>[/...]"; the
    casbin object is "<zone>/<resource>".
    """

    subject: str
    tenant: str
    zone: str
    resource: str
    action: str

    @property
    def obj(self) -> str:
        return f"{self.zone}/{self.resource}"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, with the policy line that decided it (None: nothing matched, default deny)."""

    allowed: bool
    rule: tuple[str, ...] | None
    reason: str

    @classmethod
    def of(cls, req: AccessRequest, allowed: bool, matched: Sequence[str]) -> Decision:
        """Build a decision from casbin's answer and the rule `enforce_ex` reported.

        The reported rule decided only if its effect is the outcome (a deny rule for a
        denial, an allow rule for an allowance); otherwise nothing matched.
        """
        rule = ("p", *matched) if matched and matched[-1] == _effect(allowed) else None
        if rule is not None:
            verdict = "allowed" if allowed else "denied"
            return cls(allowed, rule, f"{verdict} by rule {', '.join(rule)}")
        if allowed:  # not reachable with allow/deny effects; kept for an honest reason
            return cls(True, None, "allowed")
        where = "on the platform" if req.tenant == PLATFORM else f"in tenant {req.tenant}"
        return cls(
            False,
            None,
            f"denied: no rule allows {req.subject} to {req.action} {req.obj} {where}",
        )


def _effect(allowed: bool) -> str:
    return "allow" if allowed else "deny"
