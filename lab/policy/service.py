"""Policy, one front door per action: rules, role assignments, their history, a dry-run.

The API routes and the CLI commands are thin adapters over these functions; neither reads
nor writes the versioned store (`lab.authz.admin`) itself any more. Each function passes
the chokepoint first: rules, the history and the dry-run are platform things
(`platform/policy/...`), role assignments are asked about in the tenant they are held in
(`*` for platform roles).

A change is versioned and audited in a transaction of its own, and this process reloads the
policy after the commit (the engine reads committed rules; other processes follow within
`policy_refresh_seconds`). That is why the service, and not its caller, owns the
transaction: the API route once committed the request's session itself, behind the back of
the unit of work that owned it.

Inside that transaction a change is refused (WouldLockOut) if it would leave no active
user able to administer the policy (lab.policy.lockout); the dry-run of a change tries it
the same way and rolls back, so it reports the same refusal as a finding.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz import admin as policy_admin
from lab.authz.chokepoint import PLATFORM, Principal
from lab.authz.model import SEED_PATH
from lab.authz.proposed import ProposedPolicy
from lab.authz.request import AccessRequest, Decision
from lab.authz.seedfile import read_seed
from lab.authz.store import current_version
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.errors import InvalidInput, LabError, NotFound
from lab.identity.users import get_user
from lab.policy import lockout
from lab.policy.schemas import ChangeBody, DryRunOut, RuleChange

RULES = "policy/rules"
ASSIGNMENTS = "policy/assignments"
HISTORY = "policy/history"


def _authorize(
    lab: Lab,
    principal: Principal,
    action: AccessAction,
    resource: str,
    *,
    tenant: str = PLATFORM,
    request_id: str | None,
) -> None:
    # A tenant named by the caller: a refusal to someone with no standing there looks
    # like a tenant that does not exist.
    lab.chokepoint.authorize(
        principal,
        action=action,
        resource=resource,
        tenant=tenant,
        request_id=request_id,
        hide_unknown=tenant != PLATFORM,
    )


def _change(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    verb: AccessAction,
    resource: str,
    *,
    tenant: str,
    about: str,
    what: str,
    write: Callable[[Session], policy_admin.PolicyChange],
) -> policy_admin.PolicyChange:
    """Authorize `verb` on `resource` in `tenant`; then `write` the change, versioned, and
    audit it for the tenant it is `about`, in one transaction, refused if it would leave
    nobody able to administer the policy (lab.policy.lockout); then reload the policy."""
    _authorize(lab, principal, verb, resource, tenant=tenant, request_id=actor.request_id)
    with lockout.guarded(lab, actor, what, f"platform/{resource}") as session:
        change = write(session)
        lab.auditor.change(
            session,
            actor,
            AuditAction(f"policy.{change.op}"),
            "platform/policy",
            tenant=about,
            details={"version": change.version, **{k: str(v) for k, v in change.item.items()}},
        )
    lab.policy.refresh(force=True)
    return change


def describe_rule(rule: policy_admin.Rule, *, added: bool) -> str:
    return f"{'adding' if added else 'removing'} the rule {', '.join(rule.values())}"


def describe_assignment(subject: str, role: str, tenant: str, *, added: bool) -> str:
    where = "on the platform" if tenant == PLATFORM else f"in tenant {tenant}"
    if added:
        return f"granting the role {role} {where} to {subject}"
    return f"withdrawing the role {role} {where} from {subject}"


# -- rules ---------------------------------------------------------------------------------


def list_rules(
    lab: Lab, principal: Principal, *, tenant: str | None = None, request_id: str | None = None
) -> list[policy_admin.Rule]:
    """Every rule; with `tenant`, those of exactly that tenant (or `*`)."""
    _authorize(lab, principal, AccessAction.READ, RULES, request_id=request_id)
    with lab.read() as session:
        return policy_admin.list_rules(session, tenant=tenant)


def add_rule(
    lab: Lab, principal: Principal, actor: Actor, rule: policy_admin.Rule
) -> policy_admin.PolicyChange:
    return _rule_change(lab, principal, actor, rule, AccessAction.CREATE, policy_admin.add_rule)


def remove_rule(
    lab: Lab, principal: Principal, actor: Actor, rule: policy_admin.Rule
) -> policy_admin.PolicyChange:
    return _rule_change(lab, principal, actor, rule, AccessAction.DELETE, policy_admin.remove_rule)


def _rule_change(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    rule: policy_admin.Rule,
    verb: AccessAction,
    store: Callable[[Session, str, policy_admin.Rule], policy_admin.PolicyChange],
) -> policy_admin.PolicyChange:
    # Rules are platform things whatever tenant they name; the event is filed under it.
    return _change(
        lab,
        principal,
        actor,
        verb,
        RULES,
        tenant=PLATFORM,
        about=rule.tenant,
        what=describe_rule(rule, added=verb == AccessAction.CREATE),
        write=lambda session: store(session, actor.name, rule),
    )


def seed_rules_missing(
    lab: Lab, principal: Principal, *, request_id: str | None = None
) -> list[policy_admin.Rule]:
    """The seed file's rules (policies/seed.csv) that the stored policy does not hold.

    The seed loads into an empty metastore only, so a lab made from an older seed lacks the
    rules added since (a new action, a new role). They are listed for an admin to decide on
    and never added on their own: a rule missing from the store may have been removed on
    purpose, and that decision is the admin's, as every change is."""
    _authorize(lab, principal, AccessAction.READ, RULES, request_id=request_id)
    source = read_seed(SEED_PATH)
    with lab.read() as session:
        held = {rule.values() for rule in policy_admin.list_rules(session)}
    return [policy_admin.Rule(*values) for values in source.rules if values not in held]


