"""Administration of people: users with their tenants, roles and status; creating and
disabling users, granting and withdrawing roles, issuing and revoking tokens.

Every action goes through the service the API uses (lab/identity/service.py for users,
lab/policy/service.py for roles, lab/tokens/service.py for tokens): the chokepoint, the
audit and the lockout guard (a change that would leave nobody able to administer the policy
is a Conflict, shown as a 409 page) are theirs.

An issued token's secret is in the answer to the POST that issued it and nowhere else: not
in a redirect's query, not in the session, and the page is marked not to be stored.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.authz.chokepoint import PLATFORM
from lab.authz.vocabulary import PLATFORM_ROLES, TENANT_ROLES
from lab.errors import InvalidInput
from lab.identity import service as people
from lab.identity.schemas import UserOut
from lab.policy import service as policy
from lab.tokens import service as tokens

from . import values
from .pages import Viewer, checked_form, render, viewer

router = APIRouter(prefix="/admin/users")
TTL = re.compile(r"^[0-9]{1,4}$")
STAFF = "platform"  # the form's value for platform staff (no tenant)
ROLES = {"staff": sorted(PLATFORM_ROLES), "tenant": sorted(TENANT_ROLES - {"partner"})}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _user(name: str) -> str:
    return values.in_path(values.USER, name, "no such user")


def _tenant_filter(value: str) -> str | None:
    """`platform` (staff), a tenant's slug, or empty (everyone the viewer may list)."""
    if value and value != STAFF and not values.TENANT.match(value):
        raise InvalidInput("tenant is a tenant's slug or 'platform'")
    return value or None


def _everyone(who: Viewer) -> list[UserOut]:
    """Platform staff and every tenant's users (for platform staff who may list them)."""
    found = people.list_users(who.lab, who.principal, tenant=None, request_id=who.request_id)
    for tenant in people.list_tenants(who.lab, who.principal, request_id=who.request_id):
        found += people.list_users(
            who.lab, who.principal, tenant=tenant.slug, request_id=who.request_id
        )
    return found


@router.get("", response_class=HTMLResponse)
def users(request: Request, who: Viewer = Depends(viewer)) -> Response:
    chosen = _tenant_filter(request.query_params.get("tenant", "").strip())
    if chosen is None and who.principal.tenant is not None:
        chosen = who.principal.tenant  # a tenant's member: their tenant's people
    if chosen is None:
        found = _everyone(who)
    else:
        tenant = None if chosen == STAFF else chosen
        found = people.list_users(who.lab, who.principal, tenant=tenant, request_id=who.request_id)
    context: dict[str, Any] = {
        "who": who,
        "users": found,
        "tenant": chosen or "",
        "own_tenant": who.principal.tenant,
        "roles": ROLES,
    }
    return render(request, "users.html", context)


@router.post("")
def create(
    fields: dict[str, str] = Depends(checked_form), who: Viewer = Depends(viewer)
) -> Response:
    name = fields.get("name", "").strip()
    where = fields.get("tenant", "").strip()
    if where != STAFF and not values.TENANT.match(where):
        raise InvalidInput("choose platform staff or a tenant's slug")
    role = fields.get("role", "").strip()
    made = people.create_user(
        who.lab,
        who.principal,
        who.as_actor(),
        name,
        tenant=None if where == STAFF else where,
        roles=[role] if role else [],
        display_name=fields.get("display_name", "").strip()[:200],
    )
    return RedirectResponse(f"/console/admin/users/{made.name}", status_code=303)


def _detail(request: Request, who: Viewer, name: str, *, issued: Any = None) -> Response:
    user = people.get_user(who.lab, who.principal, name, request_id=who.request_id)
    held = tokens.list_tokens(who.lab, who.principal, name, request_id=who.request_id)
    context: dict[str, Any] = {
        "who": who,
        "u": user,
        "tokens": held,
        "issued": issued,
        "roles": ROLES["tenant" if user.tenant else "staff"],
    }
    if issued is None:
        return render(request, "user.html", context)
    response = render(request, "user.html", context, status=201)
    response.headers.update(NO_STORE)
    return response


@router.get("/{user}", response_class=HTMLResponse)
def detail(request: Request, user: str, who: Viewer = Depends(viewer)) -> Response:
    return _detail(request, who, _user(user))


@router.post("/{user}/roles")
def roles(
    user: str, fields: dict[str, str] = Depends(checked_form), who: Viewer = Depends(viewer)
) -> Response:
    found = people.get_user(who.lab, who.principal, _user(user), request_id=who.request_id)
    change = {"assign": policy.assign_role, "unassign": policy.unassign_role}.get(
        fields.get("action", "")
    )
    if change is None:
        raise InvalidInput("action is assign or unassign")
    role = fields.get("role", "").strip()
    if not role:
        raise InvalidInput("choose a role")
    change(
        who.lab, who.principal, who.as_actor(), found.name, role, tenant=found.tenant or PLATFORM
    )
    return RedirectResponse(f"/console/admin/users/{found.name}", status_code=303)


@router.post("/{user}/disable")
def disable(
    user: str, fields: dict[str, str] = Depends(checked_form), who: Viewer = Depends(viewer)
) -> Response:
    disabled = people.disable_user(who.lab, who.principal, who.as_actor(), _user(user))
    return RedirectResponse(f"/console/admin/users/{disabled.name}", status_code=303)


@router.post("/{user}/tokens", response_class=HTMLResponse)
def issue(
    request: Request,
    user: str,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    """The new token's secret is rendered in this answer only (POST-render, no redirect)."""
    label = fields.get("name", "").strip()
    if len(label) > 200:
        raise InvalidInput("a token's name is at most 200 characters")
    ttl = fields.get("ttl_days", "").strip()
    if ttl and (not TTL.match(ttl) or not 1 <= int(ttl) <= 3650):
        raise InvalidInput("the lifetime is 1 to 3650 days")
    issued = tokens.issue_token(
        who.lab,
        who.principal,
        who.as_actor(),
        _user(user),
        ttl_days=int(ttl) if ttl else None,
        name=label,
    )
    return _detail(request, who, issued.user, issued=issued)


@router.post("/{user}/tokens/{token_id}/revoke")
def revoke(
    user: str,
    token_id: str,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    values.in_path(values.ID, token_id, "no such token")
    done = tokens.revoke_token(who.lab, who.principal, who.as_actor(), _user(user), token_id)
    return RedirectResponse(f"/console/admin/users/{done.user}", status_code=303)
