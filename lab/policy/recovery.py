"""Break-glass: give the administration back from the operator console (`lab admin recover`).

The lockout guard (lab.policy.lockout) refuses the changes that would leave nobody able to
administer the policy through the front doors; it cannot stop a direct edit of the
metastore, a restore of an old backup, or a policy made before the guard existed. This is
the way back, and the one action that changes the policy without passing the chokepoint.

Why that is accepted: it runs only where the lab is opened with its master key and its
metastore (the operator's machine, the same standing `lab init` and `lab keys rotate`
rely on). Whoever has that can already rewrite the metastore directly; this gives no new
power, it makes using that power deliberate and visible. It asks who runs it and why, and
writes one `admin.recover` event into the signed audit chain, in the same transaction as
every change it makes (each change is also a policy version, by `operator:<name>`).

What it restores, judged by the policy engine on the seed (policies/seed.csv):

- the seed rules that grant the administration requests (lab.policy.lockout.ADMINISTRATION)
  to an admin, if the stored policy lacks them;
- the seed's admin role assignments (the operator console, `system:cli`);
- with `user`: that platform staff member enabled again and holding the admin role, with a
  new token if asked (their old tokens stay revoked);
- then, while an administration request is still denied to the console or the user by a
  deny rule, that rule is removed (each one named in the event).

Nothing else is touched: other rules an admin removed on purpose stay removed
(`lab policy seed-diff` lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz import admin as policy_admin
from lab.authz.model import SEED_PATH
from lab.authz.proposed import ProposedPolicy
from lab.authz.request import PLATFORM
from lab.authz.seedfile import read_seed
from lab.authz.store import PolicyLine
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.errors import ConfigurationError, InvalidInput
from lab.identity import tokens as token_store
from lab.identity import users as user_store
from lab.identity.tokens import IssuedToken
from lab.policy.lockout import administration_requests

ADMIN = "admin"
_MAX_OPERATOR = 100
_MAX_REASON = 500
_PROBE = "recover:probe"
"""A subject no line names, standing for "someone holding the admin role" in the seed."""


@dataclass
class Recovery:
    """What `recover` did."""

    operator: str
    rules_added: list[policy_admin.Rule] = field(default_factory=list)
    rules_removed: list[policy_admin.Rule] = field(default_factory=list)
    assignments_added: list[policy_admin.RoleAssignment] = field(default_factory=list)
    user_enabled: str | None = None
    token: IssuedToken | None = None
    versions: list[int] = field(default_factory=list)
    event_seq: int = 0


def recover(
    lab: Lab,
    *,
    operator: str,
    reason: str,
    os_user: str,
    user: str | None = None,
    issue_token: bool = False,
) -> Recovery:
    """Restore the administration (see the module docstring), audited, in one transaction."""
    operator, reason = _text(operator, "operator", _MAX_OPERATOR), _text(reason, "reason")
    if issue_token and user is None:
        raise InvalidInput("--issue-token needs --user: whose token?", field="user")
    actor = Actor(f"operator:{operator}")
    done = Recovery(operator)
    with lab.transaction() as session:
        policy_admin.serialise(session)
        _restore_seed(lab, session, actor, done)
        subjects = [a.subject for a in seed_admin_assignments()]
        if user is not None:
            _restore_user(lab, session, actor, user, issue_token, done)
            subjects.append(user)
        _lift_denials(lab, session, actor, subjects, done)
        event = lab.auditor.change(
            session,
            actor,
            AuditAction.ADMIN_RECOVER,
            "platform/policy",
            details={
                "operator": operator,
                "os_user": os_user,
                "reason": reason,
                "bypassed": "the authorization chokepoint (break-glass, local master key)",
                "rules_added": [", ".join(r.values()) for r in done.rules_added],
                "rules_removed": [", ".join(r.values()) for r in done.rules_removed],
                "assignments_added": [", ".join(a.values()) for a in done.assignments_added],
                "user_enabled": done.user_enabled,
                "token_id": done.token.token.id if done.token else None,
                "policy_versions": done.versions,
            },
        )
        done.event_seq = event.seq
    lab.policy.refresh(force=True)
    return done


def seed_admin_assignments() -> list[policy_admin.RoleAssignment]:
    """The seed's assignments of the admin role (the operator console)."""
    seed = read_seed(SEED_PATH)
    return [policy_admin.RoleAssignment(*a) for a in seed.assignments if a[1] == ADMIN]


