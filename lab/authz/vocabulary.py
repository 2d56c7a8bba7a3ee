"""The policy's fixed vocabulary (roles, effects) and the shape of every policy field.

Values end up in casbin's comma-separated policy lines and in keyMatch2 patterns (which
are regular expressions), so the checks here keep them unambiguous in both: no commas,
spaces or brackets anywhere, and in object patterns no regex characters besides the ones
keyMatch2 gives a meaning (`*` as a whole segment, `:name` for one segment).
"""

from __future__ import annotations

import re

from lab.authz.request import PLATFORM
from lab.errors import InvalidInput

PLATFORM_ROLES = frozenset({"admin", "compliance", "output_checker"})
"""Assigned in domain `*`; they hold in every tenant and at platform level."""
TENANT_ROLES = frozenset({"owner", "engineer", "viewer", "partner"})
"""Assigned per tenant; they hold in that tenant only. `partner` has no rules in the seed:
a data owner gives another tenant's people this role in its own tenant and adds rules of
its tenant for exactly what it shares (e.g. `production/datasets/merchants`: read, promote),
so that they may target and score that dataset and nothing else of the tenant."""
ROLES = PLATFORM_ROLES | TENANT_ROLES
EFFECTS = ("allow", "deny")

_SUBJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}")
_TENANT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_ACTION = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
_ZONE = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_SEGMENT = re.compile(r"\*|:[A-Za-z][A-Za-z0-9_]*|[A-Za-z0-9_@-]+")
_MAX_OBJECT = 255


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(
            f"unknown role {role!r}: use one of {', '.join(sorted(ROLES))}", field="role"
        )


def check_tenant(tenant: str) -> None:
    """A tenant slug, or `*` (the platform; for a rule: every tenant)."""
    if tenant != PLATFORM and not _TENANT.fullmatch(tenant):
        raise InvalidInput(f"tenant {tenant!r} is neither a tenant slug nor '*'", field="tenant")


def check_subject(subject: str) -> None:
    if not _SUBJECT.fullmatch(subject):
        raise InvalidInput(
            f"subject {subject!r} is not a user name (letters, digits, '._@:-', at most 128)",
            field="subject",
        )
    if subject in ROLES:
        raise InvalidInput(
            f"subject {subject!r} is a role name: roles are assigned to users, not to roles",
            field="subject",
        )


def check_action(action: str) -> None:
    if action != "*" and not _ACTION.fullmatch(action):
        raise InvalidInput(
            f"action {action!r} is not a verb (lower-case letters, digits, '_.:-') or '*'",
            field="action",
        )


def check_effect(effect: str) -> None:
    if effect not in EFFECTS:
        raise InvalidInput(f"effect {effect!r} must be 'allow' or 'deny'", field="effect")


def check_object(obj: str) -> None:
    """`*` (everything) or `<zone>[/<segment>...]`; a segment is a name, `*` or `:param`.

    `sandbox/datasets/*` covers everything below sandbox/datasets/ (not the collection
    itself); `sandbox/*/rows` the row-level content of anything in the sandbox;
    `sandbox/datasets/:id` exactly one dataset segment.
    """
    if obj == "*":
        return
    zone, *segments = obj.split("/")
    problem = None
    if len(obj) > _MAX_OBJECT:
        problem = f"longer than {_MAX_OBJECT} characters"
    elif not _ZONE.fullmatch(zone):
        problem = "it must start with a zone name (sandbox, production, platform)"
    else:
        for segment in segments:
            if not _SEGMENT.fullmatch(segment):
                problem = (
                    f"segment {segment!r} must be a name (letters, digits, '_@-'), '*' or "
                    "':param' (a '*' inside a name or a '.' would act as a regex)"
                )
                break
    if problem:
        raise InvalidInput(f"object pattern {obj!r} is not valid: {problem}", field="obj")


def check_rule_fields(role: str, tenant: str, obj: str, action: str, effect: str) -> None:
    check_role(role)
    check_tenant(tenant)
    check_object(obj)
    check_action(action)
    check_effect(effect)


def check_assignment_fields(subject: str, role: str, tenant: str) -> None:
    check_subject(subject)
    check_role(role)
    check_tenant(tenant)
    if role in PLATFORM_ROLES and tenant != PLATFORM:
        raise InvalidInput(
            f"{role!r} is a platform role, held across every tenant: give it to platform "
            f"staff (`lab users create NAME --role {role}`, leaving out --tenant) or assign "
            f"it in tenant '*', not in {tenant!r}",
            field="tenant",
        )
    if role in TENANT_ROLES and tenant == PLATFORM:
        raise InvalidInput(
            f"{role!r} is a tenant role: assign it in a tenant, not on the platform ('*')",
            field="tenant",
        )
