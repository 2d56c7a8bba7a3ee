"""The Spark engine: a PySpark job's driver, its JVM and its Python workers in the job sandbox.

A Spark job runs in the same bubblewrap sandbox as a Python job (`jobs.engines.python`): uid
65534 with no capabilities, new PID, network, IPC, UTS and cgroup namespaces, a read-only
root showing only what `jobs/sandbox/spark_layout.py` lists, `/job` and `/inputs` read-only,
`/workspace` writable, a private `/tmp`, its own cgroups, a capped and redacted log. What
differs, and why:

- the view also holds PySpark with py4j (read-only, with its jars), the Java runtime, a few
  tools (`bash` for `spark-submit`, coreutils Hadoop shells out to) and an `/etc/hosts` for
  the loopback names;
- the seccomp filter allows AF_INET/AF_INET6 sockets besides AF_UNIX: PySpark's driver talks
  to its JVM, and the JVM to Python workers, over TCP. The network namespace is unchanged:
  its only interface is its own loopback (bubblewrap brings it up), with no route out, so
  neither the host's loopback nor any other address is reachable;
- no RLIMIT_AS (a JVM reserves gigabytes of address space it never touches): the memory
  cgroup bounds what is really used, and the JVM heap is sized from the same limit;
- `pids.max` allows the JVM's threads (`SPARK_MAX_TASKS` at least);
- the master is `local[N]` by default. A cluster is reached through Spark Connect instead
  (master `sc://host:port`, see `jobs/engines/spark_cluster.py`): the sandbox then runs only
  the Connect client, with no JVM, no IP sockets and one Unix socket relayed to that server.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jobs.engines.python import (
    Confinement,
    PythonLimits,
    PythonResult,
    _check_env,
    job_limits,
    probe_run,
    run_confined,
    sandbox_available,
)
from jobs.engines.python_status import _SIGNAL_REASONS
from jobs.engines.spark_cluster import client_available, connect_endpoint, run_on_cluster
from jobs.errors import EngineRefused, SpecInvalid
from jobs.runtime._spark import ENV_CORES, ENV_DRIVER_MEMORY, ENV_MASTER, JVM_ENDED, SCRATCH
from jobs.sandbox.cgroups import JobCgroups
from jobs.sandbox.layout import LayoutError
from jobs.sandbox.process import Rlimits
from jobs.sandbox.spark_layout import ETC_FILES, SparkLayout, spark_layout

DEFAULT_MASTER = "local[2]"
SPARK_MAX_TASKS = 512  # processes and threads: a local JVM runs 100-200 threads
MIN_MEMORY_MB = 1024
DRIVER_HEAP_SHARE = 0.5  # of the memory limit; the rest: JVM off-heap, Python, /tmp
_LOCAL = re.compile(r"^local(?:\[([1-9][0-9]{0,2})\])?$")
_ENV_SPARK_RESERVED = re.compile(
    r"^(SPARK_|PYSPARK_|_PYSPARK|JAVA_|JDK_|_JAVA_|HADOOP_|YARN_|PY4J|CLASSPATH$|JAVA$)"
)
_JVM_SIGNAL = re.compile("^" + re.escape(JVM_ENDED) + r" \(signal (\d+)\)", re.MULTILINE)
_PROBE = """\
import os, subprocess, sys
import py4j, pyspark
java = [os.environ["JAVA_HOME"] + "/bin/java", "-XX:-UsePerfData", "-version"]
done = subprocess.run(java, capture_output=True, text=True, check=False)
print("pyspark", pyspark.__version__, "|", (done.stderr or "no output from java").splitlines()[0])
sys.exit(done.returncode)
"""


def spark_available(master: str = DEFAULT_MASTER) -> str | None:
    """None when Spark jobs on `master` can run here, else why not (then they must be
    refused): on `local[N]`, bubblewrap works, a JVM starts in the sandbox and PySpark
    imports there; on a Spark Connect server, its client can run in the sandbox."""
    if connect_endpoint(master) is not None:
        return client_available()
    return _probe()


@functools.cache
def _probe() -> str | None:
    why_not = sandbox_available()
    if why_not is not None:
        return why_not
    try:
        spark_layout()
    except LayoutError as exc:
        return f"the Spark sandbox cannot be laid out: {exc}"
    limits = PythonLimits(wall_seconds=60, memory_mb=MIN_MEMORY_MB, cpu_seconds=60)
    result = probe_run(_run, _PROBE, limits)
    if result.status != "succeeded":
        return f"Spark cannot start in the sandbox: {result.message}: {result.log.strip()[:300]}"
    return None


def check_master(master: str) -> int | tuple[str, int]:
    """The number of cores of a `local` / `local[N]` master, or the (host, port) of a Spark
    Connect server `sc://host:port`; EngineRefused for anything else.

    A classic cluster master (`spark://`, `k8s://`, `yarn`) would make the sandboxed driver
    accept connections from executors on other machines: it needs a network the sandbox does
    not have. Spark Connect turns it around: the driver runs next to the cluster, the job is
    a client of it, and one relayed socket is all the sandbox needs.
    """
    match = _LOCAL.match(master)
    if match is not None:
        return int(match.group(1) or 1)
    endpoint = connect_endpoint(master)
    if endpoint is None:
        raise EngineRefused(
            f"Spark master {master!r} is not available to sandboxed jobs: use local[N], or a "
            "Spark Connect server in front of the cluster (sc://host:port)"
        )
    return endpoint


def run_spark(
    bundle_dir: Path,
    entrypoint: str,
    *,
    inputs_dir: Path,
    workspace: Path,
    limits: PythonLimits,
    master: str = DEFAULT_MASTER,
    env: Mapping[str, str] | None = None,
    redact: Sequence[str] = (),
    cancelled: Callable[[], bool] = lambda: False,
) -> PythonResult:
    """Run the PySpark job `bundle_dir/entrypoint` in the sandbox (see `run_python` for the
    directories): on a `local[N]` master inside it, or as a client of the Spark Connect
    server `sc://host:port`. EngineRefused if Spark cannot run here or `master` is neither."""
    cores = check_master(master)
    if isinstance(cores, tuple):
        return run_on_cluster(
            bundle_dir, entrypoint, inputs_dir=inputs_dir, workspace=workspace, limits=limits,
            endpoint=cores, env=_check_spark_env(env or {}), redact=redact, cancelled=cancelled,
        )  # fmt: skip
    if limits.memory_mb < MIN_MEMORY_MB:
        raise SpecInvalid(f"a Spark job needs a memory limit of at least {MIN_MEMORY_MB} MiB")
    why_not = spark_available()
    if why_not is not None:
        raise EngineRefused(why_not)
    return _run(
        bundle_dir, entrypoint, inputs_dir, workspace, limits, env or {}, redact, cores, cancelled
    )


def driver_memory_mb(limits: PythonLimits) -> int:
    return max(256, int(limits.memory_mb * DRIVER_HEAP_SHARE))


def _check_spark_env(env: Mapping[str, str]) -> dict[str, str]:
    """The job's own variables, none of which may steer Spark, Java or Hadoop."""
    checked = _check_env(env)
    for name in checked:
        if _ENV_SPARK_RESERVED.match(name):
            raise SpecInvalid(f"environment variable {name!r} is not allowed in a Spark job")
    return checked


