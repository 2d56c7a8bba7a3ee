"""What a sandboxed Spark job sees on top of a Python job's view: PySpark and a JVM, read-only.

- `pyspark` and `py4j` (with PySpark's jars and launch scripts) join the curated packages
  under `/opt/lab/site`; `SPARK_HOME` is `/opt/lab/site/pyspark`. So do the packages of
  PySpark's Spark Connect client (gRPC, protobuf, zstandard) for jobs on a cluster.
- The Java runtime: `JAVA_HOME` of the lab's process, else the home of `java` on the PATH
  (`readlink -f $(which java)`), bound at its real path, plus the directories under `/etc`
  its files link to (Debian keeps `jvm.cfg`, `java.security` and the CA store there).
- a few tools: `bash` and `env`, since PySpark starts its JVM through `spark-submit`, a
  bash script (`#!/usr/bin/env bash`); `rm`, `chmod`, `ls`, `stat` and `id`, which Spark and
  Hadoop's local file system run without Hadoop's native library (deleting scratch
  directories, setting permissions on output directories, file status, group lookup). They
  give a job nothing its Python cannot already do.
- `/etc/hosts` naming the sandbox's loopback (`localhost`, the hostname `sandbox`) and an
  `/etc/nsswitch.conf` that resolves names from that file only: the JVM and PySpark look
  both names up, and there is no DNS to ask.

Nothing else of the host becomes visible; the job still runs with no capabilities as the
sandbox uid, on a read-only root.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata as metadata
import os
import shutil
from pathlib import Path

from jobs.sandbox.layout import SITE, Layout, LayoutError, layout, package_binds

SPARK_PACKAGES = ("pyspark", "py4j")
# PySpark's Spark Connect client, for jobs on a cluster (`jobs/engines/spark_cluster.py`)
CONNECT_PACKAGES = ("grpcio", "grpcio-status", "googleapis-common-protos", "protobuf", "zstandard")
SPARK_HOME = f"{SITE}/pyspark"
LOOPBACK = "127.0.0.1"
TOOLS = ("bash", "env", "rm", "chmod", "ls", "stat", "id")
ETC_FILES = {
    "/etc/hosts": f"{LOOPBACK} localhost sandbox\n::1 localhost ip6-localhost ip6-loopback\n",
    "/etc/nsswitch.conf": "hosts: files\n",
}
_CONFIG_ROOT = "/etc"


@dataclasses.dataclass(frozen=True)
class SparkLayout:
    base: Layout  # the Python job's view, extended
    java_home: str  # real path, the same inside and outside
    spark_home: str = SPARK_HOME

    def env(self) -> dict[str, str]:
        """Where the job's PySpark finds Java, Spark and the interpreter for its workers."""
        return {
            "JAVA_HOME": self.java_home,
            "SPARK_HOME": self.spark_home,
            "PYSPARK_PYTHON": self.base.python,
            "PYSPARK_DRIVER_PYTHON": self.base.python,
            "SPARK_LOCAL_IP": LOOPBACK,
        }


def java_home() -> Path:
    """The Java runtime's home: `JAVA_HOME` if it holds `bin/java`, else `java` on the PATH."""
    configured = os.environ.get("JAVA_HOME", "")
    if configured and Path(configured, "bin", "java").is_file():
        return Path(os.path.realpath(configured))
    found = shutil.which("java")
    if found is None:
        raise LayoutError("no Java runtime: set JAVA_HOME or install java (openjdk-17-jre)")
    return Path(os.path.realpath(found)).parent.parent


def _linked_config(home: Path) -> list[str]:
    """Directories under /etc that files of the Java home link to (their parents, minimal)."""
    parents: set[str] = set()
    for top, dirs, files in os.walk(home, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(top, name)
            if not path.is_symlink():
                continue
            target = Path(os.path.realpath(path))
            if target.is_relative_to(_CONFIG_ROOT) and target.exists():
                parents.add(str(target if target.is_dir() else target.parent))
    ordered = sorted(parents, key=len)
    kept: list[str] = []
    for candidate in ordered:
        if not any(candidate == k or candidate.startswith(k + "/") for k in kept):
            kept.append(candidate)
    return sorted(kept)


def _tools() -> list[tuple[str, str]]:
    binds = []
    for tool in TOOLS:
        found = shutil.which(tool, path="/usr/bin:/bin")
        if found is None:
            raise LayoutError(f"{tool} not found (PySpark launches its JVM through a bash script)")
        binds.append((os.path.realpath(found), f"/usr/bin/{tool}"))
    return binds


def _package_binds() -> list[tuple[str, str]]:
    """PySpark, py4j and the Connect client, with what they require (pandas, pyarrow and
    numpy are a Python job's already)."""
    roots = (*SPARK_PACKAGES, *CONNECT_PACKAGES)
    for name in roots:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise LayoutError(f"{name} is not installed for the lab ({exc})") from exc
    binds, _found = package_binds(roots)
    return binds


@functools.cache
def connect_layout() -> Layout:
    """The view of a Spark job on a cluster: a Python job's, plus PySpark and its Connect
    client. No JVM, no shell tools: the job is only a client of the Connect server."""
    base = layout()
    bound = {dest for _, dest in base.binds}
    extra = [pair for pair in _package_binds() if pair[1] not in bound]
    return dataclasses.replace(
        base,
        binds=(*base.binds, *extra),
        packages=(*base.packages, *SPARK_PACKAGES, *CONNECT_PACKAGES),
    )


@functools.cache
def spark_layout() -> SparkLayout:
    """The Spark job's read-only view of the host, computed once per process."""
    base = layout()
    home = java_home()
    if not (home / "bin" / "java").is_file():
        raise LayoutError(f"{home} holds no bin/java")
    packages = _package_binds()
    spark = next((Path(src) for src, dest in packages if dest == SPARK_HOME), None)
    if spark is None or not spark.joinpath("bin", "spark-submit").is_file():
        raise LayoutError("pyspark has no bin/spark-submit (a pip-installed pyspark has one)")
    bound = {dest for _, dest in base.binds}
    extra = [(str(home), str(home))]
    extra += [(path, path) for path in _linked_config(home)]
    extra += [pair for pair in [*_tools(), *packages] if pair[1] not in bound]
    extended = dataclasses.replace(
        base,
        binds=(*base.binds, *extra),
        packages=(*base.packages, *SPARK_PACKAGES, *CONNECT_PACKAGES),
    )
    return SparkLayout(extended, str(home))
