"""Throughput of the audit log: durable appends and verification.

Run: .venv/bin/python bench/audit_bench.py [--verify-events N] [--skip-postgres]

Measures, on SQLite (a file in a temporary directory, opened by the lab's engine: WAL,
synchronous=FULL, BEGIN IMMEDIATE) and on PostgreSQL if it answers at
LAB_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432, in a scratch database that is
dropped afterwards):

- appends/s, one writer, one event per transaction (each commit made durable);
- appends/s, one writer, `append_many` with 100 events per transaction;
- the same two with 4 writer processes appending at once;
- verify() events/s over the whole log (at least --verify-events events);
- for reference, bare one-row INSERT+COMMIT transactions without the audit log: the
  ceiling that a durable commit per event puts on "1 event/transaction".

Every log signs a checkpoint every 1000 events, as the lab does by default.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ (not the project) first on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine, make_url

from audit import AuditLog, EventDraft, metadata, verify
from lab.db.engine import make_engine

KEY_BYTES = bytes(range(32))
PG_ADMIN_URL = os.environ.get(
    "LAB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def make_draft(i: int, writer: int = 0) -> EventDraft:
    return EventDraft(
        actor=f"user-{writer}",
        action="authz.decide",
        resource=f"tenants/acme/datasets/merchants-{i % 50}",
        tenant="acme",
        zone="sandbox",
        decision="allow" if i % 7 else "deny",
        request_id=f"req-{writer}-{i}",
        details={"policy_version": 12, "rule": "p-17", "input_sha256": f"{i:064x}"},
    )


def new_log() -> AuditLog:
    signer = Ed25519PrivateKey.from_private_bytes(KEY_BYTES)
    return AuditLog(signer, checkpoint_every=1000, checkpoint_seconds=300.0)


def append_events(engine: Engine, log: AuditLog, count: int, batch: int, writer: int = 0) -> None:
    for first in range(0, count, batch):
        drafts = [make_draft(i, writer) for i in range(first, min(first + batch, count))]
        with engine.begin() as conn:
            if batch == 1:
                log.append(conn, drafts[0])
            else:
                log.append_many(conn, drafts)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bare_commits(engine: Engine, count: int) -> float:
    """Seconds for `count` one-row transactions into a scratch table: the floor that
    durability (fsync per commit) and SQLAlchemy set for one event per transaction."""
    scratch = sa.Table(
        "bench_scratch",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    scratch.drop(engine, checkfirst=True)
    scratch.create(engine)
    insert = scratch.insert()
    body = "x" * 300
    start = time.perf_counter()
    for i in range(count):
        with engine.begin() as conn:
            conn.execute(insert, {"id": i, "body": body})
    elapsed = time.perf_counter() - start
    scratch.drop(engine)
    return elapsed


def _writer(url: str, writer: int, count: int, batch: int, barrier: Any) -> None:
    engine = make_engine(url)
    log = new_log()
    with engine.connect():
        pass  # open the pooled connection before the clock starts
    barrier.wait()
    append_events(engine, log, count, batch, writer)
    engine.dispose()


def parallel_rate(url: str, writers: int, per_writer: int, batch: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    procs = [
        ctx.Process(target=_writer, args=(url, w, per_writer, batch, barrier))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError("a writer process failed")
    return writers * per_writer / elapsed


def run_suite(url: str, verify_events: int) -> list[tuple[str, str]]:
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    log = new_log()
    out: list[tuple[str, str]] = []

    n = 3000
    bare_commits(engine, 500)  # warm up: the first commits also grow the WAL file
    out.append(("reference: bare INSERT+COMMIT, no audit", _rate(n, bare_commits(engine, n))))
    out.append(
        ("1 writer, 1 event/transaction", _rate(n, timed(lambda: append_events(engine, log, n, 1))))
    )
    n = 20_000
    out.append(
        ("1 writer, append_many(100)", _rate(n, timed(lambda: append_events(engine, log, n, 100))))
    )
    out.append(("4 writers, 1 event/transaction", f"{parallel_rate(url, 4, 1000, 1):,.0f} /s"))
    out.append(("4 writers, append_many(100)", f"{parallel_rate(url, 4, 5000, 100):,.0f} /s"))

    with engine.connect() as conn:
        have = log.head(conn)[0]
    if have < verify_events:
        append_events(engine, log, verify_events - have, 1000)
    rates: list[float] = []
    for _ in range(3):  # the first read after bulk writes can cost more
        with engine.connect() as conn:
            start = time.perf_counter()
            report = verify(conn, log.public_key)
            rates.append(report.events_checked / (time.perf_counter() - start))
        if not report.ok:
            raise RuntimeError(f"verification failed: {report.problem}")
    label = f"verify {report.events_checked:,} events"
    out.append((f"{label}, first run", f"{rates[0]:,.0f} /s"))
    out.append((f"{label}, best of 3", f"{max(rates):,.0f} /s"))
    engine.dispose()
    return out


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} /s"


def postgres_suite(verify_events: int) -> list[tuple[str, str]] | str:
    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"audit_bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        return f"PostgreSQL at {admin_url.host}:{admin_url.port} did not answer ({exc.orig})"
    try:
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        return run_suite(url, verify_events)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify-events", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    results: dict[str, list[tuple[str, str]] | str] = {}
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        results["SQLite (WAL, synchronous=FULL)"] = run_suite(
            f"sqlite:///{Path(tmp) / 'bench.db'}", args.verify_events
        )
    if not args.skip_postgres:
        results["PostgreSQL"] = postgres_suite(args.verify_events)

    print(f"audit log throughput ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    for backend, rows in results.items():
        print(f"\n{backend}")
        if isinstance(rows, str):
            print(f"  skipped: {rows}")
            continue
        width = max(len(label) for label, _ in rows)
        print(f"  {'measure':<{width}}  {'rate':>12}")
        print(f"  {'-' * width}  {'-' * 12}")
        for label, value in rows:
            print(f"  {label:<{width}}  {value:>12}")


if __name__ == "__main__":
    main()
