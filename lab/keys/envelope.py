"""Envelope encryption of keys with AES-256-GCM (from `cryptography`, nothing hand-made).

A wrapped key is `version byte || 12-byte nonce || ciphertext+tag`. The associated data
names what the key is for, so a wrapped key cannot be swapped for another one in the
keyring without failing to unwrap.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lab.errors import ConfigurationError

_VERSION = b"\x01"
_NONCE = 12


def wrap(kek: bytes, key: bytes, *, purpose: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + AESGCM(kek).encrypt(nonce, key, purpose.encode("utf-8"))


def unwrap(kek: bytes, wrapped: bytes, *, purpose: str) -> bytes:
    if not wrapped.startswith(_VERSION) or len(wrapped) < 1 + _NONCE + 16:
        raise ConfigurationError(f"the stored key for {purpose!r} has an unknown format")
    nonce = wrapped[1 : 1 + _NONCE]
    try:
        return AESGCM(kek).decrypt(nonce, wrapped[1 + _NONCE :], purpose.encode("utf-8"))
    except InvalidTag as exc:
        raise ConfigurationError(
            f"the master key does not open the stored key for {purpose!r}: "
            "wrong master key, or the keyring was tampered with"
        ) from exc
