"""The two audit tables, on their own `MetaData` so the lab's migrations can create them.

Types are chosen to round-trip exactly on SQLite and PostgreSQL, because every hash must
be recomputable from the stored row:

- `seq` is assigned by the log (head + 1), never by the database: a sequence or
  autoincrement would leave gaps on rollback, and a gap is what tampering looks like.
  On SQLite it is declared INTEGER so that it becomes the rowid (no second index).
- `time` is text in one fixed-width ISO-8601 UTC form (`audit.canonical.format_time`): it
  keeps microseconds on both backends, never meets a session time zone, and sorts and
  compares chronologically as text.
- `details` is the canonical JSON text, stored verbatim (a JSON column type would let the
  database reformat it).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

events_table = sa.Table(
    "audit_events",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=False),
    sa.Column("time", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("tenant", sa.String(200), nullable=True),
    sa.Column("zone", sa.String(200), nullable=True),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("resource", sa.String(200), nullable=False),
    sa.Column("decision", sa.String(16), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("request_id", sa.String(200), nullable=True),
    sa.Column("details", sa.Text(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # (column, seq): a filtered page `WHERE tenant = ? AND seq > ? ORDER BY seq` is one
    # index range scan on both backends.
    sa.Index("ix_audit_events_tenant", "tenant", "seq"),
    sa.Index("ix_audit_events_actor", "actor", "seq"),
    sa.Index("ix_audit_events_action", "action", "seq"),
    sa.Index("ix_audit_events_time", "time"),
)

checkpoints_table = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("time", sa.String(32), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
)

EVENT_COLUMNS = (
    events_table.c.seq,
    events_table.c.time,
    events_table.c.actor,
    events_table.c.action,
    events_table.c.resource,
    events_table.c.tenant,
    events_table.c.zone,
    events_table.c.decision,
    events_table.c.outcome,
    events_table.c.request_id,
    events_table.c.details,
    events_table.c.prev_hash,
    events_table.c.hash,
)
"""The event columns in `audit.canonical.EVENT_ROW` order, then `hash`."""
