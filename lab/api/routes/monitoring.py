"""Effect monitoring of deployed models: status, run history, a run, its plots, and
asking for a run now.

Thin adapters over `lab.monitoring.service`, which authorizes each read for its precise
resource (`production/deployments/<name>/monitoring/...`) before it looks anything up. A
run asked for is queued for a worker (202): the API never reads the data a run reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import DatasetName, Identifier, PlotName, Tenant
from lab.context import Lab
from lab.monitoring import service
from lab.monitoring.schemas import RunOut, StatusOut

router = api_router(prefix="/v1", tags=["monitoring"])
BASE = "/tenants/{tenant}/zones/production/deployments/{name}/monitoring"
RUNS = BASE + "/runs"
RUN = RUNS + "/{run_id}"
Limit = Annotated[int, Query(ge=1, le=service.MAX_RUNS, description="At most this many runs.")]


@router.get(BASE, response_model=StatusOut)
def monitoring_status(
    tenant: Tenant,
    name: DatasetName,
    caller: Caller = service_authorizes(
        "read", "deployments/{name}/monitoring", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> StatusOut:
    """The active deployment's status (ok, warning, alert) with its reasons, and its
    newest run."""
    return service.status(lab, caller.principal, tenant=tenant, name=name,
                          request_id=caller.request_id)  # fmt: skip


@router.get(RUNS, response_model=list[RunOut])
def monitoring_runs(
    tenant: Tenant,
    name: DatasetName,
    limit: Limit = 50,
    caller: Caller = service_authorizes(
        "read", "deployments/{name}/monitoring/runs", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> list[RunOut]:
    """The runs of every deployment of the model, newest first."""
    return service.list_runs(lab, caller.principal, tenant=tenant, name=name, limit=limit,
                             request_id=caller.request_id)  # fmt: skip


@router.post(RUNS, response_model=RunOut, status_code=202)
def monitoring_request(
    tenant: Tenant,
    name: DatasetName,
    caller: Caller = service_authorizes(
        "create", "deployments/{name}/monitoring/runs", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> RunOut:
    """Queue a run of the active deployment now; a worker does it. 409 while one waits."""
    return service.request_run(lab, caller.principal, caller.as_actor(), tenant=tenant,
                               name=name)  # fmt: skip


@router.get(RUN, response_model=RunOut)
def monitoring_run(
    tenant: Tenant,
    name: DatasetName,
    run_id: Identifier,
    caller: Caller = service_authorizes(
        "read", "deployments/{name}/monitoring/runs/{run_id}", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> RunOut:
    """One run: PSI per feature and of the score, AUC/KS, status and reasons, plot names."""
    return service.get_run(lab, caller.principal, tenant=tenant, name=name, run_id=run_id,
                           request_id=caller.request_id)  # fmt: skip


@router.get(
    RUN + "/plots/{plot}",
    response_model=None,
    response_class=Response,
    responses={
        200: {"description": "The plot as a PNG image.", "content": {"image/png": {}}},
        409: {"description": "The disclosure gate withheld the plot; the message says why."},
    },
)
def monitoring_plot(
    tenant: Tenant,
    name: DatasetName,
    run_id: Identifier,
    plot: PlotName,
    caller: Caller = service_authorizes(
        "read",
        "deployments/{name}/monitoring/runs/{run_id}/plots/{plot}",
        zone="production",
        tenant="path",
    ),
    lab: Lab = Depends(get_lab),
) -> Response:
    """A run's plot (`psi`, `score_distribution`), decrypted in memory; drawn from what
    the disclosure gate let through (409 when it withheld the plot)."""
    content = service.plot_content(lab, caller.principal, tenant=tenant, name=name,
                                   run_id=run_id, plot=plot,
                                   request_id=caller.request_id)  # fmt: skip
    return Response(content, media_type="image/png")
