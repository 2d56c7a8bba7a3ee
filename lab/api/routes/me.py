"""Who am I: the caller's identity and roles, as the policy sees them now."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from lab.api.deps import Access, get_lab, require
from lab.api.schemas import MeOut
from lab.context import Lab

router = APIRouter(prefix="/v1", tags=["me"])


@router.get("/me", response_model=MeOut)
def me(access: Access = require("read", "me", tenant="self"), lab: Lab = Depends(get_lab)) -> MeOut:
    name = access.actor
    return MeOut(
        name=name,
        tenant=access.principal.tenant,
        platform_roles=sorted(lab.policy.platform_roles_of(name)),
        tenant_roles={
            t: sorted(lab.policy.roles_of(name, t)) for t in sorted(lab.policy.tenants_of(name))
        },
        token_id=access.principal.token_id,
    )
