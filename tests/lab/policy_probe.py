"""A second OS process that holds its own Lab and watches a decision change."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from tests.lab.factories import World


def _probe(settings_json: str, ready: Any, changed: Any, out: Any) -> None:
    from lab.authz.request import AccessRequest
    from lab.context import Lab
    from lab.settings import Settings

    lab = Lab.open(Settings.model_validate_json(settings_json))
    request = AccessRequest("a-viewer", "acme", "platform", "users", "create")
    results = ["allow" if lab.policy.decide(request).allowed else "deny"]
    ready.set()
    changed.wait(30)
    results.append("allow" if lab.policy.decide(request).allowed else "deny")
    out.put(results)
    lab.close()


def run_probe(world: World, rule: dict[str, str]) -> list[str]:
    """Start the probe, change the policy through the API, return what the probe saw."""
    ctx = mp.get_context("spawn")
    ready, changed, out = ctx.Event(), ctx.Event(), ctx.Queue()
    settings = world.lab.settings
    payload = settings.model_dump_json(exclude={"master_key"})
    payload = payload[:-1] + f', "master_key": "{settings.master_key.get_secret_value()}"}}'  # type: ignore[union-attr]
    proc = ctx.Process(target=_probe, args=(payload, ready, changed, out))
    proc.start()
    try:
        assert ready.wait(60), "probe did not start"
        assert world.post("root", "/v1/policy/rules", json=rule).status_code == 201
        changed.set()
        result: list[str] = out.get(timeout=60)
        return result
    finally:
        proc.join(30)
