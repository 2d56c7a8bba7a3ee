"""Screenshots of the web console for the README (docs/console/*.png).

Builds a throwaway lab home with two tenants and their people, a finished job with a
release request and a dataset, serves it, and photographs three pages in Debian's headless
Chromium (the same set-up as the console's browser tests).

    PYTHONPATH=. .venv/bin/python scripts/console_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lab.console.browser import chromium, served  # noqa: E402
from tests.lab.factories import standard_world  # noqa: E402
from tests.lab.releases.jobs import finished_job  # noqa: E402

OUT = ROOT / "docs" / "console"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        world = standard_world(Path(tmp) / "home")
        try:
            job_id = finished_job(world)
            body = {"job_id": job_id, "outputs": ["by_city"], "purpose": "quarterly report"}
            made = world.post("a-eng", "/v1/tenants/acme/zones/sandbox/releases", json=body)
            release_id = made.json()["id"]
            with served(world) as base, chromium() as browser:
                page = browser.new_context(
                    base_url=base, viewport={"width": 1280, "height": 800}
                ).new_page()
                page.goto("/console/login")
                page.get_by_label("Token").fill(world.tokens["carol"])
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url("**/console/")
                page.goto("/console/audit?action=access.*")
                page.get_by_role("button", name="Verify now").click()
                page.screenshot(path=str(OUT / "audit.png"))
                page.goto(f"/console/approvals/sandbox/{release_id}")
                page.screenshot(path=str(OUT / "approval.png"), full_page=True)
                page.goto("/console/data?tenant=acme&zone=sandbox")
                page.screenshot(path=str(OUT / "data.png"))
        finally:
            world.close()
    print(f"screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
