"""Promotion manifests: canonical bytes, Ed25519 signature, artifact hash; every change refused."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import ValidationError

from jobs.models.manifest import (
    ArtifactMismatch,
    Manifest,
    ManifestInvalid,
    SignatureInvalid,
    SignedManifest,
    WrongKey,
    load_public_key,
    public_key_base64,
    public_key_pem,
    sign,
    signed_payload,
    verify,
)

ARTIFACT = b"tree\nversion=v4\n" + bytes(range(256)) * 8
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def _fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "model_name": "merchant-default",
        "model_version": 3,
        "flavour": "lightgbm",
        "artifact_sha256": hashlib.sha256(ARTIFACT).hexdigest(),
        "code_hash": "c" * 64,
        "lineage": {
            "job_id": "job-41",
            "inputs": [{"dataset": "merchants-sample", "version": 2}],
        },
        "metrics": {"auc": 0.81, "ks": 0.47, "psi": 0.03},
        "gate_results": [
            {"gate": "min_auc", "passed": True, "detail": "0.81 >= 0.70"},
            {"gate": "schema", "passed": True},
        ],
        "policy_version": "policies@4",
        "requested_by": "li.wei",
        "approvers": ["zhang.san", "compliance-2"],
        "approved_at": datetime(2026, 12, 6, 23, 40, 1, 5, tzinfo=UTC),
        "production_dataset": {"dataset": "merchants-full", "version": 7},
        "purpose": "授信评分 (credit scoring)",
    }
    fields.update(changes)
    return fields


def _manifest(**changes: Any) -> Manifest:
    return Manifest.model_validate(_fields(**changes))


def test_round_trip_through_storage() -> None:
    manifest = _manifest()
    signed = SignedManifest.from_json(sign(manifest, KEY).to_json())
    assert verify(signed, KEY.public_key(), ARTIFACT) == manifest


def test_the_signed_bytes_are_canonical_json() -> None:
    signed = sign(_manifest(), KEY)
    envelope = json.loads(signed.payload)
    assert set(envelope) == {"key_id", "manifest", "type", "v"}
    assert envelope["type"] == "model-manifest" and envelope["v"] == 1
    again = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert signed.payload == again.encode("utf-8")
    assert "授信评分" in signed.payload.decode("utf-8")
    assert envelope["manifest"]["approved_at"] == "2026-12-06T23:40:01.000005Z"
    # the same moment in another zone is the same manifest, byte for byte
    shifted = datetime(2026, 12, 7, 7, 40, 1, 5, tzinfo=timezone(timedelta(hours=8)))
    assert _manifest(approved_at=shifted).canonical() == _manifest().canonical()


@pytest.mark.parametrize("position", [0, 17, len(ARTIFACT) // 2, len(ARTIFACT) - 1])
def test_one_flipped_byte_in_the_artifact_is_refused(position: int) -> None:
    signed = sign(_manifest(), KEY)
    tampered = bytearray(ARTIFACT)
    tampered[position] ^= 0x01
    with pytest.raises(ArtifactMismatch, match="altered or swapped"):
        verify(signed, KEY.public_key(), bytes(tampered))
    with pytest.raises(ArtifactMismatch):
        verify(signed, KEY.public_key(), ARTIFACT + b"\n")


EDITS: list[tuple[str, Any]] = [
    ("model_version", 4),
    ("approvers", ["zhang.san", "someone.else"]),
    ("metrics", {"auc": 0.91, "ks": 0.47, "psi": 0.03}),
    ("production_dataset", {"dataset": "another-tenant-data", "version": 1}),
    ("artifact_sha256", hashlib.sha256(b"a swapped model").hexdigest()),
]


@pytest.mark.parametrize(("field", "value"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_manifest_field_is_refused(field: str, value: Any) -> None:
    signed = sign(_manifest(), KEY)
    envelope = json.loads(signed.payload)
    envelope["manifest"][field] = value
    edited = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    forged = signed.model_copy(update={"payload": edited.encode("utf-8")})
    artifact = b"a swapped model" if field == "artifact_sha256" else ARTIFACT
    with pytest.raises(SignatureInvalid, match="altered"):
        verify(forged, KEY.public_key(), artifact)


def test_a_flipped_bit_in_the_signature_or_payload_is_refused() -> None:
    signed = sign(_manifest(), KEY)
    for field in ("signature", "payload"):
        value = bytearray(getattr(signed, field))
        value[5] ^= 0x80
        with pytest.raises(SignatureInvalid):
            verify(signed.model_copy(update={field: bytes(value)}), KEY.public_key(), ARTIFACT)


def test_another_key_is_refused() -> None:
    signed = sign(_manifest(), OTHER)
    with pytest.raises(WrongKey, match="signed with key"):
        verify(signed, KEY.public_key(), ARTIFACT)
    # claiming the lab's key id does not help: the signature is checked with the lab's key
    claimed = signed.model_copy(update={"key_id": sign(_manifest(), KEY).key_id})
    with pytest.raises(SignatureInvalid):
        verify(claimed, KEY.public_key(), ARTIFACT)


def _signed_raw(envelope: Any, text: str | None = None) -> SignedManifest:
    key_id = sign(_manifest(), KEY).key_id
    payload = (text if text is not None else json.dumps(envelope)).encode("utf-8")
    return SignedManifest(payload=payload, signature=KEY.sign(payload), key_id=key_id)


def test_bytes_signed_with_the_key_but_not_a_canonical_manifest_are_refused() -> None:
    good = json.loads(sign(_manifest(), KEY).payload)
    spaced = json.dumps(good, sort_keys=True)  # whitespace: not canonical
    with pytest.raises(ManifestInvalid, match="canonical form"):
        verify(_signed_raw(None, spaced), KEY.public_key(), ARTIFACT)
    for change in ({"type": "audit-checkpoint"}, {"v": 2}, {"key_id": "0" * 64}, {"extra": 1}):
        with pytest.raises(ManifestInvalid):
            verify(_signed_raw({**good, **change}), KEY.public_key(), ARTIFACT)
    bad_manifest = {**good, "manifest": {**good["manifest"], "approvers": ["li.wei"]}}
    with pytest.raises(ManifestInvalid, match="requester cannot approve"):
        verify(_signed_raw(bad_manifest), KEY.public_key(), ARTIFACT)


def test_signed_payload_is_what_sign_signs() -> None:
    signed = sign(_manifest(), KEY)
    assert signed.payload == signed_payload(_manifest(), signed.key_id)
    KEY.public_key().verify(signed.signature, signed.payload)


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("requester approves", {"approvers": ["li.wei", "zhang.san"]}, "requester cannot approve"),
    ("approver twice", {"approvers": ["zhang.san", "zhang.san"]}, "approver may appear once"),
    ("no approver", {"approvers": []}, "at least 1 item"),
    ("failed gate", {"gate_results": [{"gate": "min_auc", "passed": False}]}, "gates all passed"),
    ("naive time", {"approved_at": datetime(2026, 12, 6, 23, 40)}, "timezone-aware"),
    ("NaN metric", {"metrics": {"auc": float("nan")}}, "finite number"),
    ("pickle flavour", {"flavour": "pickle"}, "flavour"),
    ("short hash", {"artifact_sha256": "abc"}, "artifact_sha256"),
    ("upper-case hash", {"code_hash": "C" * 64}, "code_hash"),
    ("extra field", {"note": "trust me"}, "Extra inputs"),
]


@pytest.mark.parametrize(
    ("changes", "message"), [(c[1], c[2]) for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_manifests_cannot_be_made(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _manifest(**changes)


def test_the_public_key_exports_as_pem_and_base64() -> None:
    public = KEY.public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    pem = public_key_pem(public)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    for text in (pem, public_key_base64(public), f"  {public_key_base64(public)}\n"):
        loaded = load_public_key(text)
        assert loaded.public_bytes(Encoding.Raw, PublicFormat.Raw) == raw
        assert verify(sign(_manifest(), KEY), loaded, ARTIFACT) == _manifest()


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        "AAAA",
        public_key_pem(KEY.public_key()).replace("MCow", "MCox"),
        X25519PrivateKey.generate()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    ],
    ids=["not base64", "3 bytes", "broken PEM", "X25519 PEM"],
)
def test_what_is_not_an_ed25519_public_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        load_public_key(text)


def test_a_stored_signed_manifest_that_is_not_one_is_refused() -> None:
    for text in ("", "[]", '{"payload": "**", "signature": "", "key_id": "x"}', "{}"):
        with pytest.raises(ManifestInvalid, match="not a signed model manifest"):
            SignedManifest.from_json(text)
