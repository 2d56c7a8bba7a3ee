"""The storage key hierarchy, key destruction and master key rotation."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from lab.errors import ConfigurationError, NotFound
from lab.keys.envelope import unwrap
from lab.keys.hierarchy import open_version_key, zone_tenant_key_name
from lab.keys.keyring import (
    StoredKey,
    destroy_key,
    get_or_create_secret,
    rotate_master_key,
)
from lab.keys.signing import AUDIT_SIGNING_KEY
from lab.storage import DatasetStore
from lab.storage.parquet_io import sha256_of
from tests.lab.storage.factories import StorageWorld, expected_sum


def _keys(world: StorageWorld) -> dict[str, StoredKey]:
    with world.sessions() as session:
        return {k.name: k for k in session.scalars(sa.select(StoredKey))}


def test_keys_form_a_tree_master_zone_tenant_version(world: StorageWorld) -> None:
    first, second = world.write(100), world.write(100, zone="production")
    third = world.write(100)
    keys = _keys(world)
    sandbox, production = (
        zone_tenant_key_name("sandbox", "acme"),
        zone_tenant_key_name("production", "acme"),
    )
    assert set(keys) == {sandbox, production, first.key_name, second.key_name, third.key_name}
    assert keys[sandbox].wrapped_by is None and keys[production].wrapped_by is None
    assert keys[first.key_name].wrapped_by == keys[third.key_name].wrapped_by == sandbox
    assert keys[second.key_name].wrapped_by == production
    # A version key is wrapped by its zone-tenant key, not by the master key.
    with pytest.raises(ConfigurationError):
        unwrap(world.master, keys[first.key_name].wrapped, purpose=first.key_name)
    zone_key = unwrap(world.master, keys[sandbox].wrapped, purpose=sandbox)
    version_key = unwrap(zone_key, keys[first.key_name].wrapped, purpose=first.key_name)
    with world.sessions() as session:
        assert open_version_key(session, world.master, first.key_name) == version_key
    assert len({k.wrapped for k in keys.values()}) == 5
    assert all(version_key not in k.wrapped for k in keys.values())


def test_a_destroyed_key_is_a_tombstone_that_opens_nothing(world: StorageWorld) -> None:
    info = world.write(100)
    with world.sessions.begin() as session:
        assert destroy_key(session, info.key_name) is True
        assert destroy_key(session, info.key_name) is False
        assert destroy_key(session, "no/such/key") is False
    row = _keys(world)[info.key_name]
    assert row.wrapped == b"" and row.destroyed_at is not None and row.kind == "dataset-version"
    with world.sessions() as session, pytest.raises(NotFound, match="destroyed"):
        open_version_key(session, world.master, info.key_name)


def test_rotation_rewraps_master_wrapped_keys_only_and_leaves_files_alone(
    world: StorageWorld,
) -> None:
    info, other = world.write(3_000), world.write(50, tenant="globex")
    with world.sessions.begin() as session:
        signing_seed = get_or_create_secret(
            session, world.master, AUDIT_SIGNING_KEY, kind="ed25519-seed"
        )
    before = _keys(world)
    folder = world.home / info.storage_path
    files_before = {p.name: (sha256_of(p), p.stat().st_mtime_ns) for p in folder.iterdir()}
    new_master = os.urandom(32)

    with world.sessions.begin() as session:
        assert rotate_master_key(session, world.master, new_master) == 3  # 2 tenants + audit

    after = _keys(world)
    for name, row in after.items():
        if row.wrapped_by is None:
            assert row.wrapped != before[name].wrapped
            with pytest.raises(ConfigurationError):  # the old master key opens nothing
                unwrap(world.master, row.wrapped, purpose=name)
            unwrap(new_master, row.wrapped, purpose=name)
        else:
            assert row.wrapped == before[name].wrapped  # version keys untouched
    assert {p.name: (sha256_of(p), p.stat().st_mtime_ns) for p in folder.iterdir()} == files_before

    with world.sessions() as session:
        assert get_or_create_secret(session, new_master, AUDIT_SIGNING_KEY, kind="x") == (
            signing_seed
        )
        table = DatasetStore(world.home, new_master).read_table(session, info.id)
        assert table["sales"].to_pylist() == list(range(3_000))
        assert DatasetStore(world.home, new_master).read_table(session, other.id).num_rows == 50
        with pytest.raises(ConfigurationError):
            world.store.read_table(session, info.id)
    assert sum(table["sales"].to_pylist()) == expected_sum(3_000)


def test_rotation_with_the_wrong_old_key_changes_nothing(world: StorageWorld) -> None:
    world.write(10)
    world.write(10, tenant="globex")
    before = _keys(world)
    with pytest.raises(ConfigurationError), world.sessions.begin() as session:
        rotate_master_key(session, os.urandom(32), os.urandom(32))
    assert {n: k.wrapped for n, k in _keys(world).items()} == {
        n: k.wrapped for n, k in before.items()
    }


def test_rotation_skips_destroyed_keys(world: StorageWorld) -> None:
    world.write(10)
    with world.sessions.begin() as session:
        destroy_key(session, zone_tenant_key_name("sandbox", "acme"))
        assert rotate_master_key(session, world.master, os.urandom(32)) == 0
