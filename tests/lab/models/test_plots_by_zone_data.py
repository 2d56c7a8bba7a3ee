"""A model's plots leave a zone by what the zone holds, not by the zone's name: a zone whose
rules say `data: full` refuses them (they leave only through a release request), one of
desensitized samples serves them. The sandbox's rules are changed both ways through the
API, and the console's model page follows."""

from __future__ import annotations

from typing import Any

from tests.lab.console.registry import MODEL, registered_model
from tests.lab.console.test_console_rules import login
from tests.lab.factories import World

PLOT = f"/v1/tenants/acme/zones/sandbox/models/{MODEL}/versions/1/plots/roc"
PAGE = f"/console/models/acme/sandbox/{MODEL}"


def _sandbox_holds(world: World, data: str) -> None:
    rules: dict[str, Any] = world.get("root", "/v1/zones/sandbox").json()["rules"]
    body = {"rules": {**rules, "data": data}, "comment": f"the sandbox holds {data} data"}
    assert world.call("PUT", "root", "/v1/zones/sandbox", json=body).status_code == 200


def test_plots_follow_the_zone_s_data_rule(world: World) -> None:
    registered_model(world)
    assert world.get("a-eng", "/v1/zones/sandbox").json()["rules"]["data"] == "desensitized"
    served = world.get("a-eng", PLOT)
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")

    _sandbox_holds(world, "full")
    refused = world.get("a-eng", PLOT)
    assert refused.status_code == 409
    assert "full data" in refused.json()["error"]["message"]
    client, _ = login(world, "a-eng")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "leave only through a reviewed release request" in page.text
    assert "/plots/roc" not in page.text

    _sandbox_holds(world, "desensitized")
    assert world.get("a-eng", PLOT).status_code == 200
    assert "/plots/roc" in client.get(PAGE).text


def test_a_zone_that_does_not_say_is_taken_to_hold_full_data(world: World) -> None:
    rules: dict[str, Any] = world.get("root", "/v1/zones/sandbox").json()["rules"]
    rules.pop("data")
    body = {"rules": rules, "comment": "data left out"}
    assert world.call("PUT", "root", "/v1/zones/sandbox", json=body).status_code == 200
    assert world.get("root", "/v1/zones/sandbox").json()["rules"]["data"] == "full"
