"""The one authorization chokepoint: every request and every job passes `authorize`.

It asks the policy engine, writes the decision to the audit log on its own, durably, before
answering (a denial is kept even when the request then fails; concurrent decisions share
one commit through the group-commit appender, `lab.auditing`), and turns a denial into the
error the caller should see: `NotFound` when the subject has no standing in the tenant
(so the existence of another tenant's things does not leak), `Forbidden` otherwise.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from audit.event import MAX_TEXT
from lab.auditing import Auditor
from lab.authz.engine import PolicyEngine
from lab.authz.request import AccessRequest, Decision
from lab.catalogue.actions import AuditAction
from lab.errors import Forbidden, NotFound

PLATFORM = "*"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def recordable(text: str) -> str:
    """`text` as the audit trail can hold it: control characters escaped (`\\x09`), a
    blank text quoted, and a text longer than the trail's limit cut, with a digest of the
    whole so that two long names stay apart. The API refuses such values before they get
    here; a caller that passes one anyway (a script, a CLI argument) is still recorded,
    never a crash."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if not shown.strip():
        return repr(text)
    if len(shown) <= MAX_TEXT:
        return shown
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{shown[: MAX_TEXT - 24]}...#{digest}"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user, or a lab component acting on its own (`system:<name>`)."""

    user: str
    tenant: str | None
    token_id: str | None = None


class Chokepoint:
    def __init__(
        self,
        policy: PolicyEngine,
        auditor: Auditor,
        zones: frozenset[str],
    ) -> None:
        self.policy = policy
        self.auditor = auditor
        self.zones = zones  # a request naming another zone names nothing

    def authorize(
        self,
        principal: Principal,
        *,
        action: str,
        resource: str,
        zone: str = "platform",
        tenant: str = PLATFORM,
        request_id: str | None = None,
        hide_unknown: bool = False,
    ) -> Decision:
        """Allow or raise. `hide_unknown`: the resource was named by the caller, so a denial
        for a subject with no standing must look exactly like a missing resource. A request
        in a zone the lab does not have is denied as not found, whoever asks."""
        request = AccessRequest(
            subject=principal.user, tenant=tenant, zone=zone, resource=resource, action=action
        )
        decision = self.policy.decide(request)
        verdict = "allow" if decision.allowed else "deny"
        self.auditor.record_alone(
            actor=principal.user,
            action=AuditAction.access(action),
            resource=recordable(request.obj),
            tenant=recordable(tenant),
            zone=recordable(zone),
            decision=verdict,
            outcome="allowed" if decision.allowed else "denied",
            request_id=request_id,
            details={"rule": ", ".join(decision.rule) if decision.rule else None},
        )
        if decision.allowed:
            return decision
        if zone in self.zones and self._has_standing(principal, tenant, hide_unknown):
            raise Forbidden(f"not allowed to {action} {request.obj}")
        raise NotFound("not found")

    def permits(
        self,
        principal: Principal,
        *,
        action: str,
        resource: str,
        zone: str = "platform",
        tenant: str = PLATFORM,
    ) -> bool:
        """Would `authorize` allow this? The policy engine's answer, not recorded: for what
        a screen offers (a link, a button), asked on every render, where auditing would
        flood the trail with denials nobody asked for. Never in place of `authorize`: the
        page or action itself still passes it, audited."""
        if zone not in self.zones:  # as `authorize`: another zone names nothing
            return False
        request = AccessRequest(
            subject=principal.user, tenant=tenant, zone=zone, resource=resource, action=action
        )
        return self.policy.decide(request).allowed

    def authorize_named(
        self,
        principal: Principal,
        action: str,
        resource: str,
        *,
        tenant: str,
        zone: str,
        request_id: str | None = None,
    ) -> Decision:
        """`authorize` for a tenant's thing the caller named by id (a job, an import): a
        denial for someone with no standing in the tenant looks exactly like a missing
        thing. The feature services use it before they look the thing up."""
        return self.authorize(
            principal,
            action=action,
            resource=resource,
            zone=zone,
            tenant=tenant,
            request_id=request_id,
            hide_unknown=True,
        )

    def _has_standing(self, principal: Principal, tenant: str, hide_unknown: bool) -> bool:
        if self.policy.platform_roles_of(principal.user) or tenant == principal.tenant:
            return True
        if tenant == PLATFORM:
            return not hide_unknown
        return self.policy.is_member(principal.user, tenant)
