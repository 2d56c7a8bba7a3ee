"""The client side of the load run: N asyncio clients over one HTTP connection pool.

Each client loops over the read mix (who am I, the dataset list, the job list, a page of
the tenant's audit trail) with its own engineer's token; in the mixed phase one more task
submits a SQL job every few seconds. Every request carries its own `X-Request-ID`, so that
afterwards the audit log can be asked whether each decision the clients saw answered was
written (`load_server.audited_requests`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import httpx2

from bench.load_server import TENANT, ZONE, cpu_seconds

READS = (
    ("me", "/v1/me"),
    ("datasets", f"/v1/tenants/{TENANT}/zones/{ZONE}/datasets"),
    ("jobs", f"/v1/tenants/{TENANT}/zones/{ZONE}/jobs"),
    ("audit", f"/v1/audit/events?tenant={TENANT}&limit=50"),
)
JOB_SPEC = (
    "name: load\nzone: sandbox\nengine: sql\ninputs: {sales: {dataset: sales}}\n"
    'code: {query: "SELECT city, count(*) AS n FROM sales GROUP BY city"}\n'
    "outputs: {out: {sensitivity: moderately_sensitive, kind: table}}\n"
    "resources: {wall_seconds: 120, memory_mb: 1024, cpus: 1}\n"
)


@dataclass
class Tally:
    """What the clients saw in one phase."""

    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # unexpected answers, in words
    timeouts: int = 0
    request_ids: set[str] = field(default_factory=set)  # answered with 2xx/4xx: audited
    seconds: float = 0.0
    tag: str = "run"  # request ids read `load-<tag>-...`: unique per phase
    server_cpu: float = 0.0  # CPU seconds the server process used during the phase
    client_cpu: float = 0.0  # and the clients' own process

    def note(self, kind: str, rid: str, status: int, took: float) -> None:
        self.latencies.append(took)
        self.by_kind.setdefault(kind, []).append(took)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        expected = 202 if kind == "submit" else 200
        if status != expected:
            self.errors.append(f"{kind} -> {status}")
        if status < 500:
            self.request_ids.add(rid)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _call(
    client: httpx2.AsyncClient, tally: Tally, kind: str, rid: str, token: str, **request: object
) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": rid}
    start = time.perf_counter()
    try:
        response = await client.request(headers=headers, **request)  # type: ignore[arg-type]
    except httpx2.TimeoutException:
        tally.timeouts += 1
        return
    except httpx2.HTTPError as exc:
        tally.errors.append(f"{kind}: {type(exc).__name__}")
        return
    tally.note(kind, rid, response.status_code, time.perf_counter() - start)


async def _reader(
    client: httpx2.AsyncClient, tally: Tally, n: int, token: str, stop_at: float
) -> None:
    for i in itertools.count():
        if time.monotonic() >= stop_at:
            return
        kind, path = READS[(n + i) % len(READS)]
        await _call(client, tally, kind, f"load-{tally.tag}-{n}-{i}", token, method="GET", url=path)


async def _submitter(
    client: httpx2.AsyncClient, tally: Tally, token: str, every: float, stop_at: float
) -> None:
    for i in itertools.count():
        due = time.monotonic() + every
        if due - every >= stop_at:
            return
        files = {"spec": ("job.yaml", JOB_SPEC.encode(), "application/yaml")}
        await _call(
            client,
            tally,
            "submit",
            f"load-{tally.tag}-submit-{i}",
            token,
            method="POST",
            url=f"/v1/tenants/{TENANT}/zones/{ZONE}/jobs",
            files=files,
        )
        await asyncio.sleep(max(0.0, min(due, stop_at) - time.monotonic()))


async def run_phase(
    url: str,
    tokens: list[str],
    *,
    clients: int,
    seconds: float,
    submit_every: float | None,
    timeout: float,
    tag: str,
    server_pid: int | None = None,
) -> Tally:
    """`clients` readers for `seconds` (plus a submitter when `submit_every` is given)."""
    tally = Tally(tag=tag)
    limits = httpx2.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    async with httpx2.AsyncClient(
        base_url=url, timeout=httpx2.Timeout(timeout), limits=limits, trust_env=False
    ) as client:
        start = time.monotonic()
        cpu_start = (cpu_seconds(server_pid) if server_pid else 0.0, time.process_time())
        stop_at = start + seconds
        tasks = [
            _reader(client, tally, n, tokens[n % len(tokens)], stop_at) for n in range(clients)
        ]
        if submit_every:
            tasks.append(_submitter(client, tally, tokens[0], submit_every, stop_at))
        await asyncio.gather(*tasks)
        tally.seconds = time.monotonic() - start
        tally.server_cpu = (cpu_seconds(server_pid) if server_pid else 0.0) - cpu_start[0]
        tally.client_cpu = time.process_time() - cpu_start[1]
    return tally