# -- role assignments ----------------------------------------------------------------------


def list_assignments(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str | None = None,
    subject: str | None = None,
    request_id: str | None = None,
) -> list[policy_admin.RoleAssignment]:
    """Role assignments, of exactly `tenant` (`*`: platform roles) and/or `subject`.
    Those of one tenant are asked about in that tenant, where its owner may read them."""
    _authorize(
        lab,
        principal,
        AccessAction.READ,
        ASSIGNMENTS,
        tenant=tenant or PLATFORM,
        request_id=request_id,
    )
    with lab.read() as session:
        return policy_admin.list_assignments(session, tenant=tenant, subject=subject)


def _assignment(
    session: Session, subject: str, role: str, tenant: str
) -> policy_admin.RoleAssignment:
    """Tenant roles go to the tenant's users, platform roles to staff; `partner` goes to
    another tenant's users (what it lets them do is the rules the tenant adds for it)."""
    user = get_user(session, subject)
    if role == "partner" and tenant != PLATFORM:
        if user.tenant_slug is None or user.tenant_slug == tenant:
            raise InvalidInput(
                f"the role partner of {tenant!r} goes to another tenant's users, not to {subject!r}"
            )
        return policy_admin.RoleAssignment(subject, role, tenant)
    if tenant == PLATFORM and user.tenant_slug is not None:
        raise InvalidInput(
            f"{subject!r} belongs to tenant {user.tenant_slug!r}; platform roles go to "
            "platform staff only"
        )
    if tenant != PLATFORM and user.tenant_slug != tenant:
        raise NotFound(f"user {subject!r} not found in tenant {tenant!r}")
    return policy_admin.RoleAssignment(subject, role, tenant)


def assign_role(
    lab: Lab, principal: Principal, actor: Actor, subject: str, role: str, *, tenant: str
) -> policy_admin.PolicyChange:
    """Grant `role` in `tenant` (`*`: a platform role) to `subject`."""
    item = (subject, role, tenant)
    return _role_change(lab, principal, actor, item, AccessAction.CREATE, policy_admin.assign_role)


