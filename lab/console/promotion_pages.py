"""Model promotions in the approvals queue: the request, its gates with their details, the
model version it would deploy (lineage, inputs, metrics and plots, read through the
registry as the API reads it), the reviews, and approve / reject / return, or the
author's withdraw, through lab/promotions/service.py as the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.errors import Forbidden, InvalidInput, NotFound
from lab.models import service as registry
from lab.models.schemas import ModelRef, ModelVersionOut
from lab.promotions import service
from lab.promotions.schemas import PromotionOut
from lab.releases.models import PENDING

from . import values
from .approvals_pages import COMMENT_MAX, why_not
from .pages import Viewer, checked_form, render, viewer

router = APIRouter(prefix="/promotions")


def _id(promotion_id: str) -> str:
    return values.in_path(values.ID, promotion_id, "no such promotion")


@router.get("", response_class=HTMLResponse)
def queue(request: Request, who: Viewer = Depends(viewer)) -> Response:
    tenant = values.tenant_filter(request.query_params.get("tenant", "").strip())
    state = request.query_params.get("state", PENDING).strip() or None
    found = service.list_promotions(
        who.lab, who.principal, tenant=tenant, state=state, request_id=who.request_id
    )
    context = {"who": who, "promotions": found, "tenant": tenant or "", "state": state or ""}
    return render(request, "promotions.html", context)


@router.get("/{promotion_id}", response_class=HTMLResponse)
def detail(request: Request, promotion_id: str, who: Viewer = Depends(viewer)) -> Response:
    found = service.get_promotion(
        who.lab, who.principal, _id(promotion_id), request_id=who.request_id
    )
    version, hidden = _version(who, found)
    context = {
        "who": who,
        "p": found,
        "version": version,
        "version_hidden": hidden,
        "why_not": why_not(who, found, kind="promotion"),
    }
    return render(request, "promotion.html", context)


def _version(who: Viewer, found: PromotionOut) -> tuple[ModelVersionOut | None, str]:
    """The model version the request would deploy, or why it is not shown."""
    ref = ModelRef(found.tenant, found.model_zone, found.model_name, found.model_version)
    try:
        version = registry.get_version(who.lab, who.principal, ref, request_id=who.request_id)
    except Forbidden:  # the denial is audited; the request itself is still shown
        return None, "You may not read this model version's lineage."
    except NotFound:
        return None, "This model version is no longer in the registry."
    return version, ""


@router.post("/{promotion_id}/review")
def decide(
    promotion_id: str,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    comment = fields.get("comment", "")
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(f"the comment is longer than {COMMENT_MAX} characters")
    service.review_promotion(
        who.lab,
        who.principal,
        who.as_actor(),
        _id(promotion_id),
        decision=fields.get("decision", ""),
        comment=comment,
    )
    return RedirectResponse(f"/console/promotions/{promotion_id}", status_code=303)


@router.post("/{promotion_id}/withdraw")
def withdraw(
    promotion_id: str,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    checked = _id(promotion_id)
    service.withdraw_promotion(who.lab, who.principal, who.as_actor(), checked)
    return RedirectResponse(f"/console/promotions/{checked}", status_code=303)
