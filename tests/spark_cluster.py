"""A real Spark standalone cluster on this machine for the tests: a master, one worker and a
Spark Connect server in front of it, all from the pip-installed PySpark, on free loopback
ports, in a folder of their own; stopped (process groups killed) when the tests end.

Started once per test session, and only when a test asks for it (about 10 s and 2 GiB).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyspark

from jobs.sandbox.spark_layout import java_home

SPARK_HOME = Path(pyspark.__file__).resolve().parent
START_SECONDS = 120.0


@dataclass(frozen=True)
class Cluster:
    master_url: str  # spark://127.0.0.1:port
    connect_url: str  # sc://127.0.0.1:port
    connect_port: int
    logs: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(folder: Path) -> dict[str, str]:
    conf = folder / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "JAVA_HOME": str(java_home()),
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_CONF_DIR": str(conf),  # nothing of the host's Spark configuration
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_WORKER_DIR": str(folder / "work"),
        "PYSPARK_PYTHON": sys.executable,  # the executors' Python workers (UDFs)
    }


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_for(log: Path, text: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"Spark cluster: {text!r} did not appear in {log.name}:\n{tail}")


@contextlib.contextmanager
def spark_cluster(folder: Path) -> Iterator[Cluster]:
    env = _env(folder)
    daemon_env = {**env, "SPARK_DAEMON_MEMORY": "256m"}  # master and worker only
    master_port, connect_port = free_port(), free_port()
    master_url = f"spark://127.0.0.1:{master_port}"
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    submit = str(SPARK_HOME / "bin" / "spark-submit")
    processes: list[subprocess.Popen[bytes]] = []
    deadline = time.monotonic() + START_SECONDS
    try:
        master = _start(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(master_port), "--webui-port", str(free_port())],
            daemon_env, folder / "master.log",
        )  # fmt: skip
        processes.append(master)
        _wait_for(folder / "master.log", "I have been elected leader", master, deadline)
        worker = _start(
            [spark_class, "org.apache.spark.deploy.worker.Worker", master_url,
             "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
             "--webui-port", str(free_port()), "--work-dir", str(folder / "work")],
            daemon_env, folder / "worker.log",
        )  # fmt: skip
        processes.append(worker)
        _wait_for(folder / "worker.log", "Successfully registered with master", worker, deadline)
        connect = _start(
            [submit, "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
             "--master", master_url, "--name", "lab-test-connect",
             "--driver-memory", "1g", "--executor-memory", "512m",
             "--conf", "spark.cores.max=1",
             "--conf", "spark.ui.enabled=false",
             "--conf", f"spark.connect.grpc.binding.port={connect_port}",
             "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
             "spark-internal"],
            env, folder / "connect.log",
        )  # fmt: skip
        processes.append(connect)
        _wait_for(folder / "connect.log", "Registered executor", connect, deadline)
        _wait_for(folder / "connect.log", "Spark Connect server started", connect, deadline)
        yield Cluster(master_url, f"sc://127.0.0.1:{connect_port}", connect_port, folder)
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
