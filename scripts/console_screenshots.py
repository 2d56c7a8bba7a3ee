"""Screenshots of the web console for the README (docs/console/*.png).

Builds a throwaway lab home with two tenants and their people, a deployed and monitored
model, and a second version of the sandbox's rules; serves it, and photographs four pages
in Debian's headless Chromium (the same set-up as the console's browser tests): an
engineer's events in the audit trail, a zone's diff between two versions, a policy
dry-run's answer and a model's page (metrics, lineage, its ROC plot). Each is one
1280x800 screen, stored as a palette PNG to stay small.

    PYTHONPATH=. .venv/bin/python scripts/console_screenshots.py
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lab.console.browser import chromium, log_in, served  # noqa: E402
from tests.lab.console.registry import deployed_model  # noqa: E402
from tests.lab.factories import World, standard_world  # noqa: E402

OUT = ROOT / "docs" / "console"
SCREEN = {"width": 1280, "height": 800}


def _save(page: Any, name: str) -> None:
    """One screen of `page`, as a PNG of at most 256 colours (text stays sharp: no dither)."""
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _roc() -> bytes:
    """A ROC curve as a training job's plot would draw it (the registry stores any PNG)."""
    size, pad = 360, 40
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    span = size - 2 * pad
    draw.rectangle((pad, pad, size - pad, size - pad), outline="#888888")
    draw.line((pad, size - pad, size - pad, pad), fill="#bbbbbb", width=1)  # chance
    curve = [(x / 50, (x / 50) ** 0.35) for x in range(51)]
    points = [(pad + fx * span, size - pad - fy * span) for fx, fy in curve]
    draw.line(points, fill="#0b4f8a", width=3)
    draw.text((pad, 12), "ROC, validation sample (AUC 0.81)", fill="#1a1a1a")
    draw.text((pad, size - pad + 8), "false positive rate", fill="#4a4a4a")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _world(home: Path) -> World:
    world = standard_world(home)
    deployed_model(world, plot=_roc())
    rules = world.get("root", "/v1/zones/sandbox").json()["rules"]
    rules["retention"]["dataset_days"] = 30
    body = {"rules": rules, "comment": "keep samples a month"}
    assert world.call("PUT", "root", "/v1/zones/sandbox", json=body).status_code == 200
    return world


def _photograph(world: World, base: str, browser: Any) -> None:
    page = log_in(browser, base, world.tokens["carol"])
    page.set_viewport_size(SCREEN)
    page.goto("/console/audit?actor=a-eng")
    _save(page, "audit")

    page.goto("/console/zones/sandbox")
    _save(page, "zone-diff")

    page.goto("/console/policy")
    page.get_by_label("Subject (user)").fill("a-eng")
    page.get_by_label("Action", exact=True).fill("submit")
    page.get_by_label("Resource").fill("jobs")
    page.get_by_label("Tenant", exact=True).fill("acme")
    page.get_by_label("Zone").fill("sandbox")
    page.get_by_role("button", name="Run dry-run").click()
    page.wait_for_url("**/console/policy/dry-run")
    _save(page, "policy-dry-run")
    page.context.close()

    owner = log_in(browser, base, world.tokens["a-owner"])
    owner.set_viewport_size(SCREEN)
    owner.goto("/console/models/acme/sandbox/card")
    owner.get_by_role("heading", name="Metrics").scroll_into_view_if_needed()
    _save(owner, "model")
    owner.context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        world = _world(Path(tmp) / "home")
        try:
            with served(world) as base, chromium() as browser:
                _photograph(world, base, browser)
        finally:
            world.close()
    print(f"screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
