"""Drafts, events, checkpoints and the canonical encoding, without a database."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import Checkpoint, Event, EventDraft, key_id_of
from audit.canonical import (
    EVENT_ROW,
    canonical_json,
    checkpoint_payload,
    format_time,
    hash_row,
    parse_time,
)
from tests.audit.audit_helpers import KEY, START, draft


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actor": ""}, "actor must not be empty"),
        ({"actor": "   "}, "actor must not be empty"),
        ({"actor": "a" * 201}, "limit is 200"),
        ({"actor": None}, "actor must be a string"),
        ({"actor": "ali\x00ce"}, "control characters"),
        ({"resource": "line\nbreak"}, "control characters"),
        ({"resource": "bad \ud800 surrogate"}, "invalid Unicode"),
        ({"action": ""}, "action must not be empty"),
        ({"action": "Tenant.Create"}, "dotted lower-case"),
        ({"action": "tenant..create"}, "dotted lower-case"),
        ({"action": "tenant.*"}, "dotted lower-case"),
        ({"tenant": ""}, "tenant must not be empty"),
        ({"zone": 3}, "zone must be a string"),
        ({"request_id": "r" * 201}, "limit is 200"),
        ({"decision": "maybe"}, "decision must be"),
        ({"decision": "ALLOW"}, "decision must be"),
        ({"outcome": ""}, "outcome must be"),
        ({"outcome": "Failed badly"}, "outcome must be"),
        ({"details": {"raw": object()}}, "JSON-serialisable"),
        ({"details": {"x": float("nan")}}, "JSON-serialisable"),
        ({"details": {1: "int key"}}, "keys must be strings"),
        ({"details": ["not", "a", "mapping"]}, "mapping"),
        ({"details": {"blob": "x" * 8200}}, "8192"),
        ({"details": {"s": "\udcff"}}, "JSON-serialisable"),
    ],
)
def test_bad_drafts_raise_value_error(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draft(**overrides)


def test_good_draft_is_frozen_and_copies_details() -> None:
    details = {"ids": ["a", "b"], "count": 2}
    d = EventDraft(
        actor="system:retention", action="dataset.destroy", resource="r", details=details
    )
    details["count"] = 3
    assert d.details["count"] == 2
    assert (d.outcome, d.decision, d.tenant) == ("ok", None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.actor = "mallory"  # type: ignore[misc]
    assert dataclasses.asdict(d)["details"] == {"ids": ["a", "b"], "count": 2}


def test_time_text_is_fixed_width_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2026, 5, 6, 15, 8, 9, 7, tzinfo=beijing)
    text = format_time(moment)
    assert text == "2026-05-06T07:08:09.000007Z"
    assert parse_time(text) == moment and parse_time(text).tzinfo == UTC
    assert format_time(datetime(2026, 5, 6, tzinfo=UTC)) == "2026-05-06T00:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 5, 6))


def test_event_hash_is_sha256_of_documented_encoding() -> None:
    row: tuple[Any, ...] = (7, "2026-01-02T03:04:05.123456Z", "张伟", "authz.decide", "r")
    row += ("acme", None, "deny", "denied", None, '{"why":"no grant"}', "ab" * 32)
    spelled_out = {name: value for name, value in zip(EVENT_ROW, row, strict=True)} | {"v": 1}
    text = json.dumps(spelled_out, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hash_row(row) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert canonical_json(spelled_out) == text


def test_event_dict_round_trip() -> None:
    event = Event(
        seq=3,
        time=START,
        actor="alice",
        action="token.revoke",
        resource="tokens/9",
        tenant=None,
        zone=None,
        decision=None,
        outcome="ok",
        request_id="r",
        details={"token_id": 9},
        prev_hash="0" * 64,
        hash="1" * 64,
    )
    data = json.loads(json.dumps(event.to_dict()))
    assert data["time"] == "2026-01-02T03:04:05.123456Z"
    assert Event.from_dict(data) == event
    with pytest.raises(ValueError, match="not an audit event"):
        Event.from_dict({"seq": 1})


def test_checkpoint_sign_export_import_verify() -> None:
    cp = Checkpoint.sign(KEY, 42, "ab" * 32, START)
    assert (
        cp.key_id
        == key_id_of(KEY.public_key())
        == hashlib.sha256(KEY.public_key().public_bytes_raw()).hexdigest()
    )
    assert cp.signature_valid(KEY.public_key())
    data = json.loads(json.dumps(cp.to_dict()))
    back = Checkpoint.from_dict(data)
    assert back == cp and back.signature_valid(KEY.public_key())
    assert cp.payload() == checkpoint_payload(42, "ab" * 32, format_time(START), cp.key_id)

    other = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key()
    assert not cp.signature_valid(other)
    for change in ({"seq": 43}, {"hash": "cd" * 32}, {"time": START + timedelta(microseconds=1)}):
        assert not dataclasses.replace(cp, **change).signature_valid(KEY.public_key())


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 0},
        {"seq": "42"},
        {"seq": True},
        {"hash": "AB" * 32},
        {"hash": "ab"},
        {"signature": "zz" * 64},
        {"key_id": None},
        {"time": "yesterday"},
        {"time": "2026-01-02T03:04:05"},
    ],
)
def test_malformed_checkpoint_dicts_are_refused(change: dict[str, Any]) -> None:
    data = Checkpoint.sign(KEY, 42, "ab" * 32, START).to_dict() | change
    with pytest.raises(ValueError):
        Checkpoint.from_dict(data)
    with pytest.raises(ValueError):
        Checkpoint.from_dict({"seq": 1})
