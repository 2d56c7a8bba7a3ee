"""Models: the registry (a tenant's models and their versions with metrics and plots), the
deployed models and their monitoring (status, runs, drift and performance, plots).

Through the services the API uses (lab/models/service.py, lab/promotions/deployments.py,
lab/monitoring/service.py), which authorize and audit each read. A plot is embedded through
a console route that asks the same service for the same bytes, after the same
authorization, as the API's plot route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from lab.errors import Forbidden, NotFound
from lab.identity import service as people
from lab.models import service as registry
from lab.models.schemas import ModelRef
from lab.monitoring import service as monitoring
from lab.monitoring.schemas import StatusOut
from lab.promotions import deployments
from lab.promotions.models import ACTIVE

from . import values
from .pages import Viewer, render, viewer

router = APIRouter(prefix="/models")
RUNS_SHOWN = 10
PNG = {"Cache-Control": "private, no-store"}


def _slug(tenant: str) -> str:
    return values.in_path(values.TENANT, tenant, "no such tenant")


def _ref(who: Viewer, tenant: str, zone: str, name: str, version: str | None = None) -> ModelRef:
    values.zone(who.lab, zone, "no such model")
    values.in_path(values.NAME, name, "no such model")
    if version is not None:
        values.in_path(values.NUMBER, version, "no such version")
    return ModelRef(_slug(tenant), zone, name, int(version) if version else None)


def _tenants(who: Viewer, chosen: str) -> list[str]:
    """The tenants whose models the page shows: the one asked for, the viewer's own, or
    for platform staff every tenant they may list (none when they may not)."""
    if chosen:
        values.tenant_filter(chosen)
        return [chosen]
    if who.principal.tenant is not None:
        return [who.principal.tenant]
    try:
        found = people.list_tenants(who.lab, who.principal, request_id=who.request_id)
    except Forbidden:  # the denial is audited; the page asks for a tenant instead
        return []
    return [t.slug for t in found]


def _monitoring(who: Viewer, tenant: str, name: str) -> StatusOut | None:
    try:
        return monitoring.status(
            who.lab, who.principal, tenant=tenant, name=name, request_id=who.request_id
        )
    except (Forbidden, NotFound):  # refused (audited) or nothing monitored
        return None


def _tenant_registry(who: Viewer, tenant: str) -> dict[str, Any]:
    """A tenant's models in both zones and its active deployments with their status."""
    models, hidden = [], []
    zones = values.zones(who.lab)
    for zone in zones:
        try:
            models += registry.list_models(
                who.lab, who.principal, tenant=tenant, zone=zone, request_id=who.request_id
            )
        except Forbidden:  # e.g. a tenant's viewer and production (the denial is audited)
            hidden.append(zone)
    if len(hidden) == len(zones):
        raise Forbidden(f"not allowed to read the models of {tenant}")
    try:
        deployed = deployments.list_deployments(
            who.lab, who.principal, tenant=tenant, request_id=who.request_id
        )
    except Forbidden:  # the denial is audited; the registry is shown without them
        deployed = None
    active = [d for d in deployed or [] if d.status == ACTIVE]
    return {
        "tenant": tenant,
        "models": models,
        "hidden": hidden,
        "deployed": [(d, _monitoring(who, tenant, d.name)) for d in active],
        "deployments_hidden": deployed is None,
    }


@router.get("", response_class=HTMLResponse)
def index(request: Request, who: Viewer = Depends(viewer)) -> Response:
    chosen = request.query_params.get("tenant", "").strip()
    tenants = [_tenant_registry(who, t) for t in _tenants(who, chosen)]
    context = {
        "who": who,
        "tenant": chosen,
        "tenants": tenants,
        "staff": who.principal.tenant is None,
    }
    return render(request, "models.html", context)


@router.get("/{tenant}/{zone}/{name}", response_class=HTMLResponse)
def model(
    request: Request, tenant: str, zone: str, name: str, who: Viewer = Depends(viewer)
) -> Response:
    ref = _ref(who, tenant, zone, name)
    found, versions = registry.model_versions(
        who.lab, who.principal, ref, request_id=who.request_id
    )
    context = {"who": who, "m": found, "versions": list(reversed(versions))}
    return render(request, "model.html", context)


@router.get("/{tenant}/{zone}/{name}/versions/{version}/plots/{plot}")
def model_plot(
    tenant: str, zone: str, name: str, version: str, plot: str, who: Viewer = Depends(viewer)
) -> Response:
    ref = _ref(who, tenant, zone, name, version)
    values.in_path(values.OUTPUT, plot, "no such plot")
    content = registry.plot_content(who.lab, who.principal, ref, plot, request_id=who.request_id)
    return Response(content, media_type="image/png", headers=PNG)


@router.get("/{tenant}/production/deployments/{name}", response_class=HTMLResponse)
def deployment(request: Request, tenant: str, name: str, who: Viewer = Depends(viewer)) -> Response:
    tenant = _slug(tenant)
    values.in_path(values.NAME, name, "no such deployment")
    try:
        history = deployments.deployment_versions(
            who.lab, who.principal, tenant=tenant, name=name, request_id=who.request_id
        )
    except Forbidden:  # an admin reads the monitoring, not the deployments (audited)
        history = None
    status = monitoring.status(
        who.lab, who.principal, tenant=tenant, name=name, request_id=who.request_id
    )
    runs = monitoring.list_runs(
        who.lab, who.principal, tenant=tenant, name=name, limit=RUNS_SHOWN,
        request_id=who.request_id,
    )  # fmt: skip
    context = {"who": who, "tenant": tenant, "name": name, "history": history,
               "status": status, "runs": runs}  # fmt: skip
    return render(request, "deployment.html", context)


@router.get("/{tenant}/production/deployments/{name}/runs/{run_id}/plots/{plot}")
def run_plot(
    tenant: str, name: str, run_id: str, plot: str, who: Viewer = Depends(viewer)
) -> Response:
    for pattern, value in ((values.NAME, name), (values.ID, run_id), (values.OUTPUT, plot)):
        values.in_path(pattern, value, "no such plot")
    content = monitoring.plot_content(
        who.lab, who.principal, tenant=_slug(tenant), name=name, run_id=run_id, plot=plot,
        request_id=who.request_id,
    )  # fmt: skip
    return Response(content, media_type="image/png", headers=PNG)
