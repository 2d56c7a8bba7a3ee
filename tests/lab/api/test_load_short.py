"""The API under a short load: a real `lab serve` (uvicorn, in its own process, with its
worker), 10 clients for a few seconds over the read mix, plus SQL job submissions.

The server answers in 2 processes (each with its own lab and group-commit appender, so the
chain is written by both) with 2 request threads each for 10 clients, so requests always
queue for a thread:
that is where the API once deadlocked (a request held a pooled connection while waiting
for a thread, every thread waited for a connection), answering nothing for 30 s and then
500s. Asserted: no 5xx, no answer but the expected one, no timeout, every answered
request's authorization decision in the audit log, and an intact chain. Not a time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.load_client import run_phase
from bench.load_server import audited_requests, prepare_home, running_server, verify_chain

pytestmark = pytest.mark.slow


def test_short_load_answers_everything_and_audits_every_decision(
    tmp_path: Path, metastore_url: str
) -> None:
    url = None if metastore_url.startswith("sqlite") else metastore_url
    made = prepare_home(tmp_path / "home", url, engineers=3)
    small = {"LAB_API_PROCESSES": "2", "LAB_API_THREADS": "2"}
    with running_server(made, extra_env=small) as server:
        tally = asyncio.run(
            run_phase(
                server.url,
                made.tokens,
                clients=10,
                seconds=6,
                submit_every=2,
                timeout=25,
                tag="short",
            )
        )
    assert tally.timeouts == 0
    assert not [s for s in tally.statuses if s >= 500], tally.statuses
    assert tally.errors == [], sorted(set(tally.errors))
    kinds = set(tally.by_kind)
    assert kinds == {"me", "datasets", "jobs", "audit", "submit"}
    assert len(tally.by_kind["submit"]) >= 3
    events, missing = audited_requests(made, tally.request_ids)
    assert missing == set()
    assert events >= len(tally.request_ids)
    ok, said = verify_chain(made)
    assert ok, said
