"""Every airlock route says in the OpenAPI document which client errors it answers."""

from __future__ import annotations

from tests.lab.factories import World


def test_release_routes_document_their_client_errors(sqlite_world: World) -> None:
    paths = sqlite_world.client.get("/openapi.json").json()["paths"]
    airlock = {p: item for p, item in paths.items() if "/releases" in p}
    assert len(airlock) == 7
    for path, item in airlock.items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "403", "404"} <= codes, f"{method} {path}"
            assert operation.get("description") or operation.get("summary"), f"{method} {path}"
    outputs = paths["/v1/tenants/{tenant}/zones/{zone}/jobs/{job_id}/outputs/{output}"]["get"]
    assert {"401", "403", "404", "409", "422"} <= set(outputs["responses"])
    assert "image/png" in outputs["responses"]["200"]["content"]
