"""The audit signing key: an Ed25519 key whose seed the keyring keeps wrapped by the master
key. It signs the audit log's checkpoints; its public half verifies them."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from lab.keys.keyring import get_or_create_secret

AUDIT_SIGNING_KEY = "audit/signing"


def audit_signing_key(session: Session, master: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key that signs audit checkpoints (its seed is kept wrapped)."""
    seed = get_or_create_secret(session, master, AUDIT_SIGNING_KEY, kind="ed25519-seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


PROMOTION_SIGNING_KEY = "promotion/signing"


def promotion_signing_key(session: Session, master: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key that signs promotion manifests, created on first use; its seed is
    kept wrapped by the master key like the audit key's, and rotates with it."""
    seed = get_or_create_secret(session, master, PROMOTION_SIGNING_KEY, kind="ed25519-seed")
    return Ed25519PrivateKey.from_private_bytes(seed)
