"""Signed checkpoints: the audit key's Ed25519 signature over (seq, hash, time, key id).

Why: a hash chain alone proves order, not authorship. Anyone who can write to the
database can rewrite an event *and* recompute every later hash, or cut the tail off. A
checkpoint pins the head of the chain with a signature only the lab's signing key can
make; events at or before it can no longer be rewritten, and a tail cut behind it shows.
An attacker who can write the database can still delete checkpoint rows too, which is why
checkpoints can be exported (`to_dict`) and handed back to `verify(trusted=...)` later
from storage the database administrator does not control.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.canonical import checkpoint_payload, format_time, parse_time

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw 32-byte public key: names the key without revealing anything."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement "event `seq` of this log had hash `hash`" made at `time`.

    `signature` is the hex Ed25519 signature over `audit.canonical.checkpoint_payload`.
    """

    seq: int
    hash: str
    time: datetime
    signature: str
    key_id: str

    @classmethod
    def sign(cls, signer: Ed25519PrivateKey, seq: int, hash_: str, time: datetime) -> Checkpoint:
        key_id = key_id_of(signer.public_key())
        stamp = format_time(time)
        signature = signer.sign(checkpoint_payload(seq, hash_, stamp, key_id)).hex()
        return cls(seq=seq, hash=hash_, time=parse_time(stamp), signature=signature, key_id=key_id)

    def payload(self) -> bytes:
        return checkpoint_payload(self.seq, self.hash, format_time(self.time), self.key_id)

    def signature_valid(self, public_key: Ed25519PublicKey) -> bool:
        """True if `public_key` is the signing key and the signature covers these fields."""
        if key_id_of(public_key) != self.key_id:
            return False
        try:
            public_key.verify(bytes.fromhex(self.signature), self.payload())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "time": format_time(self.time),
            "signature": self.signature,
            "key_id": self.key_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Read a checkpoint exported with `to_dict`; raises ValueError on a malformed one."""
        try:
            seq, hash_, signature, key_id = (
                data["seq"],
                data["hash"],
                data["signature"],
                data["key_id"],
            )
            time = parse_time(data["time"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an audit checkpoint: {exc}") from exc
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise ValueError(f"checkpoint seq must be a positive integer, got {seq!r}")
        for name, value, pattern in (
            ("hash", hash_, _HEX64),
            ("key_id", key_id, _HEX64),
            ("signature", signature, _HEX128),
        ):
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise ValueError(f"checkpoint {name} must be lower-case hex, got {value!r}")
        return cls(seq=seq, hash=hash_, time=time, signature=signature, key_id=key_id)
