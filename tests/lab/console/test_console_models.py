"""The models page in process: the registry with metrics and plots, deployed models with
their monitoring, each plot the same bytes as the API's after the same authorization, and
nothing of a tenant's models shown to another tenant.

One world for the module (the tests only read): acme's scorecard `card`, registered with
metrics and a plot, promoted, deployed and monitored once (tests/lab/console/registry.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.store import events_table
from tests.lab.console.registry import METRICS, MODEL, deployed_model, png
from tests.lab.console.test_console_rules import login
from tests.lab.factories import World, standard_world

MODELS = "/console/models"
DETAIL = f"{MODELS}/acme/sandbox/{MODEL}"
PLOT = f"{DETAIL}/versions/1/plots/roc"
API_PLOT = f"/v1/tenants/acme/zones/sandbox/models/{MODEL}/versions/1/plots/roc"
DEPLOYED = f"{MODELS}/acme/production/deployments/{MODEL}"
MONITORING = f"/v1/tenants/acme/zones/production/deployments/{MODEL}/monitoring"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = standard_world(Path(tmp_path_factory.mktemp("models")) / "home")
    try:
        deployed_model(w)
        yield w
    finally:
        w.close()


def _allowed(world: World, who: str, resource: str) -> int:
    query = sa.select(sa.func.count()).select_from(events_table)
    query = query.where(
        events_table.c.actor == who,
        events_table.c.action == "access.read",
        events_table.c.decision == "allow",
        events_table.c.resource == resource,
    )
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_registry_shows_models_with_their_newest_metrics(world: World) -> None:
    client, _ = login(world, "a-eng")
    page = client.get(MODELS)
    assert page.status_code == 200
    row = re.search(rf'<tr class="model" data-name="{MODEL}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    text = _text(row.group(1))
    assert "sandbox" in text and "v1" in text and "scorecard" in text
    assert all(f"{k} {v:.4g}" in text for k, v in METRICS.items())
    assert f'href="{DETAIL}"' in row.group(1)
    assert "production are not yours to list" in page.text  # engineers: promoted ones only


def test_a_version_shows_its_metrics_lineage_and_plot(world: World) -> None:
    client, _ = login(world, "a-owner")
    page = client.get(DETAIL)
    assert page.status_code == 200
    text = _text(page.text)
    assert "Version 1 (registered)" in text and "rating (numeric)" in text
    assert "merchants: acme/merchants v1" in text
    assert all(f"{k} {v:.4f}" in text for k, v in METRICS.items())
    assert f'src="{PLOT}"' in page.text and 'alt="Plot roc of card version 1"' in page.text


def test_a_plot_is_the_api_s_bytes_after_the_same_authorization(world: World) -> None:
    client, _ = login(world, "a-eng")
    resource = f"sandbox/models/{MODEL}/versions/1/plots/roc"
    before = _allowed(world, "a-eng", resource)
    image = client.get(PLOT)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == png() == world.get("a-eng", API_PLOT).content
    assert _allowed(world, "a-eng", resource) == before + 2  # the page's and the API's


def test_an_admin_reads_model_metadata_but_not_its_plots(world: World) -> None:
    client, _ = login(world, "root")
    assert client.get(DETAIL).status_code == 200
    refused = client.get(PLOT)
    assert refused.status_code == world.get("root", API_PLOT).status_code == 403
    assert "Not allowed" in refused.text and refused.headers["content-type"].startswith("text/html")


def test_deployed_models_show_their_monitoring_status(world: World) -> None:
    client, _ = login(world, "a-eng")
    page = client.get(MODELS)
    row = re.search(rf'<tr class="deployment" data-name="{MODEL}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert "ok" in _text(row.group(1).split('class="monitoring"')[1])
    assert f'href="{DEPLOYED}"' in row.group(1)


def test_a_deployment_page_shows_status_runs_figures_and_its_plots(world: World) -> None:
    status = world.get("a-eng", MONITORING).json()
    run = status["last_success"]
    client, _ = login(world, "a-eng")
    page = client.get(DEPLOYED)
    assert page.status_code == 200
    text = _text(page.text)
    assert 'id="status"><span class="status-ok">ok<' in page.text
    assert f"Drift and performance (run {run['id']})" in text
    assert f"PSI of rating {run['features'][0]['psi']:.4f}" in text
    assert f"Records scored {run['records']}" in text
    assert len(re.findall(r'<tr class="run">', page.text)) == 1
    for plot in run["plots"]:
        src = f"{DEPLOYED}/runs/{run['id']}/plots/{plot}"
        assert f'src="{src}"' in page.text
        image = client.get(src)
        assert image.status_code == 200
        assert (
            image.content
            == world.get("a-eng", f"{MONITORING}/runs/{run['id']}/plots/{plot}").content
        )


def test_an_admin_sees_the_monitoring_but_not_its_plots(world: World) -> None:
    run = world.get("a-eng", MONITORING).json()["last_success"]
    client, _ = login(world, "root")
    page = client.get(DEPLOYED)
    assert page.status_code == 200 and "status-ok" in page.text
    assert "not yours to read" in page.text  # the deployments themselves
    assert client.get(f"{DEPLOYED}/runs/{run['id']}/plots/psi").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        f"{MODELS}?tenant=acme",
        DETAIL,
        PLOT,
        DEPLOYED,
        f"{DEPLOYED}/runs/0123456789abcdef/plots/psi",
    ],
)
def test_another_tenant_sees_nothing_of_acme_s_models(world: World, url: str) -> None:
    client, _ = login(world, "g-eng")
    page = client.get(url)
    assert page.status_code == 404
    assert MODEL not in page.text and "Traceback" not in page.text


def test_a_tenant_without_models_has_empty_states(world: World) -> None:
    client, _ = login(world, "g-owner")
    page = client.get(MODELS)
    assert page.status_code == 200
    assert "No models registered in globex yet" in page.text
    assert "No model of globex is deployed" in page.text
    assert MODEL not in _text(page.text).replace("Models", "")


def test_platform_staff_see_every_tenant(world: World) -> None:
    client, _ = login(world, "carol")
    page = client.get(MODELS)
    assert page.status_code == 200
    assert 'id="t-acme"' in page.text and 'id="t-globex"' in page.text
    assert f'data-name="{MODEL}"' in page.text
    only = client.get(f"{MODELS}?tenant=globex")
    assert 'id="t-acme"' not in only.text and f'data-name="{MODEL}"' not in only.text


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"{MODELS}?tenant=Not%20a%20slug", 400),
        (f"{MODELS}/acme/elsewhere/{MODEL}", 404),
        (f"{MODELS}/acme/sandbox/nothing", 404),
        (f"{DETAIL}/versions/0/plots/roc", 404),
        (f"{DETAIL}/versions/1/plots/nothing", 404),
        (f"{DETAIL}/versions/1/plots/BAD", 404),
    ],
)
def test_bad_paths_are_pages(world: World, url: str, status: int) -> None:
    client, _ = login(world, "a-owner")
    page = client.get(url)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
