"""`/docs` and `/redoc` work offline: every script, style and icon they load is the lab's own."""

from __future__ import annotations

import re

import pytest

from lab.api.docs import ASSETS, ASSETS_URL
from tests.lab.factories import World

# every URL an HTML page makes the browser fetch: src/href attributes and url(...) in styles
_LOADED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")
_CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_loads_only_what_the_lab_serves(sqlite_world: World, page: str) -> None:
    response = sqlite_world.client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    loaded = [a or b for a, b in _LOADED.findall(html)]
    assert loaded, "the page loads its bundle"
    for url in loaded:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
    assert "http://" not in html and "https://" not in html, "no CDN, no Google Fonts"
    assert "/openapi.json" in html
    for url in loaded:  # each of them is served
        asset = sqlite_world.client.get(url)
        assert asset.status_code == 200, url


@pytest.mark.parametrize("name", ASSETS)
def test_each_asset_is_served_with_its_content_type(sqlite_world: World, name: str) -> None:
    response = sqlite_world.client.get(f"{ASSETS_URL}/{name}")
    assert response.status_code == 200
    suffix = name[name.rindex(".") :]
    assert _CONTENT_TYPES[suffix] in response.headers["content-type"]
    assert len(response.content) > 1000  # the bundle, not a placeholder


def test_the_swagger_page_uses_the_bundle_and_redoc_its_own(sqlite_world: World) -> None:
    swagger = sqlite_world.client.get("/docs").text
    redoc = sqlite_world.client.get("/redoc").text
    assert f"{ASSETS_URL}/swagger-ui-bundle.js" in swagger
    assert f"{ASSETS_URL}/swagger-ui.css" in swagger
    assert f"{ASSETS_URL}/redoc.standalone.js" in redoc
    assert "fonts.googleapis.com" not in redoc


def test_the_assets_folder_serves_nothing_outside_it(sqlite_world: World) -> None:
    for probe in ("/docs/assets/../../pyproject.toml", "/docs/assets/%2e%2e/__init__.py"):
        assert sqlite_world.client.get(probe).status_code == 404
