"""Spark jobs on a cluster: the sandboxed job is a Spark Connect client, nothing more.

With the master `sc://host:port` (the lab's `spark_cluster` setting), a Spark job's code
still runs in the job sandbox, confined like a Python job: uid 65534, new PID, network, IPC
and UTS namespaces, a read-only root, `/inputs` read-only, `/workspace` its only writable
place, a seccomp filter that refuses IP sockets. What changes:

- the sandbox shows PySpark and its Connect client, but no JVM and no shell tools
  (`connect_layout`). `labjob.spark()` opens a Spark Connect session (PySpark's gRPC client)
  over `/run/lab/spark-connect.sock`, a Unix socket the worker relays to that one server
  (`jobs.sandbox.bridge`): the job reaches the cluster and nothing else;
- the data a job sends is what it read from its own `/inputs`, decrypted by the lab with the
  job's keys only (`labjob.read_spark` ships the rows as Arrow); results come back the same
  way (`labjob.write_spark` collects them into the job's outputs, which cross the output gate
  as always). The cluster holds no lab keys, no lab home and no datasets at rest;
- the worker names the session (a random id, user `labjob-<workspace>`) and, however the job
  ends, interrupts what still runs in it and releases it: its temporary views and cached
  data go with it;
- limits: wall-clock, CPU, memory and processes bound the client in the sandbox as for any
  job; what executors may use is the Connect server's configuration (cores, memory).

The Connect server runs the queries of every job that uses it, in one Spark application:
jobs that must not share executors need separate servers (one per tenant, or per zone).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jobs.engines.python import (
    Confinement,
    PythonLimits,
    PythonResult,
    job_limits,
    run_confined,
    sandbox_available,
)
from jobs.errors import EngineRefused
from jobs.runtime._spark import ENV_REMOTE, ENV_SESSION, ENV_USER
from jobs.sandbox.bridge import BridgeError, SocketBridge
from jobs.sandbox.cgroups import JobCgroups
from jobs.sandbox.layout import LayoutError
from jobs.sandbox.process import Rlimits
from jobs.sandbox.spark_layout import connect_layout

BRIDGE_INSIDE = "/run/lab"
SOCKET_NAME = "spark-connect.sock"
CLIENT_MAX_TASKS = 128  # gRPC's threads and the job's own
PROBE_SECONDS = 5.0
RELEASE_SECONDS = 20.0
_ENDPOINT = re.compile(r"^sc://([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):([0-9]{1,5})/?$")
log = logging.getLogger(__name__)


def connect_endpoint(master: str) -> tuple[str, int] | None:
    """(host, port) of a `sc://host:port` master, or None when `master` is not one.

    Nothing after the port is accepted: the lab, not the job, decides the session's user,
    id and settings."""
    match = _ENDPOINT.match(master)
    if match is None or not 0 < int(match.group(2)) < 65536:
        return None
    return match.group(1), int(match.group(2))


def run_on_cluster(
    bundle_dir: Path,
    entrypoint: str,
    *,
    inputs_dir: Path,
    workspace: Path,
    limits: PythonLimits,
    endpoint: tuple[str, int],
    env: Mapping[str, str],
    redact: Sequence[str] = (),
    cancelled: Callable[[], bool] = lambda: False,
) -> PythonResult:
    """Run the PySpark job as a Spark Connect client of `endpoint` (see the module doc)."""
    why_not = client_available() or cluster_answers(endpoint)
    if why_not is not None:
        raise EngineRefused(why_not)
    view = connect_layout()
    session = str(uuid.uuid4())
    user = f"labjob-{workspace.parent.name}"
    job_env = {
        **env,
        ENV_REMOTE: f"{BRIDGE_INSIDE}/{SOCKET_NAME}",
        ENV_SESSION: session,
        ENV_USER: user,
        "SPARK_CONNECT_MODE_ENABLED": "1",  # pyspark.sql.functions & co. speak Connect
    }
    kind = Confinement(
        base=view,
        label="spark-client-",
        env=lambda given, _limits: dict(given),
        limits=_limits,
        inet=False,  # Unix sockets only: the bridge is the way out
    )
    with tempfile.TemporaryDirectory(prefix="lab-bridge-") as folder:
        Path(folder).chmod(0o755)  # the sandbox uid must reach the socket in it
        try:
            bridge = SocketBridge(Path(folder) / SOCKET_NAME, endpoint)
            bridge.open()
        except BridgeError as exc:
            raise EngineRefused(f"cannot open the way to the Spark cluster: {exc}") from exc
        try:
            result = run_confined(
                kind, bundle_dir, entrypoint, inputs_dir, workspace, limits, job_env,
                redact, extra=((Path(folder), BRIDGE_INSIDE),), cancelled=cancelled,
            )  # fmt: skip
        finally:
            bridge.close()
            release_session(endpoint, session, user)
    host, port = endpoint
    message = result.message
    if result.status != "succeeded" and bridge.failures:
        message += f"; the Spark cluster at {host}:{port} did not answer: {bridge.failures[0]}"
    confinement = f"{result.confinement}; Spark Connect client of {host}:{port}"
    return dataclasses.replace(result, message=message, confinement=confinement)


def client_available() -> str | None:
    """None when a Spark Connect client can run in a job sandbox here, else why not."""
    why_not = sandbox_available()
    if why_not is not None:
        return why_not
    try:
        connect_layout()
    except LayoutError as exc:
        return f"the Spark client sandbox cannot be laid out: {exc}"
    return None


def cluster_answers(endpoint: tuple[str, int]) -> str | None:
    """None when the Connect server accepts connections, else why not (the job is refused
    at once rather than left retrying until its wall-clock limit)."""
    host, port = endpoint
    try:
        with socket.create_connection(endpoint, timeout=PROBE_SECONDS):
            return None
    except OSError as exc:
        return f"the Spark cluster at {host}:{port} does not answer: {exc}"


def release_session(endpoint: tuple[str, int], session: str, user: str) -> None:
    """Interrupt what still runs in the job's Connect session and release it. Best effort,
    and bounded: the server also ends idle sessions on its own."""
    if cluster_answers(endpoint) is not None:
        return
    done = threading.Thread(
        target=_release, args=(endpoint, session, user), name="spark-release", daemon=True
    )
    done.start()
    done.join(RELEASE_SECONDS)


def _release(endpoint: tuple[str, int], session: str, user: str) -> None:
    try:
        from pyspark.sql.connect.client.core import DefaultChannelBuilder, SparkConnectClient
    except ImportError:  # pragma: no cover - pyspark[connect] is a dependency
        return
    host, port = endpoint
    url = f"sc://{host}:{port}/;session_id={session};user_id={user}"
    client = None
    try:
        client = SparkConnectClient(DefaultChannelBuilder(url))
        client.interrupt_all()
        client.release_session()
    except Exception as exc:  # nothing to release, or the server is gone
        log.debug("releasing Spark Connect session %s: %s", session, exc)
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


def _limits(label: str, limits: PythonLimits) -> tuple[JobCgroups | None, Rlimits, list[str]]:
    """A Python job's limits, with room for gRPC's threads."""
    return job_limits(
        label, limits, network="no network but one relayed socket", min_tasks=CLIENT_MAX_TASKS
    )


__all__ = [
    "client_available",
    "cluster_answers",
    "connect_endpoint",
    "release_session",
    "run_on_cluster",
]
