"""Tokens through the API: issued once, hashed at rest, refused at once when revoked or expired."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lab.db.base import utcnow
from lab.identity.models import Token
from tests.lab.factories import World


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    issued = world.post("a-eng", "/v1/me/tokens", json={"name": "laptop"})
    assert issued.status_code == 201
    body = issued.json()
    fresh = {"Authorization": f"Bearer {body['token']}"}
    assert world.client.get("/v1/me", headers=fresh).status_code == 200

    revoked = world.delete("a-eng", f"/v1/me/tokens/{body['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    refused = world.client.get("/v1/me", headers=fresh)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "token revoked"


def test_an_expired_token_is_refused(world: World) -> None:
    with world.lab.transaction() as session:
        session.execute(
            sa.update(Token)
            .values(expires_at=utcnow() - timedelta(seconds=1))
            .where(Token.user_id.in_(sa.select(Token.user_id).where(Token.name == "test")))
        )
    response = world.get("a-eng", "/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "token expired"


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(world: World) -> None:
    body = world.post("a-owner", "/v1/users/a-eng/tokens", json={"ttl_days": 7}).json()
    secret = body["token"]
    listed = world.get("a-owner", "/v1/users/a-eng/tokens").json()
    assert all("token" not in t for t in listed)
    assert body["id"] in {t["id"] for t in listed}
    with world.lab.engine.connect() as conn:
        stored = conn.execute(sa.select(Token.secret_hash, Token.id)).all()
    assert all(secret not in row.secret_hash for row in stored)
    secret_part = secret.split("_", 2)[2]  # the random part may itself hold "_"
    assert len(secret_part) >= 40
    assert secret_part not in str(stored)


def test_an_owner_manages_tokens_of_their_tenant_only(world: World) -> None:
    assert world.post("a-owner", "/v1/users/a-eng/tokens", json={}).status_code == 201
    assert world.post("a-owner", "/v1/users/g-eng/tokens", json={}).status_code == 404
    assert world.post("a-eng", "/v1/users/a-viewer/tokens", json={}).status_code == 403


def test_disabling_a_user_revokes_their_tokens(world: World) -> None:
    assert world.get("a-viewer", "/v1/me").status_code == 200
    assert world.delete("a-owner", "/v1/users/a-viewer").status_code == 200
    response = world.get("a-viewer", "/v1/me")
    assert response.status_code == 401


def test_token_lifetime_is_bounded(world: World) -> None:
    response = world.post("a-eng", "/v1/me/tokens", json={"ttl_days": 100000})
    assert response.status_code == 422
    assert "ttl_days" in response.json()["error"]["message"]
