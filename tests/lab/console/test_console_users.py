"""Users, roles and tokens from the console, in process: who may see and change them, the
CSRF check on every form, a token's secret shown once, and the lockout refused as a page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from audit.store import events_table
from tests.lab.console.test_console_rules import login
from tests.lab.factories import World

USERS = "/console/admin/users"
SECRET = re.compile(r'class="secret-value" value="([^"]+)"')


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


def _events(world: World, action: str, **where: str) -> int:
    query = sa.select(sa.func.count()).select_from(events_table)
    query = query.where(events_table.c.action == action)
    for column, value in where.items():
        query = query.where(events_table.c[column] == value)
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def _user(world: World, name: str) -> dict[str, object]:
    found = world.get("root", f"/v1/users/{name}")
    assert found.status_code == 200, found.text
    user: dict[str, object] = found.json()
    return user


def _rows(html: str) -> dict[str, str]:
    """User name -> its table row's text, from the users page."""
    rows = re.findall(r'<tr class="user" data-name="([^"]+)">(.*?)</tr>', html, re.S)
    return {name: " ".join(re.sub(r"<[^>]+>", " ", row).split()) for name, row in rows}


def test_an_admin_sees_every_user_with_tenant_roles_and_status(world: World) -> None:
    assert world.delete("root", "/v1/users/g-viewer").status_code == 200
    client, _ = login(world, "root")
    page = client.get(USERS)
    assert page.status_code == 200
    rows = _rows(page.text)
    assert {"root", "carol", "a-eng", "a-owner", "g-eng", "g-viewer"} <= set(rows)
    assert "platform staff" in rows["carol"] and "compliance" in rows["carol"]
    assert "acme" in rows["a-eng"] and "engineer" in rows["a-eng"] and "active" in rows["a-eng"]
    assert "globex" in rows["g-viewer"] and "disabled" in rows["g-viewer"]
    staff = _rows(client.get(f"{USERS}?tenant=platform").text)
    assert set(staff) == {"root", "carol"}


def test_an_owner_sees_their_tenant_s_people_only(world: World) -> None:
    client, _ = login(world, "a-owner")
    rows = _rows(client.get(USERS).text)
    assert set(rows) == {"a-owner", "a-eng", "a-viewer"}
    assert client.get(f"{USERS}?tenant=globex").status_code == 404
    assert client.get(f"{USERS}/g-eng").status_code == 404


def test_an_engineer_is_refused_the_users_page_as_a_page(world: World) -> None:
    client, _ = login(world, "a-eng")
    denied = _events(world, "access.read", actor="a-eng", decision="deny")
    page = client.get(USERS)
    assert page.status_code == 403
    assert "Not allowed" in page.text and "Traceback" not in page.text
    assert _events(world, "access.read", actor="a-eng", decision="deny") == denied + 1
    assert client.get(f"{USERS}/a-viewer").status_code == 403


