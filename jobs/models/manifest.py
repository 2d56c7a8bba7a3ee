"""The promotion manifest: what was approved to run in production, signed with Ed25519.

A manifest freezes a model version at promotion: the artifact's SHA-256 and flavour, the code
hash, the lineage (job, input dataset versions), metrics, the gate results, the policy version,
who asked and who approved (distinct people, the requester not among the approvers), when,
and the production dataset it was approved for.

Its bytes are canonical JSON (`audit.canonical.canonical_json`: sorted keys, no whitespace,
UTF-8, no NaN; times as ISO-8601 UTC with six fractional digits and `Z`). The signature
covers `{"key_id", "manifest", "type": "model-manifest", "v": 1}` so it cannot be taken for
the signature of an audit checkpoint made with the same kind of key, and names the key
(`audit.key_id_of`: SHA-256 of the raw public key).

`verify` checks, in order: the key named is the key given (`WrongKey`), the signature over the
exact stored bytes (`SignatureInvalid`: a byte of the manifest or of the signature changed),
the bytes are the canonical form of a valid manifest (`ManifestInvalid`), and the artifact's
SHA-256 (`ArtifactMismatch`). Keys are passed in: the lab keeps the private key wrapped by its
master key, as it does the audit key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from audit.canonical import canonical_json, format_time
from audit.checkpoint import key_id_of
from jobs.errors import JobError

FORMAT = "lab-model-manifest/1"
SIGNED_TYPE = "model-manifest"
SIGNED_VERSION = 1

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, Field(min_length=1, max_length=512)]


class ManifestError(JobError):
    """A manifest or its signature cannot be trusted; the message says which check failed."""


class WrongKey(ManifestError):
    """The manifest was signed with another key than the one it is checked against."""


class SignatureInvalid(ManifestError):
    """The signature does not cover these bytes: the manifest or the signature was altered."""


class ManifestInvalid(ManifestError):
    """The signed bytes are not the canonical form of a valid manifest."""


class ArtifactMismatch(ManifestError):
    """The artifact's SHA-256 is not the one the manifest approved: it was altered or swapped."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DatasetVersion(_Frozen):
    dataset: Text
    version: Annotated[int, Field(ge=1)]


class Lineage(_Frozen):
    job_id: Text
    inputs: tuple[DatasetVersion, ...]


class GateResult(_Frozen):
    gate: Text
    passed: bool
    detail: Annotated[str, Field(max_length=2048)] = ""


