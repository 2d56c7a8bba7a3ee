"""Ways to tamper with a deployment, each a context manager that undoes itself: a byte of
the stored (encrypted) artifact flipped on disk, another artifact swapped in through the
real storage, the signature or the signed manifest altered, the signature removed, a
manifest signed with another key."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jobs.models import manifest as manifests
from lab.auditing import Actor
from lab.context import Lab
from lab.promotions.models import Deployment
from lab.runs.artifacts import read_files, store_files
from lab.storage import VersionInfo
from lab.storage.catalog import get_version

Tampering = Callable[[Lab, str, int], AbstractContextManager[None]]


def _row(lab: Lab, name: str, version: int) -> Deployment:
    with lab.read() as session:
        row = session.scalar(
            sa.select(Deployment).where(Deployment.name == name, Deployment.version == version)
        )
    assert row is not None
    return row


@contextmanager
def _changed(lab: Lab, name: str, version: int, **values: object) -> Iterator[None]:
    row = _row(lab, name, version)
    before = {k: getattr(row, k) for k in values}
    table = Deployment.__table__
    where = table.c.id == row.id
    with lab.transaction() as session:
        session.execute(sa.update(table).where(where).values(**values))
    try:
        yield
    finally:
        with lab.transaction() as session:
            session.execute(sa.update(table).where(where).values(**before))


@contextmanager
def flipped_artifact_byte(lab: Lab, name: str, version: int) -> Iterator[None]:
    row = _row(lab, name, version)
    with lab.read() as session:
        info = VersionInfo.of(get_version(session, row.artifact_version_id))
    path = lab.settings.home / info.storage_path / info.files[0]["name"]
    original = path.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    try:
        yield
    finally:
        path.write_bytes(original)


@contextmanager
def swapped_artifact(lab: Lab, name: str, version: int) -> Iterator[None]:
    row = _row(lab, name, version)
    content = read_files(lab, row.artifact_version_id)[row.artifact_name]
    other = store_files(
        lab,
        Actor("mallory"),
        tenant=row.tenant,
        zone="production",
        dataset=f"deployed-{name}",
        files={row.artifact_name: content.replace(b"num_leaves", b"num_leavez", 1) + b"\n"},
        kind="model",
        lineage={},
    )
    with _changed(lab, name, version, artifact_version_id=other.id):
        yield


def flipped_signature(lab: Lab, name: str, version: int) -> AbstractContextManager[None]:
    signature = bytearray(_row(lab, name, version).signature or b"")
    signature[0] ^= 0x01
    return _changed(lab, name, version, signature=bytes(signature))


def edited_manifest(lab: Lab, name: str, version: int) -> AbstractContextManager[None]:
    payload = _row(lab, name, version).manifest or b""
    edited = payload.replace(b'"approvers":["', b'"approvers":["mallory","', 1)
    assert edited != payload
    return _changed(lab, name, version, manifest=edited)


def unsigned(lab: Lab, name: str, version: int) -> AbstractContextManager[None]:
    return _changed(lab, name, version, signature=None, key_id=None)


def signed_with_another_key(lab: Lab, name: str, version: int) -> AbstractContextManager[None]:
    row = _row(lab, name, version)
    original = manifests.SignedManifest(
        payload=row.manifest or b"", signature=row.signature or b"", key_id=row.key_id or ""
    )
    manifest = manifests.Manifest.from_json(json.loads(original.payload)["manifest"])
    forged = manifests.sign(manifest, Ed25519PrivateKey.generate())
    return _changed(
        lab,
        name,
        version,
        manifest=forged.payload,
        signature=forged.signature,
        key_id=forged.key_id,
    )


TAMPERINGS: tuple[tuple[Tampering, str], ...] = (
    (flipped_artifact_byte, "the artifact cannot be read"),
    (swapped_artifact, "the artifact was altered or swapped"),
    (flipped_signature, "the manifest or its signature was altered"),
    (edited_manifest, "the manifest or its signature was altered"),
    (unsigned, "no signed manifest"),
    (signed_with_another_key, "not with the lab's promotion key"),
)
"""Each tampering, and what the refusal must say."""
