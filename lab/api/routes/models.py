"""Models of a tenant in a zone: registered versions with flavour, input schema, lineage,
metrics and plots.

Thin adapters over `lab.models.service`, which authorizes and looks up for the API and the
CLI alike. Registering happens when a job that saved a model ends (`lab.runs.models`)."""

from __future__ import annotations

from fastapi import Depends, Response

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import DatasetName, PlotName, Tenant, VersionNumber, Zone
from lab.api.responses import errors
from lab.context import Lab
from lab.models import service
from lab.models.schemas import ModelOut, ModelRef, ModelVersionOut, PlotOut, RetireBody

router = api_router(prefix="/v1", tags=["models"])
BASE = "/tenants/{tenant}/zones/{zone}/models"
MODEL = BASE + "/{name}"
VERSION = MODEL + "/versions/{version}"


@router.get(BASE, response_model=list[ModelOut])
def models_list(
    tenant: Tenant,
    zone: Zone,
    caller: Caller = service_authorizes("read", "models", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[ModelOut]:
    """The tenant's models in the zone, each with its newest version."""
    return service.list_models(
        lab, caller.principal, tenant=tenant, zone=zone, request_id=caller.request_id
    )


@router.get(MODEL, response_model=ModelOut)
def models_show(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    caller: Caller = service_authorizes("read", "models/{name}", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ModelOut:
    """One model: how many versions, and the newest."""
    model, _ = service.model_versions(
        lab, caller.principal, ModelRef(tenant, zone, name), request_id=caller.request_id
    )
    return model


@router.get(MODEL + "/versions", response_model=list[ModelVersionOut])
def models_versions(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    caller: Caller = service_authorizes("read", "models/{name}", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[ModelVersionOut]:
    """Every version of a model, oldest first (destroyed ones too, marked so)."""
    _, versions = service.model_versions(
        lab, caller.principal, ModelRef(tenant, zone, name), request_id=caller.request_id
    )
    return versions


@router.get(VERSION, response_model=ModelVersionOut)
def models_version(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    version: VersionNumber,
    caller: Caller = service_authorizes(
        "read", "models/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> ModelVersionOut:
    """A version: flavour, input schema, artifact hash, lineage, metrics, plot names."""
    ref = ModelRef(tenant, zone, name, version)
    return service.get_version(lab, caller.principal, ref, request_id=caller.request_id)


@router.post(VERSION + "/retire", response_model=ModelVersionOut)
def models_retire(
    body: RetireBody,
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    version: VersionNumber,
    caller: Caller = service_authorizes(
        "update", "models/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> ModelVersionOut:
    """Retire a version: kept and readable with its lineage, no longer offered for use."""
    ref = ModelRef(tenant, zone, name, version)
    return service.retire_version(lab, caller.principal, caller.as_actor(), ref, reason=body.reason)


@router.get(VERSION + "/metrics", response_model=dict[str, bool | int | float | str])
def models_metrics(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    version: VersionNumber,
    caller: Caller = service_authorizes(
        "read", "models/{name}/versions/{version}/metrics", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> dict[str, bool | int | float | str]:
    """The metrics the training job logged."""
    ref = ModelRef(tenant, zone, name, version)
    found = service.get_version(
        lab, caller.principal, ref, part="metrics", request_id=caller.request_id
    )
    return found.metrics


@router.get(VERSION + "/plots", response_model=list[PlotOut])
def models_plots(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    version: VersionNumber,
    caller: Caller = service_authorizes(
        "read", "models/{name}/versions/{version}/plots", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> list[PlotOut]:
    """The plots (PNG outputs of the training job) of a version."""
    ref = ModelRef(tenant, zone, name, version)
    return service.list_plots(lab, caller.principal, ref, request_id=caller.request_id)


@router.get(
    VERSION + "/plots/{plot}",
    response_model=None,
    response_class=Response,
    responses={
        200: {"description": "The plot as a PNG image.", "content": {"image/png": {}}},
        **errors(409),  # production plots leave only through a release request
    },
)
def models_plot(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    version: VersionNumber,
    plot: PlotName,
    caller: Caller = service_authorizes(
        "read", "models/{name}/versions/{version}/plots/{plot}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> Response:
    """One plot's PNG, decrypted in memory."""
    ref = ModelRef(tenant, zone, name, version)
    content = service.plot_content(lab, caller.principal, ref, plot, request_id=caller.request_id)
    return Response(content, media_type="image/png")
