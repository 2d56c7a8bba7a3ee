"""The promotion signing key: wrapped by the master key like the audit key, created once,
moved by a master-key rotation, and its public half exported to those who verify."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from jobs.models import manifest as manifests
from lab.keys.keyring import StoredKey, rotate_master_key
from lab.keys.master import decode_master_key, generate_master_key
from lab.keys.signing import PROMOTION_SIGNING_KEY, promotion_signing_key
from tests.lab.factories import World


def test_the_promotion_key_is_wrapped_kept_and_survives_a_master_rotation(world: World) -> None:
    exported = world.get("carol", "/v1/promotions/public-key")
    assert exported.status_code == 200
    assert world.get("root", "/v1/promotions/public-key").text == exported.text
    assert world.get("a-eng", "/v1/promotions/public-key").status_code == 403
    public = manifests.load_public_key(exported.text)

    master = world.lab.master_key
    with world.lab.transaction() as session:
        key = promotion_signing_key(session, master)
        row = session.get(StoredKey, PROMOTION_SIGNING_KEY)
        assert row is not None and row.wrapped_by is None and row.kind == "ed25519-seed"
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        assert seed not in row.wrapped
        assert manifests.public_key_base64(key.public_key()) == manifests.public_key_base64(public)
        new = decode_master_key(generate_master_key(), source="test")
        assert rotate_master_key(session, master, new) >= 2  # the audit key and this one
        again = promotion_signing_key(session, new)
    assert manifests.public_key_pem(again.public_key()) == exported.text
