"""The zones pages, in process: each zone's rules in force, their history, and the
differences between two chosen versions; read as the API reads them, and audited."""

from __future__ import annotations

import re

import pytest

from tests.lab.console.test_console_rules import count_events, login
from tests.lab.factories import World


@pytest.fixture
def world(sqlite_world: World) -> World:
    """The sandbox with a second version: a higher minimum cell count, one engine less."""
    rules = sqlite_world.get("root", "/v1/zones/sandbox").json()["rules"]
    rules["disclosure"]["min_cell_count"] = 20
    rules["engines"] = ["sql", "python"]
    changed = sqlite_world.call(
        "PUT", "root", "/v1/zones/sandbox", json={"rules": rules, "comment": "stricter cells"}
    )
    assert changed.status_code == 200, changed.text
    return sqlite_world


def _diff_rows(html: str) -> dict[str, tuple[str, str, str]]:
    """The diff table as rule -> (kind, old, new)."""
    table = re.search(r'<table id="diff">(.*?)</table>', html, re.S)
    assert table is not None, "no diff table"
    rows = re.findall(
        r'<tr class="(\w+)" data-rule="([^"]+)">.*?<td class="old">(.*?)</td>\s*'
        r'<td class="new">(.*?)</td>',
        table.group(1),
        re.S,
    )
    return {rule: (kind, old, new) for kind, rule, old, new in rows}


def test_the_zones_list_shows_each_zone_s_version_in_force(world: World) -> None:
    client, _ = login(world, "a-eng")
    page = client.get("/console/zones")
    assert page.status_code == 200
    rows = dict(re.findall(r'data-zone="(\w+)">.*?</td>.*?</td>\s*<td>(\d+)</td>', page.text, re.S))
    assert rows == {"production": "1", "sandbox": "2"}
    assert '<a href="/console/zones/sandbox">' in page.text


def test_a_zone_page_shows_its_rules_history_and_the_last_change(world: World) -> None:
    client, _ = login(world, "carol")
    page = client.get("/console/zones/sandbox")
    assert page.status_code == 200
    api = world.get("carol", "/v1/zones/sandbox").json()
    assert f"Version {api['version']}, in force since" in page.text
    assert (
        '<tr data-rule="disclosure.min_cell_count"><th scope="row">disclosure.min_cell_count'
        "</th><td>20</td>" in page.text
    )
    assert "stricter cells" in page.text  # the history's comment
    history = re.search(r'<table id="history">(.*?)</table>', page.text, re.S)
    assert history is not None and history.group(1).count('<tr class="version">') == 2
    # by default: the version before the newest against the newest, changed rules only
    assert _diff_rows(page.text) == {
        "disclosure.min_cell_count": ("changed", "10", "20"),
        "engines": ("changed", "sql, python, spark", "sql, python"),
    }


def test_two_chosen_versions_are_compared_in_the_order_chosen(world: World) -> None:
    client, _ = login(world, "a-eng")
    page = client.get("/console/zones/sandbox?from=2&to=1")
    assert page.status_code == 200
    assert "selected>2 ·" in page.text.split('id="z-to"')[0].split('id="z-from"')[1]
    assert _diff_rows(page.text)["disclosure.min_cell_count"] == ("changed", "20", "10")
    same = client.get("/console/zones/sandbox?from=1&to=1")
    assert "compared with itself" in same.text and 'id="diff"' in same.text
    assert '<table id="diff">' not in same.text


def test_a_zone_with_one_version_has_nothing_to_compare(world: World) -> None:
    client, _ = login(world, "a-eng")
    page = client.get("/console/zones/production")
    assert page.status_code == 200
    assert "only one version" in page.text and 'id="z-from"' not in page.text


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/console/zones/sandbox?from=x", 400, "from is a version number"),
        ("/console/zones/sandbox?to=9", 400, "no version 9"),
        ("/console/zones/sandbox?from=" + "9" * 30, 400, "from is a version number"),
        ("/console/zones/nowhere", 404, "Not found"),
        ("/console/zones/Not%20A%20Zone", 404, "Not found"),
    ],
)
def test_a_bad_zone_or_version_is_a_page_not_a_crash(
    world: World, url: str, status: int, says: str
) -> None:
    client, _ = login(world, "carol")
    page = client.get(url)
    assert page.status_code == status
    assert says in page.text and "Traceback" not in page.text


def test_reading_a_zone_is_asked_of_the_chokepoint_and_audited(world: World) -> None:
    client, _ = login(world, "a-eng")
    where = {"actor": "a-eng", "action": "access.read", "resource": "platform/zones/sandbox"}
    before = count_events(world, decision="allow", tenant="acme", **where)
    assert client.get("/console/zones/sandbox").status_code == 200
    assert count_events(world, decision="allow", tenant="acme", **where) == before + 1


def test_someone_without_a_role_is_refused_the_zones(world: World) -> None:
    world.user("nobody", tenant="acme")
    client, _ = login(world, "nobody", home=False)
    for url in ("/console/zones", "/console/zones/sandbox"):
        page = client.get(url)
        assert page.status_code == 403 and "Not allowed" in page.text
        assert "disclosure" not in page.text