def _engine_env(view: SparkLayout, limits: PythonLimits, cores: int) -> dict[str, str]:
    memory = f"{driver_memory_mb(limits)}m"
    return {
        **view.env(),
        ENV_MASTER: f"local[{cores}]",
        ENV_CORES: str(cores),
        ENV_DRIVER_MEMORY: memory,
    }


def _run(
    bundle_dir: Path,
    entrypoint: str,
    inputs_dir: Path,
    workspace_dir: Path,
    limits: PythonLimits,
    env: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
    cores: int = 2,
    cancelled: Callable[[], bool] = lambda: False,
) -> PythonResult:
    view = spark_layout()
    kind = Confinement(
        base=view.base,
        label="spark-",
        env=lambda given, lim: {**_check_spark_env(given), **_engine_env(view, lim, cores)},
        limits=_limits,
        inet=True,
        tmp_share=4,
        etc_files=ETC_FILES,
        scratch=SCRATCH,  # shuffle files, spills
        refine=_refine,
    )
    return run_confined(
        kind,
        bundle_dir,
        entrypoint,
        inputs_dir,
        workspace_dir,
        limits,
        env or {},
        secrets,
        cancelled=cancelled,
    )


def _refine(status: str, message: str, log: str, limits: PythonLimits) -> tuple[str, str]:
    death = _jvm_death(log, limits) if status == "failed" else None
    return ("killed", death) if death is not None else (status, message)


def _jvm_death(log: str, limits: PythonLimits) -> str | None:
    """Why the job failed when its JVM died under it (the runtime reports the signal)."""
    match = _JVM_SIGNAL.search(log)
    if match is None:
        return None
    number = int(match.group(1))
    template = _SIGNAL_REASONS.get(number, "killed by signal {number}")
    reason = template.format(
        cpu=limits.cpu_seconds, file=limits.max_file_mb, memory=limits.memory_mb, number=number
    )
    return f"the Spark JVM died: {reason}"


def _limits(label: str, limits: PythonLimits) -> tuple[JobCgroups | None, Rlimits, list[str]]:
    """Like a Python job's, but room for the JVM's threads and no address-space limit."""
    return job_limits(
        label, limits, network="network namespace (loopback)", min_tasks=SPARK_MAX_TASKS,
        headroom_mb=None, note=f"; JVM heap {driver_memory_mb(limits)}MiB",
    )  # fmt: skip


__all__ = ["DEFAULT_MASTER", "check_master", "run_spark", "spark_available"]
