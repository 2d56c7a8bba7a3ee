"""The one canonical byte encoding of events and checkpoints, and the hashes over it.

An event's hash must be recomputable years later, by this code or by an auditor's own
script, from nothing but the stored row. So the encoding is plain and fully specified:

- an event is the JSON object with the keys `action, actor, decision, details, outcome,
  prev_hash, request_id, resource, seq, tenant, time, v, zone`, sorted, no whitespace,
  non-ASCII characters kept as they are (`ensure_ascii=False`), encoded as UTF-8;
- `details` enters as the *string* holding its own canonical JSON (exactly the text stored
  in the `details` column), so verification never has to re-parse it, and no crafted
  details value can smuggle extra keys into the outer object;
- `time` is the stored text, ISO-8601 in UTC with exactly six fractional digits and a
  trailing `Z` (fixed width, so it also sorts chronologically as text);
- `v` is the format version (1); the hash is the SHA-256 hex digest of the bytes.

A checkpoint signs the canonical JSON of `{"hash", "key_id", "seq", "time", "type", "v"}`
with `type` = "audit-checkpoint", so the audit key's signature over a checkpoint cannot be
mistaken for a signature over anything else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
"""The `prev_hash` of event 1: the chain starts from 64 zeros."""

FORMAT_VERSION = 1
MAX_DETAILS_BYTES = 8192
CHECKPOINT_TYPE = "audit-checkpoint"

_SORTED = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)
# Same output as _SORTED for dicts whose keys are already inserted in sorted order; it
# skips the per-call sort on the hot path (`hash_row`).
_PRESORTED = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False
)
_sha256 = hashlib.sha256

EVENT_ROW = (
    "seq",
    "time",
    "actor",
    "action",
    "resource",
    "tenant",
    "zone",
    "decision",
    "outcome",
    "request_id",
    "details",
    "prev_hash",
)
"""Order of the hashed columns in the tuples `hash_row` takes (the stored `hash` follows)."""


def canonical_json(value: Any) -> str:
    """Canonical JSON text of `value`; raises TypeError/ValueError if it is not JSON-able."""
    return _SORTED.encode(value)


def canonical_details(details: Mapping[str, Any]) -> str:
    """The canonical JSON stored for an event's details, after checking type and size."""
    if not isinstance(details, Mapping):
        raise ValueError("details must be a mapping of string keys to JSON values")
    for key in details:
        if not isinstance(key, str):
            raise ValueError(f"details keys must be strings, got {key!r}")
    try:
        text = _SORTED.encode(dict(details))
        size = len(text.encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"details must be JSON-serialisable: {exc}") from exc
    if size > MAX_DETAILS_BYTES:
        raise ValueError(
            f"details take {size} bytes, more than {MAX_DETAILS_BYTES}: audit events hold "
            "ids, hashes and counts, never data"
        )
    return text


def format_time(moment: datetime) -> str:
    """The stored text of a timestamp: UTC, microseconds, `Z` (e.g. 2026-01-02T03:04:05.000006Z)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("audit timestamps must be timezone-aware (use datetime.now(UTC))")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """Inverse of `format_time`: an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"audit timestamp without a time zone: {text!r}")
    return moment.astimezone(UTC)


def hash_row(row: Sequence[Any]) -> str:
    """SHA-256 hex of an event given as a sequence in `EVENT_ROW` order (extra items ignored).

    This is the hot loop of verification: the dict literal lists the keys already sorted,
    which gives byte-for-byte the output of `canonical_json` without sorting each time.
    """
    obj = {
        "action": row[3],
        "actor": row[2],
        "decision": row[7],
        "details": row[10],
        "outcome": row[8],
        "prev_hash": row[11],
        "request_id": row[9],
        "resource": row[4],
        "seq": row[0],
        "tenant": row[5],
        "time": row[1],
        "v": FORMAT_VERSION,
        "zone": row[6],
    }
    return _sha256(_PRESORTED.encode(obj).encode("utf-8")).hexdigest()


def checkpoint_payload(seq: int, hash_: str, time: str, key_id: str) -> bytes:
    """The exact bytes an Ed25519 checkpoint signature covers."""
    obj = {
        "hash": hash_,
        "key_id": key_id,
        "seq": seq,
        "time": time,
        "type": CHECKPOINT_TYPE,
        "v": FORMAT_VERSION,
    }
    return _SORTED.encode(obj).encode("utf-8")
