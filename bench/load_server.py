"""A fresh lab home with people and a dataset, and a real `lab serve` process over it.

Shared by bench/load_bench.py and the short load test in the suite: both drive the API the
way a deployment runs it (uvicorn in its own process, the in-process worker and scheduler
on), never an in-process test client.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
TENANT, ZONE = "acme", "sandbox"
PG_SERVER_URL = os.environ.get(
    "LAB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class LabHome:
    """Where the lab lives and what the clients need to talk to it."""

    home: Path
    database_url: str | None
    master_key: str
    tokens: list[str] = field(default_factory=list)  # one per engineer

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
        env.update(
            LAB_HOME=str(self.home),
            LAB_MASTER_KEY=self.master_key,
            PYTHONPATH=str(ROOT),
            **extra,
        )
        if self.database_url:
            env["LAB_DATABASE_URL"] = self.database_url
        return env


def _rows(n: int) -> list[pa.RecordBatch]:
    rng = np.random.default_rng(7)
    return [
        pa.record_batch(
            {
                "city": pa.array(rng.integers(0, 30, n)).cast(pa.string()),
                "sales": pa.array(rng.gamma(2.0, 5000.0, n)),
            }
        )
    ]


def prepare_home(home: Path, database_url: str | None, *, engineers: int = 10) -> LabHome:
    """Initialise a lab at `home`: seed policy, tenant `acme` with `engineers` engineers
    (each with a token) and one small dataset, `sales`, for the SQL jobs."""
    from lab.auditing import Actor
    from lab.authz import admin
    from lab.context import Lab
    from lab.datasets.service import write_dataset
    from lab.identity.service import initialise
    from lab.identity.tenants import create_tenant
    from lab.identity.tokens import issue_token
    from lab.identity.users import create_user
    from lab.keys.master import generate_master_key
    from lab.settings import Settings

    key = generate_master_key()
    settings = Settings(_env_file=None, home=home, database_url=database_url, master_key=key)
    lab = Lab.open(settings, upgrade_schema=True)
    try:
        initialise(lab, "administrator")
        made = LabHome(home, database_url, key)
        with lab.transaction() as session:
            create_tenant(session, TENANT, "Acme")
            for i in range(engineers):
                user = create_user(session, f"eng-{i}", tenant=TENANT)
                admin.assign_role(
                    session, "bench", admin.RoleAssignment(user.name, "engineer", TENANT)
                )
                made.tokens.append(issue_token(session, user, ttl=timedelta(days=1)).secret)
        lab.policy.refresh(force=True)
        data = _rows(5_000)
        write_dataset(
            lab,
            Actor("eng-0"),
            tenant=TENANT,
            zone=ZONE,
            name="sales",
            batches=iter(data),
            schema=data[0].schema,
        )
    finally:
        lab.close()
    return made


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process `pid` and of its descendants, live or reaped
    (the server's request processes, its jobs' engines), so far. Linux; 0.0 elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")
    names = (p.name for p in Path("/proc").iterdir())
    stats = {int(n): st for n in names if n.isdigit() and (st := _stat(n))}
    family, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, st in stats.items():
            if int(st[1]) == parent and child not in family:
                family.add(child)
                frontier.append(child)
    total = 0
    for member in family:
        st = stats.get(member)
        if st is not None:  # own time, and that of its children already reaped
            total += int(st[11]) + int(st[12]) + (int(st[13]) + int(st[14]))
    return total / tick


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def running_server(
    made: LabHome, *, extra_env: dict[str, str] | None = None, start_timeout: float = 300.0
) -> Iterator[Server]:
    """`lab serve` on a free port; yields once /health answers; stops it (SIGINT) after."""
    import httpx2

    port = free_port()
    log = made.home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lab.cli.main", "serve", "--port", str(port)],
            cwd=made.home,
            env=made.env(**(extra_env or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"lab serve exited: {log.read_text()[-3000:]}")
            try:
                if httpx2.get(server.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"lab serve did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def scratch_postgres(prefix: str = "lab_load") -> Iterator[str]:
    """A throwaway database on the local PostgreSQL, dropped (with its connections) after."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin_engine = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield PG_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with admin_engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin_engine.dispose()


def audited_requests(made: LabHome, request_ids: set[str]) -> tuple[int, set[str]]:
    """(events in the log, the request ids among `request_ids` with no decision event)."""
    from audit import events_table
    from lab.db.engine import make_engine

    url = made.database_url or f"sqlite:///{made.home / 'metastore.db'}"
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.count()).select_from(events_table)) or 0
            seen = {
                str(r)
                for r in conn.scalars(
                    sa.select(events_table.c.request_id).where(
                        events_table.c.request_id.like("load-%"),
                        events_table.c.decision.is_not(None),
                    )
                )
            }
    finally:
        engine.dispose()
    return int(total), request_ids - seen


def verify_chain(made: LabHome) -> tuple[bool, str]:
    """The lab's own verification (`lab audit verify`), as an operator would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "lab.cli.main", "audit", "verify"],
        cwd=made.home,
        env=made.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    text = " ".join((done.stdout + done.stderr).split())
    return done.returncode == 0, text
