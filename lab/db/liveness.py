"""Is a pooled PostgreSQL connection still alive? Asked at checkout, answered without a round
trip whenever the answer is known.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` at every checkout. A request checks out a
connection two or three times (its token, its route, its audit batch), and every round trip
is a wait that gives up Python's lock to the other request threads and queues to take it
back: under load the pings cost a quarter of the API's throughput.

A connection the server has closed (a restart, `pg_terminate_backend`, an idle timeout)
was sent a goodbye: its socket reads as ready while the connection is idle in the pool,
which costs a `poll` with no wait to see. A connection that has sat unused for a while
may have been dropped silently on the way (a firewall, a failed-over address); it is pinged.
Any other connection was in use moments ago and is handed out as it is. A ping that fails
raises `DisconnectionError`, and the pool replaces the connection (up to three tries), as
with `pool_pre_ping`.
"""

from __future__ import annotations

import select
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

IDLE_SECONDS = 10.0  # a connection unused for longer is pinged before it is handed out
_RETURNED = "lab_returned_at"


def _hears_from_server(dbapi_connection: Any) -> bool:
    """Whether the server has sent anything to this idle connection (a goodbye, or EOF)."""
    try:
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):  # closed on our side already
        return True


def check_at_checkout(engine: Engine, *, idle_seconds: float = IDLE_SECONDS) -> None:
    """Ping a connection at checkout only if the server spoke to it while it was idle, or it
    has been idle longer than `idle_seconds`; replace it if the ping fails."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.pop(_RETURNED, None)
        if returned is None:  # new: it has just connected
            return
        recent = time.monotonic() - returned < idle_seconds
        if recent and not _hears_from_server(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the connection is not fit to hand out
            raise sa.exc.DisconnectionError(f"the metastore connection was lost: {exc}") from exc
