"""Who am I: the caller's identity and roles, as the policy sees them now."""

from __future__ import annotations

from fastapi import Depends

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.context import Lab
from lab.identity.schemas import MeOut
from lab.identity.service import whoami

router = api_router(prefix="/v1", tags=["me"])


@router.get("/me", response_model=MeOut)
def me(
    caller: Caller = service_authorizes("read", "me", tenant="self"), lab: Lab = Depends(get_lab)
) -> MeOut:
    return whoami(lab, caller.principal, request_id=caller.request_id)
