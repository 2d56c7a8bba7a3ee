"""CPU time the API spends per request, for each kind of the load mix, measured in-process.

`bench/load_bench.py` measures what clients see from a real `lab serve`; on a shared
machine its rates move with whatever else runs. This bench measures what the server's
own work costs, which other processes change far less: the CPU time of this process (all its
threads: the event loop, the request threads, the audit appender) per request.

It builds a lab (SQLite, or PostgreSQL with `--backend postgresql`) like the load bench
(`bench.load_server.prepare_home`: tenant `acme`, engineers with tokens, the `sales`
dataset), queues some SQL jobs so that the job list is not empty, and drives the ASGI app
directly (a bare ASGI call, no HTTP client, so that almost all the CPU counted is the
app's) with `--concurrency` requests in flight, as under load: decisions then share audit
commits as they do in the server. Each kind of the read mix (who am I, the dataset list,
the job list, a page of the tenant's audit trail) runs `--requests` times, then the four
round-robin (`mix`); every answer must be a 200.

Printed: CPU ms/request per kind, the least and the median of `--rounds` rounds (on a
busy machine the least is the figure others disturbed least), and the wall time. With
`--profile`, nothing is timed: the kinds run once under cProfile, in every thread, and the
top entries are printed (cProfile slows everything down several-fold; read its shares).

Not counted: uvicorn's HTTP parsing and socket work, which a real server adds per request.

Run: .venv/bin/python bench/request_cpu_bench.py [--requests 400] [--concurrency 16]
     [--rounds 5] [--jobs 20] [--kinds me audit ...] [--profile] [--top 40]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_client import JOB_SPEC, READS
from bench.load_server import TENANT, ZONE, LabHome, prepare_home, scratch_postgres

App = Callable[..., Any]


class Driver:
    """Calls the ASGI app the way uvicorn would, for GETs, and checks the answer."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.ids = itertools.count()

    async def get(self, url: str, token: str) -> None:
        path, _, query = url.partition("?")
        rid = f"cpu-bench-{next(self.ids)}".encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [
                (b"host", b"bench"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"x-request-id", rid),
                (b"accept", b"*/*"),
            ],
            "client": ("127.0.0.1", 40000),
            "server": ("bench", 80),
            "state": {},
        }
        done = asyncio.Event()
        status: list[int] = []
        body: list[bytes] = []
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        if status != [200]:
            raise SystemExit(f"GET {url} answered {status}: {b''.join(body)[:500]!r}")


