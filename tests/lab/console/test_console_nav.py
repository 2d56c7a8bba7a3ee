"""The navigation, in process: a link is shown exactly when its page opens, it follows the
policy rather than role names, and drawing it records nothing in the audit trail."""

from __future__ import annotations

import re

import pytest

from lab.authz import admin as policy_admin
from lab.console.nav import PAGES
from tests.lab.console.test_console_rules import count_events, login
from tests.lab.factories import World

PEOPLE = ("root", "carol", "a-owner", "a-eng", "a-viewer", "g-eng")


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


def _nav(page: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    assert nav is not None, "no navigation"
    return re.findall(r'<a href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("who", PEOPLE)
def test_a_link_is_shown_exactly_when_its_page_opens(world: World, who: str) -> None:
    client, _ = login(world, who)
    shown = _nav(client.get("/console/").text)
    opens = [p.href for p in PAGES if client.get(p.href).status_code == 200]
    assert shown == opens
    assert "/console/" in shown


def test_an_engineer_sees_their_tenant_s_pages_and_no_admin_links(world: World) -> None:
    client, _ = login(world, "a-eng")
    home = client.get("/console/")
    own = ["/console/", "/console/audit", "/console/data", "/console/zones", "/console/models"]
    assert _nav(home.text) == own
    admin_pages = ("/console/admin/tenants", "/console/admin/users", "/console/policy")
    for admin in (*admin_pages, "/console/approvals"):
        assert f'href="{admin}"' not in home.text  # neither in the nav nor on the page


def test_staff_see_the_pages_their_roles_open(world: World) -> None:
    root, _ = login(world, "root")
    assert "/console/policy" in _nav(root.get("/console/").text)
    assert "/console/admin/tenants" in _nav(root.get("/console/").text)
    carol, _ = login(world, "carol")
    assert "/console/approvals" in _nav(carol.get("/console/").text)


def test_the_current_page_is_marked_for_assistive_technology(world: World) -> None:
    client, _ = login(world, "carol")
    page = client.get("/console/zones/sandbox").text
    assert '<a href="/console/zones" aria-current="page">Zones</a>' in page
    assert page.count('aria-current="page"') == 1


def test_the_navigation_follows_the_policy_not_role_names(world: World) -> None:
    """Output checkers may not read the policy; given a rule that lets them, the Policy
    page opens for one and its link shows; take the rule away and both go."""
    world.user("dora", roles=["output_checker"])
    client, _ = login(world, "dora")
    assert "/console/policy" not in _nav(client.get("/console/").text)
    reader = policy_admin.Rule("output_checker", "*", "platform/policy/*", "read", "allow")
    with world.lab.transaction() as session:
        policy_admin.add_rule(session, "system:test", reader)
    world.lab.policy.refresh(force=True)
    assert "/console/policy" in _nav(client.get("/console/").text)
    assert client.get("/console/policy").status_code == 200
    with world.lab.transaction() as session:
        policy_admin.remove_rule(session, "system:test", reader)
    world.lab.policy.refresh(force=True)
    assert "/console/policy" not in _nav(client.get("/console/").text)
    assert client.get("/console/policy").status_code == 403


def test_drawing_the_navigation_records_nothing(world: World) -> None:
    """The start page asks one audited question (`read me`); the navigation's questions,
    three of them refused for an engineer, are not recorded."""
    client, _ = login(world, "a-eng")
    before = count_events(world, actor="a-eng")
    denied = count_events(world, actor="a-eng", decision="deny")
    for _ in range(3):
        assert client.get("/console/").status_code == 200
    assert count_events(world, actor="a-eng") == before + 3
    assert count_events(world, actor="a-eng", decision="deny") == denied