def test_an_admin_creates_a_user_grants_and_withdraws_a_role(world: World) -> None:
    client, csrf = login(world, "root")
    made = client.post(
        USERS,
        data={"csrf": csrf, "name": "dave", "tenant": "acme", "role": "engineer"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == f"{USERS}/dave"
    assert _user(world, "dave")["roles"] == ["engineer"]
    assert _events(world, "user.create", actor="root") == 1
    url = f"{USERS}/dave/roles"
    client.post(url, data={"csrf": csrf, "action": "assign", "role": "viewer"})
    assert _user(world, "dave")["roles"] == ["engineer", "viewer"]
    page = client.post(url, data={"csrf": csrf, "action": "unassign", "role": "engineer"})
    assert page.status_code == 200 and 'id="roles"' in page.text
    assert _user(world, "dave")["roles"] == ["viewer"]
    staff = client.post(USERS, data={"csrf": csrf, "name": "erin", "tenant": "platform",
                                     "role": "compliance"})  # fmt: skip
    assert staff.status_code == 200
    erin = _user(world, "erin")
    assert (erin["tenant"], erin["roles"]) == (None, ["compliance"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Not A Name", "tenant": "acme"}, "is not allowed"),
        ({"name": "dave", "tenant": "acme", "role": "compliance"}, "platform role"),
        ({"name": "dave", "tenant": "Not a slug"}, "platform staff or a tenant"),
    ],
)
def test_a_wrong_new_user_is_a_400_page_and_creates_nobody(
    world: World, data: dict[str, str], message: str
) -> None:
    client, csrf = login(world, "root")
    page = client.post(USERS, data={"csrf": csrf, **data})
    assert page.status_code == 400
    assert message in page.text.replace("&#39;", "'")
    assert world.get("root", "/v1/users/dave").status_code == 404


def test_compliance_reads_users_but_may_not_change_them(world: World) -> None:
    client, csrf = login(world, "carol")
    assert client.get(f"{USERS}/a-eng").status_code == 200
    refused = client.post(f"{USERS}/a-eng/disable", data={"csrf": csrf})
    assert refused.status_code == 403 and "Not allowed" in refused.text
    assert _user(world, "a-eng")["disabled"] is False


def test_disabling_a_user_ends_their_tokens(world: World) -> None:
    client, csrf = login(world, "a-owner")
    page = client.post(f"{USERS}/a-viewer/disable", data={"csrf": csrf})
    assert page.status_code == 200 and 'id="status">disabled<' in page.text
    assert world.get("a-viewer", "/v1/me").status_code == 401
    assert _events(world, "user.disable", actor="a-owner") == 1


def test_an_issued_token_s_secret_is_shown_once(world: World) -> None:
    client, csrf = login(world, "root")
    issued = client.post(
        f"{USERS}/a-eng/tokens",
        data={"csrf": csrf, "name": "ci", "ttl_days": "7"},
        follow_redirects=False,
    )
    assert issued.status_code == 201  # rendered in the answer, not a redirect
    assert "no-store" in issued.headers["cache-control"]
    found = SECRET.search(issued.text)
    assert found is not None
    secret = found.group(1)
    assert "shown this once" in issued.text
    assert (
        world.client.get("/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["name"]
        == "a-eng"
    )
    assert all(secret not in h for h in issued.headers.values())
    assert secret not in str(client.cookies.jar)
    for url in (f"{USERS}/a-eng", USERS, "/console/", f"{USERS}/a-eng?tenant=acme"):
        again = client.get(url)
        assert again.status_code == 200
        assert secret not in again.text and SECRET.search(again.text) is None
    assert 'data-id="' in client.get(f"{USERS}/a-eng").text  # listed, without its secret
    assert _events(world, "token.issue", actor="root") == 1


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    client, csrf = login(world, "a-owner")
    issued = client.post(f"{USERS}/a-eng/tokens", data={"csrf": csrf, "name": "temp"})
    found = SECRET.search(issued.text)
    assert found is not None
    secret = found.group(1)
    token_id = re.findall(r'<tr class="token" data-id="([0-9a-f]+)"><td>[0-9a-f]+</td><td>temp<',
                          issued.text)  # fmt: skip
    assert len(token_id) == 1
    page = client.post(f"{USERS}/a-eng/tokens/{token_id[0]}/revoke", data={"csrf": csrf})
    assert page.status_code == 200 and "revoked" in page.text
    assert (
        world.client.get("/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert world.get("a-eng", "/v1/me").status_code == 200  # their other token lives on


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("", {"name": "dave", "tenant": "acme", "role": "engineer"}),
        ("/a-eng/roles", {"action": "assign", "role": "viewer"}),
        ("/a-eng/roles", {"action": "unassign", "role": "engineer"}),
        ("/a-eng/disable", {}),
        ("/a-eng/tokens", {"name": "stolen"}),
        ("/a-eng/tokens/{token}/revoke", {}),
    ],
)
def test_every_form_without_its_csrf_token_is_refused_and_changes_nothing(
    world: World, path: str, data: dict[str, str]
) -> None:
    token = world.get("a-eng", "/v1/me").json()["token_id"]
    before = world.get("root", "/v1/users/a-eng/tokens").json()
    client, _ = login(world, "root")
    refusals = _events(world, "console.csrf", actor="root")
    for csrf in ({}, {"csrf": "x" * 43}):
        answer = client.post(USERS + path.format(token=token), data={**data, **csrf})
        assert answer.status_code == 403 and "security token" in answer.text
        assert SECRET.search(answer.text) is None
    assert _events(world, "console.csrf", actor="root") == refusals + 2
    assert world.get("root", "/v1/users/dave").status_code == 404
    assert _user(world, "a-eng")["roles"] == ["engineer"]
    assert _user(world, "a-eng")["disabled"] is False
    assert world.get("root", "/v1/users/a-eng/tokens").json() == before


def test_a_change_that_would_lock_the_administration_out_is_a_409_page(world: World) -> None:
    client, csrf = login(world, "root")
    for path, data in (
        ("/root/disable", {}),
        ("/root/roles", {"action": "unassign", "role": "admin"}),
    ):
        page = client.post(USERS + path, data={"csrf": csrf, **data})
        assert page.status_code == 409, page.text
        assert "Not possible now" in page.text
        assert "no active user who can change policy" in page.text
    root = _user(world, "root")
    assert (root["roles"], root["disabled"]) == (["admin"], False)
    assert _events(world, "policy.lockout_refused", actor="root") == 2
    assert client.get(USERS).status_code == 200  # the session lives on


def test_bad_paths_and_actions_are_pages(world: World) -> None:
    client, csrf = login(world, "root")
    assert client.get(f"{USERS}/Not%20A%20User").status_code == 404
    assert client.get(f"{USERS}/nobody").status_code == 404
    wrong = client.post(f"{USERS}/a-eng/roles", data={"csrf": csrf, "action": "swap", "role": "x"})
    assert wrong.status_code == 400
    long = client.post(f"{USERS}/a-eng/tokens", data={"csrf": csrf, "ttl_days": "9999"})
    assert long.status_code == 400 and SECRET.search(long.text) is None
    assert client.get(f"{USERS}?tenant=Not%20a%20slug").status_code == 400
