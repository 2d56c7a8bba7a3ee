"""PySpark jobs that try to leave the sandbox: over the network and through the file system.

A Spark job may open TCP sockets (its driver and JVM talk over loopback), but only inside its
own network namespace: the host's loopback and every outside address stay out of reach, from
the job's Python, from its JVM and from its Python workers. Its JVM sees the same files as a
Python job, and no more.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jobs.spark.conftest import SparkJob, escaped, needs_spark

pytestmark = [pytest.mark.slow, needs_spark]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server
    server.close()


NETWORK = """
import socket
import labjob

spark = labjob.spark()  # the driver reaches its JVM over the sandbox's own loopback
PORT = @PORT@


def attempt(label, action):
    try:
        action()
        print(f"ESCAPED {label}")
    except Exception as exc:
        detail = exc.java_exception.toString() if hasattr(exc, "java_exception") else exc
        print(f"blocked {label}: {type(exc).__name__}: {str(detail)[:160]}")


jvm = spark.sparkContext._jvm
attempt("python to the host's loopback", lambda: socket.create_connection(("127.0.0.1", PORT), 3))
attempt("python to an outside address", lambda: socket.create_connection(("10.255.255.1", 80), 3))
attempt("python over IPv6", lambda: socket.create_connection(("2606:4700:4700::1111", 443), 3))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("udp out", lambda: udp.sendto(b"x", ("8.8.8.8", 53)))
attempt("resolve a name", lambda: socket.getaddrinfo("pypi.org", 443))
attempt("netlink socket", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW))
attempt("packet socket", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
attempt("jvm to the host's loopback", lambda: jvm.java.net.Socket("127.0.0.1", PORT))
attempt("jvm to an outside address", lambda: jvm.java.net.Socket("10.255.255.1", 80))
attempt("jvm url fetch", lambda: jvm.java.net.URL("http://example.com/").openStream())


def from_worker(_):
    try:
        socket.create_connection(("127.0.0.1", PORT), 3)
        return ["ESCAPED worker to the host's loopback"]
    except OSError as exc:
        return [f"blocked worker: {type(exc).__name__}"]


for line in spark.sparkContext.parallelize([0], 1).mapPartitions(from_worker).collect():
    print(line)
devices = open("/proc/net/dev").readlines()[2:]
print("interfaces", sorted(line.split(":")[0].strip() for line in devices))
"""


def test_spark_job_cannot_reach_the_host_or_the_outside(
    spark_job: SparkJob, listener: socket.socket
) -> None:
    code = NETWORK.replace("@PORT@", str(listener.getsockname()[1]))
    result = spark_job.run(code)
    assert result.status == "succeeded", result.log[-3000:]
    assert escaped(result) == []
    blocked = [line for line in result.log.splitlines() if line.startswith("blocked ")]
    assert len(blocked) == 11, result.log[-3000:]
    assert "blocked python to the host's loopback: ConnectionRefusedError" in result.log
    assert "blocked netlink socket: OSError: [Errno 97]" in result.log  # EAFNOSUPPORT (seccomp)
    assert "blocked jvm to the host's loopback: Py4JJavaError: java.net.ConnectException" in (
        result.log
    )
    assert "blocked jvm to an outside address: Py4JJavaError: java.net.SocketException" in (
        result.log
    )
    assert "blocked worker: ConnectionRefusedError" in result.log
    assert "interfaces ['lo']" in result.log
    listener.setblocking(False)
    with pytest.raises(BlockingIOError):  # nothing ever connected to the host's listener
        listener.accept()


FILES = """
import labjob

spark = labjob.spark()
jvm = spark.sparkContext._jvm


def attempt(label, action):
    try:
        found = action()
        print(f"ESCAPED {label}: {str(found)[:80]}")
    except Exception as exc:
        detail = exc.java_exception.toString() if hasattr(exc, "java_exception") else exc
        print(f"blocked {label}: {type(exc).__name__}: {str(detail).splitlines()[0][:160]}")


attempt("spark reads /etc/shadow", lambda: spark.read.text("/etc/shadow").collect())
attempt("spark reads the lab's key", lambda: spark.read.text("@KEY_FILE@").collect())
attempt("spark reads another tenant", lambda: spark.read.parquet("@OTHER@").collect())
attempt("spark lists the lab's code", lambda: spark.read.text("@LAB_CODE@").collect())
attempt("spark writes into its inputs", lambda: spark.range(3).write.parquet("/inputs/planted"))
attempt("spark writes into the runtime", lambda: spark.range(3).write.parquet("/opt/lab/site/x"))


def jvm_reads(path):
    if not jvm.java.io.File(path).exists():
        raise FileNotFoundError(path)
    return jvm.java.nio.file.Files.readAllBytes(jvm.java.nio.file.Paths.get(path, []))


attempt("jvm reads /etc/shadow", lambda: jvm_reads("/etc/shadow"))
attempt("jvm reads the lab's key", lambda: jvm_reads("@KEY_FILE@"))
"""


def test_spark_job_cannot_read_host_files(spark_job: SparkJob, tmp_path: Path) -> None:
    key = tmp_path / "lab-home" / "keys" / "master.key"
    key.parent.mkdir(parents=True)
    key.write_text("bWFzdGVyLWtleS1vZi10aGUtbGFiLWRvLW5vdC1sZWFr")
    other = tmp_path / "lab-home" / "tenants" / "other" / "datasets"
    other.mkdir(parents=True)
    (other / "merchants.parquet").write_bytes(b"PAR1 someone else's rows")
    lab_code = Path(__file__).resolve().parents[3] / "jobs" / "engines" / "spark.py"
    code = (
        FILES.replace("@KEY_FILE@", str(key))
        .replace("@OTHER@", str(other))
        .replace("@LAB_CODE@", str(lab_code))
    )
    result = spark_job.run(code)
    assert result.status == "succeeded", result.log[-3000:]
    assert escaped(result) == []
    blocked = [line for line in result.log.splitlines() if line.startswith("blocked ")]
    assert len(blocked) == 8, result.log[-3000:]
    assert "blocked spark reads /etc/shadow: AnalysisException: [PATH_NOT_FOUND]" in result.log
    assert "blocked jvm reads the lab's key: FileNotFoundError" in result.log
    assert "Mkdirs failed to create file:/inputs/planted" in result.log
    assert "bWFzdGVyLWtleS1" not in result.log
    assert not (spark_job.inputs / "planted").exists()