class Manifest(_Frozen):
    format: Literal["lab-model-manifest/1"] = "lab-model-manifest/1"
    model_name: Text
    model_version: Annotated[int, Field(ge=1)]
    flavour: Literal["onnx", "lightgbm", "scorecard"]
    artifact_sha256: Sha256
    code_hash: Sha256
    lineage: Lineage
    metrics: dict[Text, float]
    gate_results: tuple[GateResult, ...]
    policy_version: Text
    requested_by: Text
    approvers: Annotated[tuple[Text, ...], Field(min_length=1)]
    approved_at: datetime
    production_dataset: DatasetVersion
    purpose: Annotated[str, Field(max_length=2048)] = ""

    @field_validator("approved_at")
    @classmethod
    def _aware(cls, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("approved_at must be timezone-aware")
        return moment

    @field_serializer("approved_at")
    def _stamp(self, moment: datetime) -> str:
        return format_time(moment)

    @model_validator(mode="after")
    def _four_eyes(self) -> Manifest:
        if len(set(self.approvers)) != len(self.approvers):
            raise ValueError("each approver may appear once")
        if self.requested_by in self.approvers:
            raise ValueError("the requester cannot approve their own promotion")
        if not all(gate.passed for gate in self.gate_results):
            raise ValueError("a manifest records a promotion whose gates all passed")
        return self

    def canonical(self) -> bytes:
        """The manifest's canonical JSON bytes."""
        return canonical_json(self.model_dump(mode="json")).encode("utf-8")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """The manifest from its JSON form (times as text); ValidationError when invalid."""
        return cls.model_validate(data)


class SignedManifest(_Frozen):
    """The signed bytes, the signature and the signing key's id; stored and shipped as is."""

    payload: bytes
    signature: bytes
    key_id: Sha256

    def to_json(self) -> str:
        return canonical_json(
            {
                "key_id": self.key_id,
                "payload": base64.b64encode(self.payload).decode("ascii"),
                "signature": base64.b64encode(self.signature).decode("ascii"),
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SignedManifest:
        try:
            data = json.loads(text)
            return cls(
                payload=base64.b64decode(data["payload"], validate=True),
                signature=base64.b64decode(data["signature"], validate=True),
                key_id=data["key_id"],
            )
        except (ValueError, KeyError, TypeError, binascii.Error, ValidationError) as exc:
            raise ManifestInvalid(f"not a signed model manifest: {exc}") from exc


def signed_payload(manifest: Manifest, key_id: str) -> bytes:
    """The exact bytes the signature covers."""
    envelope = {
        "key_id": key_id,
        "manifest": manifest.model_dump(mode="json"),
        "type": SIGNED_TYPE,
        "v": SIGNED_VERSION,
    }
    return canonical_json(envelope).encode("utf-8")


def sign(manifest: Manifest, key: Ed25519PrivateKey) -> SignedManifest:
    key_id = key_id_of(key.public_key())
    payload = signed_payload(manifest, key_id)
    return SignedManifest(payload=payload, signature=key.sign(payload), key_id=key_id)


def verify(signed: SignedManifest, key: Ed25519PublicKey, artifact: bytes) -> Manifest:
    """The manifest, once the signature and the artifact's hash are checked (module doc)."""
    expected = key_id_of(key)
    if signed.key_id != expected:
        raise WrongKey(
            f"the manifest was signed with key {signed.key_id[:16]}, not with the lab's "
            f"promotion key {expected[:16]}"
        )
    try:
        key.verify(signed.signature, signed.payload)
    except InvalidSignature:
        raise SignatureInvalid(
            "the manifest's signature does not match its content: the manifest or its "
            "signature was altered"
        ) from None
    manifest = _parse(signed.payload, signed.key_id)
    digest = hashlib.sha256(artifact).hexdigest()
    if digest != manifest.artifact_sha256:
        raise ArtifactMismatch(
            f"the artifact's SHA-256 is {digest[:16]}, the manifest approved "
            f"{manifest.artifact_sha256[:16]}: the artifact was altered or swapped"
        )
    return manifest


def _parse(payload: bytes, key_id: str) -> Manifest:
    try:
        envelope = json.loads(payload)
        if not isinstance(envelope, dict) or set(envelope) != {"key_id", "manifest", "type", "v"}:
            raise ValueError("the envelope's keys are not key_id, manifest, type, v")
        if envelope["type"] != SIGNED_TYPE or envelope["v"] != SIGNED_VERSION:
            raise ValueError(f"not a {SIGNED_TYPE} v{SIGNED_VERSION} signature")
        if envelope["key_id"] != key_id:
            raise ValueError("the signed key id differs from the stated one")
        manifest = Manifest.from_json(envelope["manifest"])
    except (ValueError, ValidationError) as exc:  # ValidationError is a ValueError too
        raise ManifestInvalid(f"the signed manifest is not valid: {exc}") from exc
    if signed_payload(manifest, key_id) != payload:
        raise ManifestInvalid("the signed manifest is not in canonical form")
    return manifest


def public_key_pem(key: Ed25519PublicKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo), for auditors' tools."""
    pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def public_key_base64(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key exported by `public_key_pem` or `public_key_base64`; ValueError if not."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 public key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not a base64 public key: {exc}") from exc
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


__all__ = [
    "ArtifactMismatch",
    "DatasetVersion",
    "GateResult",
    "Lineage",
    "Manifest",
    "ManifestError",
    "ManifestInvalid",
    "SignatureInvalid",
    "SignedManifest",
    "WrongKey",
    "load_public_key",
    "public_key_base64",
    "public_key_pem",
    "sign",
    "verify",
]
