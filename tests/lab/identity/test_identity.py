"""Identity services on their own: tenants, users, and tokens (hashing, expiry, revocation).

The API tests reach these through HTTP; here each rule is asked directly, on SQLite and
PostgreSQL, so that a broken rule is named by the test that fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lab.context import Lab
from lab.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from lab.identity.models import Token
from lab.identity.tenants import create_tenant, get_tenant, list_tenants
from lab.identity.tokens import authenticate, issue_token, list_tokens, revoke_token
from lab.identity.users import create_user, disable_user, get_user, list_users, policy_domain
from tests.lab.factories import make_lab, make_settings

DAY = timedelta(days=1)


@pytest.fixture
def lab(tmp_path: Path, metastore_url: str) -> Iterator[Lab]:
    lab = make_lab(make_settings(tmp_path / "home", metastore_url))
    with lab.transaction() as session:
        create_tenant(session, "acme", "Acme")
        create_tenant(session, "globex", "Globex")
        create_user(session, "alice", tenant="acme")
        create_user(session, "gus", tenant="globex")
        create_user(session, "root", tenant=None)
    yield lab
    lab.close()


def _issue(lab: Lab, user: str, ttl: timedelta = DAY) -> tuple[str, str]:
    with lab.transaction() as session:
        issued = issue_token(session, get_user(session, user), ttl=ttl, created_by="test")
        return issued.token.id, issued.secret


def _authenticate(lab: Lab, bearer: str, **kw: object) -> str:
    with lab.read() as session:
        return authenticate(session, bearer, **kw).user  # type: ignore[arg-type]


# --- tenants ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "ok"),
    [
        ("acme-2", True),
        ("ab", True),
        ("a", False),  # too short
        ("Acme", False),  # upper case
        ("2acme", False),  # starts with a digit
        ("ac_me", False),  # underscore
        ("a" * 41, False),  # too long
        ("platform", False),  # reserved: it names the platform's own things
        ("system", False),
    ],
)
def test_a_tenant_slug_is_a_safe_path_and_policy_segment(lab: Lab, slug: str, ok: bool) -> None:
    with lab.transaction() as session:
        if ok:
            assert create_tenant(session, slug, "Name").slug == slug
        else:
            with pytest.raises(InvalidInput, match="slug"):
                create_tenant(session, slug, "Name")


def test_tenants_are_unique_named_and_found_by_slug(lab: Lab) -> None:
    with lab.transaction() as session:
        with pytest.raises(Conflict, match="already exists"):
            create_tenant(session, "acme", "Another Acme")
        with pytest.raises(InvalidInput, match="needs a name"):
            create_tenant(session, "initech", "   ")
        with pytest.raises(NotFound):
            get_tenant(session, "initech")
        assert [t.slug for t in list_tenants(session)] == ["acme", "globex"]
        assert [t.slug for t in list_tenants(session, only=["globex"])] == ["globex"]


# --- users --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("bob.smith", True),
        ("b_2", True),
        ("Bob", False),
        ("b", False),
        ("system-bot", False),  # `system:` names the lab's own components
        ("me", False),  # reserved: /v1/me
        ("engineer", False),  # a role's name would read as a role in a policy line
    ],
)
def test_a_user_name_cannot_pass_for_something_else(lab: Lab, name: str, ok: bool) -> None:
    with lab.transaction() as session:
        if ok:
            assert create_user(session, name, tenant="acme").name == name
        else:
            with pytest.raises(InvalidInput):
                create_user(session, name, tenant="acme")


def test_users_belong_to_one_tenant_or_to_the_platform(lab: Lab) -> None:
    with lab.transaction() as session:
        with pytest.raises(Conflict):
            create_user(session, "alice", tenant="globex")
        with pytest.raises(NotFound):
            create_user(session, "zed", tenant="initech")
        assert [u.name for u in list_users(session, tenant="acme")] == ["alice"]
        assert [u.name for u in list_users(session, tenant=None)] == ["root"]
        assert policy_domain(session, "alice") == "acme"
        assert policy_domain(session, "root") == "*"
        assert policy_domain(session, "nobody-at-all") == "*"  # reveals nothing


# --- tokens -------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_the_hash_of_its_bearer_string(lab: Lab) -> None:
    token_id, bearer = _issue(lab, "alice")
    prefix, shown_id, secret = bearer.split("_", 2)
    assert (prefix, shown_id) == ("lab", token_id) and len(secret) >= 40
    with lab.read() as session:
        row = session.get(Token, token_id)
        assert row is not None
        assert row.secret_hash == hashlib.sha256(bearer.encode()).hexdigest()
        stored = session.execute(sa.select(Token.__table__)).all()
    assert secret not in repr(stored)
    assert _authenticate(lab, bearer) == "alice"


@pytest.mark.parametrize(
    ("bearer", "reason"),
    [
        ("", "malformed"),
        ("lab_", "malformed"),
        ("lab__secret", "malformed"),
        ("bearer_0123456789abcdef_secret", "malformed"),
        ("lab_0123456789abcdef_secret", "unknown token"),
    ],
)
def test_malformed_and_unknown_tokens_are_refused(lab: Lab, bearer: str, reason: str) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        _authenticate(lab, bearer)


def test_a_forged_secret_with_a_real_id_is_refused(lab: Lab) -> None:
    token_id, bearer = _issue(lab, "alice")
    forged = f"lab_{token_id}_{'A' * 43}"
    with pytest.raises(Unauthenticated, match="unknown token"):
        _authenticate(lab, forged)
    with pytest.raises(Unauthenticated, match="unknown token"):
        _authenticate(lab, bearer[:-1] + ("B" if bearer[-1] != "B" else "C"))


def test_a_token_expires_at_its_expiry_time(lab: Lab) -> None:
    token_id, bearer = _issue(lab, "alice", ttl=timedelta(hours=1))
    with lab.read() as session:
        expires = session.get(Token, token_id).expires_at  # type: ignore[union-attr]
    assert _authenticate(lab, bearer, now=expires - timedelta(seconds=1)) == "alice"
    for moment in (expires, expires + DAY):
        with pytest.raises(Unauthenticated, match="expired"):
            _authenticate(lab, bearer, now=moment)


@pytest.mark.parametrize("ttl", [timedelta(0), -DAY, timedelta(days=3651)])
def test_a_token_lifetime_is_bounded(lab: Lab, ttl: timedelta) -> None:
    with pytest.raises(InvalidInput, match="lifetime"):
        _issue(lab, "alice", ttl=ttl)


def test_revocation_is_immediate_idempotent_and_owner_bound(lab: Lab) -> None:
    token_id, bearer = _issue(lab, "alice")
    # gus cannot name alice's token as his
    with lab.transaction() as session, pytest.raises(NotFound):
        revoke_token(session, get_user(session, "gus"), token_id)
    assert _authenticate(lab, bearer) == "alice"
    with lab.transaction() as session:
        first = revoke_token(session, get_user(session, "alice"), token_id).revoked_at
    with lab.transaction() as session:
        again = revoke_token(session, get_user(session, "alice"), token_id).revoked_at
    assert first is not None and again == first
    with pytest.raises(Unauthenticated, match="revoked"):
        _authenticate(lab, bearer)


def test_disabling_a_user_revokes_every_token_and_refuses_new_ones(lab: Lab) -> None:
    bearers = [_issue(lab, "alice")[1] for _ in range(3)]
    other = _issue(lab, "gus")[1]
    with lab.transaction() as session:
        disable_user(session, "alice")
    for bearer in bearers:
        with pytest.raises(Unauthenticated, match="revoked"):
            _authenticate(lab, bearer)
    assert _authenticate(lab, other) == "gus"
    with lab.transaction() as session:
        alice = get_user(session, "alice")
        assert all(t.revoked_at is not None for t in list_tokens(session, alice))
        with pytest.raises(InvalidInput, match="disabled"):
            issue_token(session, alice, ttl=DAY)
