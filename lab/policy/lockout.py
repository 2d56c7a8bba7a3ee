"""No change locks the administration out: the guard on every change that could.

"Administering" means being allowed, on the platform (tenant `*`, zone `platform`), every
request of `ADMINISTRATION`: read, add and remove policy rules; grant and withdraw role
assignments; create users. Those are the requests the policy API and `lab policy` ask the
chokepoint for; with them an admin can undo any other change (a tenant-scoped rule, a role
in a tenant, a missing user), so they are the ones that must survive. The platform is the
one scope that matters: rules are changed there whatever tenant they name, and a rule or
role of one tenant never decides a platform request (policies/model.conf).

An administrator is an active (not disabled) user whom the policy engine allows all of
them. The guard judges the policy as it would be, by the engine (lab.authz.proposed), not
by rule or role names: a removed rule, a withdrawn role, a disabled user, a narrower rule
in place of a broad one, a deny rule that overrides, all count alike.

A change is refused (WouldLockOut, a Conflict: 409) when the lab had at least one
administrator before it and would have none after. A lab that has none already (a fresh
metastore before `lab init`, a lab run from the console alone, one already locked out) is
not held to it: refusing every change there would only block the repair. The console
(`system:cli`) is not a user and does not count; `lab admin recover` is its way back.

Tokens are not guarded: the ability is the user's (policy subjects are user names, never
tokens), and a user's token is issued by whoever may create it (the console, another
admin, the user's own live token). An administrator whose last token is revoked or expires
stays an administrator; the operator console issues a new one (`lab tokens issue NAME`,
or `lab admin recover --user NAME --issue-token` if the console was locked out too).

The guard holds the policy lock (lab.authz.admin.serialise) from before it reads until the
transaction ends, so two changes that are each harmless alone (two admins withdrawing each
other's role at once) are judged one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz import admin as policy_admin
from lab.authz.proposed import ProposedPolicy
from lab.authz.request import PLATFORM, AccessRequest
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.errors import WouldLockOut
from lab.identity.models import User

ADMINISTRATION: tuple[tuple[AccessAction, str], ...] = (
    (AccessAction.READ, "policy/rules"),
    (AccessAction.CREATE, "policy/rules"),
    (AccessAction.DELETE, "policy/rules"),
    (AccessAction.CREATE, "policy/assignments"),
    (AccessAction.DELETE, "policy/assignments"),
    (AccessAction.CREATE, "users"),
)
"""(verb, platform resource): what an administrator must be allowed on the platform."""
_NOBODY = "lockout:nobody"
"""Stands for every user no platform line names (user names cannot hold a `:`)."""


def administration_requests(subject: str) -> list[AccessRequest]:
    return [
        AccessRequest(subject, PLATFORM, "platform", resource, action)
        for action, resource in ADMINISTRATION
    ]


def lacks(policy: ProposedPolicy, subject: str) -> list[str]:
    """The administration requests `policy` refuses `subject`, as `verb platform/resource`."""
    return [
        f"{req.action} {req.obj}"
        for req in administration_requests(subject)
        if not policy.decide(req).allowed
    ]


def administrators(session: Session, policy: ProposedPolicy) -> list[str]:
    """Active users whom `policy` allows every administration request, by name.

    Only users some platform line names are asked about one by one; the others all get
    the answer of a name no line mentions (ProposedPolicy.named_subjects), asked once."""
    active = sa.select(User.name).where(User.disabled_at.is_(None)).order_by(User.name)
    named = policy.named_subjects(PLATFORM)
    nobody = _NOBODY
    while nobody in named:
        nobody += "_"
    if lacks(policy, nobody):
        active = active.where(User.name.in_(sorted(named)))
    return [name for name in session.scalars(active) if not lacks(policy, name)]


class Guard:
    """Read who administers before a change; after it, in the same transaction, refuse a
    change that leaves nobody (see the module docstring)."""

    def __init__(self, session: Session, model_text: str) -> None:
        policy_admin.serialise(session)
        self._model_text = model_text
        policy = ProposedPolicy.read(session, model_text, tenant=PLATFORM)
        self.before = administrators(session, policy)

    def check(self, session: Session, what: str) -> None:
        """Raise WouldLockOut if `what` (done in `session`, not committed) leaves nobody."""
        if not self.before:
            return
        policy = ProposedPolicy.read(session, self._model_text, tenant=PLATFORM)
        if administrators(session, policy):
            return
        losses = []
        for name in self.before[:3]:
            lost = lacks(policy, name)
            losses.append(
                f"{name} could no longer {', '.join(lost)}" if lost else f"{name} would be disabled"
            )
        raise WouldLockOut(
            f"this would leave no active user who can change policy: {what} ("
            + "; ".join(losses)
            + "). Give another active user the admin role first; "
            "`lab admin recover` is the way back from the operator console",
            administrators=", ".join(self.before),
        )


@contextmanager
def guarded(lab: Lab, actor: Actor, what: str, resource: str) -> Iterator[Session]:
    """A transaction whose change is refused if it would lock the administration out.

    The refusal is audited in a transaction of its own (the change's rolls back)."""
    try:
        with lab.transaction() as session:
            guard = Guard(session, lab.policy.model_text)
            yield session
            guard.check(session, what)
    except WouldLockOut as exc:
        with lab.transaction() as session:
            lab.auditor.change(
                session,
                actor,
                AuditAction.POLICY_LOCKOUT_REFUSED,
                resource,
                outcome="refused",
                details={"change": what, "administrators": exc.details["administrators"]},
            )
        raise