class DatabaseCPU:
    """CPU seconds the PostgreSQL backends serving the lab's database have used so far
    (the server processes of its connections, read from /proc); 0.0 on SQLite, whose work
    is done in this process and already counted."""

    def __init__(self, url: str | None) -> None:
        self.engine = None
        if url:
            import sqlalchemy as sa

            self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def seconds(self) -> float:
        if self.engine is None:
            return 0.0
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            pids = conn.scalars(
                sa.text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / tick


async def run_kind(
    driver: Driver,
    urls: list[str],
    tokens: list[str],
    requests: int,
    concurrency: int,
    database: DatabaseCPU,
) -> tuple[float, float, float]:
    """(CPU seconds of this process, of the database server, wall seconds) for
    `requests` GETs cycling over `urls`."""
    counter = itertools.count()

    async def client(n: int) -> None:
        token = tokens[n % len(tokens)]
        while (i := next(counter)) < requests:
            await driver.get(urls[i % len(urls)], token)

    gc.collect()
    db = database.seconds()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu, database.seconds() - db, wall


def queue_jobs(made: LabHome, lab: Any, count: int) -> None:
    """`count` SQL jobs queued by an engineer (no worker runs here: they stay queued)."""
    from lab.auditing import Actor
    from lab.authz.chokepoint import Principal
    from lab.runs.service import submit_job

    who = Principal(user="eng-0", tenant=TENANT)
    for _ in range(count):
        submit_job(lab, who, Actor("eng-0"), tenant=TENANT, zone=ZONE, spec_text=JOB_SPEC)


class ThreadProfiles:
    """cProfile in every thread started from now on, and in the calling one, timed by each
    thread's CPU clock: time spent waiting (for the GIL, a lock, the database) is not
    counted, so the entries share out the CPU time the bench measures."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _start_here(self, *_: Any) -> None:
        profile = cProfile.Profile(time.thread_time)  # CPU time, not waits for locks or I/O
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this hook for the rest of the thread

    def start(self) -> None:
        threading.setprofile(self._start_here)
        self._start_here()

    def stop(self) -> None:
        """Stop profiling new threads and this one. A thread's profile is complete once the
        thread has ended: read another one while it waits, and the wait is mis-timed."""
        threading.setprofile(None)
        self.profiles[0].disable()

    def report(self, top: int) -> str:
        out = io.StringIO()
        stats = pstats.Stats(self.profiles[0], stream=out)
        for profile in self.profiles[1:]:
            profile.create_stats()
            stats.add(profile)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        return out.getvalue()


async def bench(args: argparse.Namespace, made: LabHome, profiles: ThreadProfiles | None) -> None:
    from anyio.to_thread import current_default_thread_limiter

    from lab.api.app import create_app
    from lab.context import Lab
    from lab.settings import Settings

    if profiles is not None:  # before the lab starts its threads and the pool its own
        profiles.start()
    settings = Settings(
        _env_file=None, home=made.home, database_url=made.database_url, master_key=made.master_key
    )
    lab = Lab.open(settings)
    try:
        queue_jobs(made, lab, args.jobs)
        app = create_app(lab)
        current_default_thread_limiter().total_tokens = settings.api_threads  # as lifespan
        driver = Driver(app)
        database = DatabaseCPU(made.database_url)
        every = {name: [url] for name, url in READS} | {"mix": [url for _, url in READS]}
        kinds = {k: every[k] for k in args.kinds}
        for urls in kinds.values():  # warm up: imports, caches, the thread pool
            await run_kind(driver, urls, made.tokens, 60, args.concurrency, database)
        gc.collect()
        gc.freeze()  # as `lab serve` does once it is ready (lab.api.heap)
        if profiles is not None:
            for urls in kinds.values():
                await run_kind(driver, urls, made.tokens, args.requests, args.concurrency, database)
            profiles.stop()
            print(f"cProfile: {args.requests} requests of each of {', '.join(kinds)} (and warm-up)")
            return
        figures: dict[str, list[tuple[float, float, float]]] = {k: [] for k in kinds}
        for _ in range(args.rounds):
            for name, urls in kinds.items():
                figures[name].append(
                    await run_kind(
                        driver, urls, made.tokens, args.requests, args.concurrency, database
                    )
                )
        print(
            f"{args.requests} requests per kind, {args.concurrency} in flight, "
            f"{args.rounds} rounds; audit appends: {lab.auditor.appender.stats}"
        )
        print(
            f"  {'kind':<9} {'CPU ms/request: least':>22} {'median':>7} "
            f"{'database server, median':>24} {'wall ms, median':>16}"
        )
        for name, runs in figures.items():
            per = args.requests / 1e3
            least = min(c for c, _, _ in runs) / per
            cpu = statistics.median(c for c, _, _ in runs) / per
            db = statistics.median(d for _, d, _ in runs) / per
            wall = statistics.median(w for _, _, w in runs) / per
            print(f"  {name:<9} {least:>22.2f} {cpu:>7.2f} {db:>24.2f} {wall:>16.2f}")
    finally:
        lab.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="per kind and round")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=20, help="queued jobs the job list shows")
    parser.add_argument("--engineers", type=int, default=10)
    parser.add_argument(
        "--kinds",
        nargs="+",
        choices=[*(name for name, _ in READS), "mix"],
        default=[*(name for name, _ in READS), "mix"],
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the kinds (cProfile) instead of timing"
    )
    parser.add_argument("--top", type=int, default=40, help="profile entries shown")
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="the metastore; PostgreSQL: a throwaway database on the local server, whose "
        "backends' CPU is printed on its own",
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="lab-cpu-bench-"))
        url = stack.enter_context(scratch_postgres()) if args.backend == "postgresql" else None
        made = prepare_home(Path(tmp) / "home", url, engineers=args.engineers)
        profiles = ThreadProfiles() if args.profile else None
        asyncio.run(bench(args, made, profiles))
        if profiles is not None:
            # the lab's threads have ended, and anyio ends its request threads with the
            # event loop: every profile is complete
            for thread in threading.enumerate():
                if thread is not threading.main_thread():
                    thread.join(timeout=30)
            print(profiles.report(args.top))


if __name__ == "__main__":
    main()
