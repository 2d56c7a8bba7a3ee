"""Tamper-evident audit log: an append-only hash chain with Ed25519-signed checkpoints.

A library: it never imports `lab`. Callers hand it a SQLAlchemy `Connection` inside their
own transaction, so a change and the event recording it commit together.

    log = AuditLog(signer=private_key)
    with engine.begin() as conn:
        ...change something...
        log.append(conn, EventDraft(actor="alice", action="tenant.create",
                                    resource="platform/tenants/acme", tenant="acme"))
    with engine.connect() as conn:
        report = verify(conn, private_key.public_key())
"""

from audit.appender import AppendFailed, GroupAppender
from audit.canonical import GENESIS_HASH
from audit.checkpoint import Checkpoint, key_id_of
from audit.event import Event, EventDraft
from audit.export import read_jsonl, write_csv, write_jsonl
from audit.query import EventFilter
from audit.store import AuditLog, checkpoints_table, events_table, metadata
from audit.verify import VerifyReport, verify, verify_events

__all__ = [
    "GENESIS_HASH",
    "AppendFailed",
    "AuditLog",
    "Checkpoint",
    "Event",
    "EventDraft",
    "EventFilter",
    "GroupAppender",
    "VerifyReport",
    "checkpoints_table",
    "events_table",
    "key_id_of",
    "metadata",
    "read_jsonl",
    "verify",
    "verify_events",
    "write_csv",
    "write_jsonl",
]
