"""The start page lists the pages open to the viewer with their one-line descriptions, and
the pages of a lab with nothing in it yet say so instead of showing empty tables."""

from __future__ import annotations

import html
import re

import pytest

from lab.console.nav import PAGES
from tests.lab.console.test_console_rules import login
from tests.lab.factories import World


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


def _listed(page: str) -> list[tuple[str, str, str]]:
    """(href, label, description) of each entry of the start page's list."""
    found = re.search(r'<ul class="pages"[^>]*>(.*?)</ul>', page, re.S)
    assert found is not None, "no list of pages"
    entries = re.findall(r'<li><a href="([^"]+)">([^<]+)</a><span>([^<]+)</span></li>', found[1])
    return [(h, label, html.unescape(about)) for h, label, about in entries]


@pytest.mark.parametrize("who", ["root", "carol", "a-eng", "a-viewer"])
def test_the_start_page_lists_the_navigation_s_pages_with_their_descriptions(
    world: World, who: str
) -> None:
    client, _ = login(world, who)
    page = client.get("/console/").text
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    assert nav is not None
    shown = [h for h in re.findall(r'<a href="([^"]+)"', nav[1]) if h != "/console/"]
    listed = _listed(page)
    assert [h for h, _, _ in listed] == shown and len(shown) >= 3
    about = {p.href: (p.label, p.about) for p in PAGES}
    assert all(about[h] == (label, text) for h, label, text in listed)


def test_an_engineer_s_start_page_offers_no_staff_page(world: World) -> None:
    client, _ = login(world, "a-eng")
    listed = {h for h, _, _ in _listed(client.get("/console/").text)}
    assert "/console/data" in listed and "/console/models" in listed
    assert not listed & {"/console/policy", "/console/admin/tenants", "/console/approvals"}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/console/approvals", "No release requests here."),
        ("/console/promotions", "No promotion requests here."),
        ("/console/audit?actor=nobody", "No events match these filters."),
        ("/console/data?tenant=globex", "No datasets of globex in sandbox."),
        ("/console/data?tenant=globex", "No destruction receipts you may see."),
        ("/console/models?tenant=globex", "No models registered in globex yet."),
        ("/console/models?tenant=globex", "No model of globex is deployed."),
    ],
)
def test_an_empty_lab_s_pages_say_what_is_missing(world: World, url: str, says: str) -> None:
    client, _ = login(world, "carol")
    page = client.get(url)
    assert page.status_code == 200
    assert says in page.text
    assert "<tbody></tbody>" not in page.text
