"""The API under load: a real `lab serve` on a fresh lab home, driven by asyncio clients.

Two phases per backend, one after the other on the same server:

1. read mix: N clients loop over who-am-I, the dataset list, the job list and a page of
   the tenant's audit trail (each an authorization decision, audited);
2. the same, plus a SQL job submitted every few seconds (run by the server's worker).

Printed per phase: requests/s, p50, p99 (and p99 per kind), errors (any answer but the
expected 200/202, or a broken connection), timeouts. Afterwards: the audit events
written, whether every answered request's decision is in the log (by its X-Request-ID),
and `lab audit verify` over the whole chain.

Goals: 0 errors, 0 timeouts, p99 < 250 ms, >= 300 req/s on the read mix and >= 100 req/s
with submissions, every decision audited, the chain intact.

Run: .venv/bin/python bench/load_bench.py [--clients 50] [--seconds 60]
     [--submit-every 3] [--backend sqlite|postgresql|both] [--processes N]
     [--server-env LAB_API_THREADS=16 ...]
PostgreSQL: a throwaway database on LAB_TEST_POSTGRES_URL's server (default
postgres@127.0.0.1:5432), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_client import Tally, percentile, run_phase
from bench.load_server import (
    audited_requests,
    prepare_home,
    running_server,
    scratch_postgres,
    verify_chain,
)

GOAL_P99 = 0.250
GOAL_READ_RATE, GOAL_MIXED_RATE = 300.0, 100.0


def describe(name: str, tally: Tally, goal_rate: float) -> str:
    p50, p99 = percentile(tally.latencies, 0.50), percentile(tally.latencies, 0.99)
    kinds = ", ".join(
        f"{kind} {percentile(v, 0.99) * 1e3:.0f}" for kind, v in sorted(tally.by_kind.items())
    )
    met = tally.rate >= goal_rate and p99 < GOAL_P99 and not tally.errors and not tally.timeouts
    errors = len(tally.errors)
    n = max(1, len(tally.latencies))
    sample = f" e.g. {sorted(set(tally.errors))[:4]}" if tally.errors else ""
    return (
        f"  {name:<6} {len(tally.latencies):>7} requests in {tally.seconds:5.1f} s: "
        f"{tally.rate:6.1f} req/s, p50 {p50 * 1e3:6.1f} ms, p99 {p99 * 1e3:7.1f} ms, "
        f"errors {errors}, timeouts {tally.timeouts} -> {'goal met' if met else 'BELOW GOAL'}"
        f"{sample}\n         p99 by kind (ms): {kinds}\n         CPU per request: server "
        f"{tally.server_cpu / n * 1e3:.2f} ms, clients {tally.client_cpu / n * 1e3:.2f} ms "
        f"(server busy {tally.server_cpu / tally.seconds:.2f} cores, clients "
        f"{tally.client_cpu / tally.seconds:.2f})"
    )


def run_backend(backend: str, args: argparse.Namespace) -> bool:
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-bench-")))
        url = stack.enter_context(scratch_postgres()) if backend == "postgresql" else None
        made = prepare_home(folder / "home", url)
        print(
            f"{backend}: {args.clients} clients, {args.seconds:g} s per phase, server "
            f"{' '.join(f'{k}={v}' for k, v in args.server_env.items())}",
            flush=True,
        )
        tallies: list[Tally] = []
        with running_server(made, extra_env=args.server_env) as server:
            asyncio.run(
                run_phase(
                    server.url,
                    made.tokens,
                    clients=4,
                    seconds=2,
                    submit_every=None,
                    timeout=args.timeout,
                    tag="warm",
                )
            )
            for tag, every, goal in (
                ("read", None, GOAL_READ_RATE),
                ("mixed", args.submit_every, GOAL_MIXED_RATE),
            ):
                tally = asyncio.run(
                    run_phase(
                        server.url,
                        made.tokens,
                        clients=args.clients,
                        seconds=args.seconds,
                        submit_every=every,
                        timeout=args.timeout,
                        tag=tag,
                        server_pid=server.process.pid,
                    )
                )
                tallies.append(tally)
                print(describe(tag, tally, goal), flush=True)
        answered = set().union(*(t.request_ids for t in tallies))
        events, missing = audited_requests(made, answered)
        print(
            f"  audit: {events} events in the log; {len(answered)} answered requests, "
            f"{len(missing)} of them without their decision in the log"
        )
        ok, said = verify_chain(made)
        print(f"  verify: {said}")
        if args.keep_log:
            print((made.home / "serve.log").read_text()[-4000:])
        return ok and not missing and all(not t.errors and not t.timeouts for t in tallies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--submit-every", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="Per request, seconds.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="LAB_X=v",
        help="A setting for the server (repeatable), e.g. LAB_API_CONCURRENCY=32.",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="LAB_API_PROCESSES of the server [default: one per core].",
    )
    parser.add_argument("--keep-log", action="store_true", help="Print the server log's tail.")
    args = parser.parse_args()
    args.server_env = {
        "LAB_API_PROCESSES": str(args.processes),
        **dict(item.split("=", 1) for item in args.server_env),
    }
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run_backend(b, args) for b in backends]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