def unassign_role(
    lab: Lab, principal: Principal, actor: Actor, subject: str, role: str, *, tenant: str
) -> policy_admin.PolicyChange:
    """Withdraw `role` in `tenant` (`*`: a platform role) from `subject`."""
    item = (subject, role, tenant)
    return _role_change(
        lab, principal, actor, item, AccessAction.DELETE, policy_admin.unassign_role
    )


def _role_change(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    item: tuple[str, str, str],
    verb: AccessAction,
    store: Callable[[Session, str, policy_admin.RoleAssignment], policy_admin.PolicyChange],
) -> policy_admin.PolicyChange:
    tenant = item[2]
    return _change(
        lab,
        principal,
        actor,
        verb,
        ASSIGNMENTS,
        tenant=tenant,
        about=tenant,
        what=describe_assignment(*item, added=verb == AccessAction.CREATE),
        write=lambda session: store(session, actor.name, _assignment(session, *item)),
    )


# -- history and dry-run -------------------------------------------------------------------


def policy_history(
    lab: Lab,
    principal: Principal,
    *,
    limit: int = 100,
    before_version: int | None = None,
    request_id: str | None = None,
) -> list[policy_admin.PolicyChange]:
    """Policy versions, newest first: who changed what, when."""
    _authorize(lab, principal, AccessAction.READ, HISTORY, request_id=request_id)
    with lab.read() as session:
        return policy_admin.history(session, limit=limit, before_version=before_version)


def dry_run(
    lab: Lab,
    principal: Principal,
    request: AccessRequest | None,
    *,
    change: ChangeBody | None = None,
    request_id: str | None = None,
) -> DryRunOut:
    """Would `request` be allowed, and by which rule, under the policy committed now; or,
    with `change`, would the change be made, and what would the request get after it?

    The change is tried for real in a transaction that is always rolled back, through the
    same store functions and the same lockout guard as the change itself: its findings are
    the messages the change would be refused with. The request is judged with the change
    made, even one the guard refuses, to show what it would do."""
    _authorize(lab, principal, AccessAction.READ, RULES, request_id=request_id)
    if change is None:
        if request is None:
            raise InvalidInput("a dry-run needs a request, a change, or both")
        lab.policy.refresh(force=True)
        return _dry_run_out(lab.policy.explain(request), lab.policy.version)
    session = lab.sessions()
    try:
        guard = lockout.Guard(session, lab.policy.model_text)
        version = current_version(session)
        findings = []
        try:
            guard.check(session, _apply(session, principal.user, change))
        except LabError as exc:
            findings.append(exc.message)
        decision = None
        if request is not None:
            after = ProposedPolicy.read(session, lab.policy.model_text, tenant=request.tenant)
            decision = after.explain(request)
    finally:
        session.rollback()
        session.close()
    out = _dry_run_out(decision, version)
    return out.model_copy(update={"change_accepted": not findings, "findings": findings})


def _apply(session: Session, actor: str, change: ChangeBody) -> str:
    """Make `change` in `session`; return what it does, in words."""
    if isinstance(change, RuleChange):
        rule = change.rule.rule()
        added = change.op == "add_rule"
        (policy_admin.add_rule if added else policy_admin.remove_rule)(session, actor, rule)
        return describe_rule(rule, added=added)
    a = change.assignment
    added = change.op == "assign_role"
    assignment = _assignment(session, a.subject, a.role, a.tenant)
    (policy_admin.assign_role if added else policy_admin.unassign_role)(session, actor, assignment)
    return describe_assignment(a.subject, a.role, a.tenant, added=added)


def _dry_run_out(decision: Decision | None, version: int) -> DryRunOut:
    if decision is None:
        return DryRunOut(allowed=None, rule=None, reason="", policy_version=version)
    return DryRunOut(
        allowed=decision.allowed,
        rule=list(decision.rule) if decision.rule else None,
        reason=decision.reason,
        policy_version=version,
    )