def seed_administration_rules(model_text: str) -> list[policy_admin.Rule]:
    """The seed rules that grant an admin the administration requests, as casbin decides
    over the seed alone: for each request, the rule `enforce_ex` reports as deciding."""
    seed = read_seed(SEED_PATH)
    lines = [PolicyLine(i, "p", r) for i, r in enumerate(seed.rules)]
    lines.append(PolicyLine(len(lines), "g", (_PROBE, ADMIN, PLATFORM)))
    policy = ProposedPolicy(lines, model_text)
    found: list[policy_admin.Rule] = []
    for req in administration_requests(_PROBE):
        decision = policy.explain(req)
        if not decision.allowed or decision.rule is None:
            raise ConfigurationError(
                f"the seed policy {SEED_PATH} does not let an admin {req.action} {req.obj}: "
                "there is nothing to recover to"
            )
        rule = policy_admin.Rule(*decision.rule[1:])
        if rule not in found:
            found.append(rule)
    return found


def _restore_seed(lab: Lab, session: Session, actor: Actor, done: Recovery) -> None:
    held_rules = set(policy_admin.list_rules(session))
    for rule in seed_administration_rules(lab.policy.model_text):
        if rule not in held_rules:
            done.versions.append(policy_admin.add_rule(session, actor.name, rule).version)
            done.rules_added.append(rule)
    held = set(policy_admin.list_assignments(session, tenant=PLATFORM))
    for assignment in seed_admin_assignments():
        if assignment not in held:
            change = policy_admin.assign_role(session, actor.name, assignment)
            done.versions.append(change.version)
            done.assignments_added.append(assignment)


def _restore_user(
    lab: Lab, session: Session, actor: Actor, name: str, issue_token: bool, done: Recovery
) -> None:
    person = user_store.get_user(session, name)
    if person.tenant_slug is not None:
        raise InvalidInput(
            f"{name!r} belongs to tenant {person.tenant_slug!r}; the admin role goes to "
            "platform staff only",
            field="user",
        )
    if person.disabled_at is not None:
        person.disabled_at = None
        session.flush()
        done.user_enabled = name
    assignment = policy_admin.RoleAssignment(name, ADMIN, PLATFORM)
    if assignment not in policy_admin.list_assignments(session, tenant=PLATFORM, subject=name):
        done.versions.append(policy_admin.assign_role(session, actor.name, assignment).version)
        done.assignments_added.append(assignment)
    if issue_token:
        done.token = token_store.issue_token(
            session,
            person,
            ttl=timedelta(days=lab.settings.token_ttl_days),
            name="break-glass recovery",
            created_by=actor.name,
        )


def _lift_denials(
    lab: Lab, session: Session, actor: Actor, subjects: list[str], done: Recovery
) -> None:
    """Remove the deny rules that still refuse `subjects` an administration request; stop
    with ConfigurationError (nothing is committed) if something else refuses them."""
    while True:
        policy = ProposedPolicy.read(session, lab.policy.model_text, tenant=PLATFORM)
        denied = [
            (req, policy.explain(req))
            for subject in subjects
            for req in administration_requests(subject)
        ]
        denied = [(req, d) for req, d in denied if not d.allowed]
        if not denied:
            return
        req, decision = denied[0]
        if decision.rule is None or decision.rule[-1] != "deny":
            raise ConfigurationError(
                f"after recovery {req.subject} still could not {req.action} {req.obj} "
                f"({decision.reason}); nothing was changed"
            )
        rule = policy_admin.Rule(*decision.rule[1:])
        done.versions.append(policy_admin.remove_rule(session, actor.name, rule).version)
        done.rules_removed.append(rule)


def _text(value: str, name: str, limit: int = _MAX_REASON) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{name} must not be empty: say who runs this and why", field=name)
    if len(value) > limit or any(not ch.isprintable() for ch in value):
        raise InvalidInput(
            f"{name} must be printable text of at most {limit} characters", field=name
        )
    return value
