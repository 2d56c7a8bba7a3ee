"""`labjob.spark()`, `labjob.read_spark()`, `labjob.write_spark()`: PySpark inside the sandbox.

The engine says how the session must look through environment variables (master, driver
memory, cores); everything else is fixed here: no web UI, no event log, the driver bound to
the sandbox's own loopback, scratch space and warehouse in the workspace, the sandbox's
interpreter for Python workers, no package downloads.

On a cluster (`LABJOB_SPARK_REMOTE` names a Unix socket the worker relays to a Spark Connect
server), the session is a Connect client instead: no JVM here; `read_spark` sends the
input's rows from `/inputs` as Arrow and `write_spark` collects the result back. Example:

    import labjob

    spark = labjob.spark()
    df = labjob.read_spark("merchants")
    labjob.write_spark("sales_by_city", df.groupBy("city").sum("monthly_sales"))

An output is ONE Parquet file, `outputs/<name>.parquet`, like a Python job's table.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

ENV_MASTER = "LABJOB_SPARK_MASTER"
ENV_DRIVER_MEMORY = "LABJOB_SPARK_DRIVER_MEMORY"
ENV_CORES = "LABJOB_SPARK_CORES"
ENV_REMOTE = "LABJOB_SPARK_REMOTE"  # a Unix socket relayed to a Spark Connect server
ENV_SESSION = "LABJOB_SPARK_SESSION"  # the Connect session's id, chosen by the worker
ENV_USER = "LABJOB_SPARK_USER"
DEFAULT_MASTER = "local[2]"
LOOPBACK = "127.0.0.1"
SCRATCH = "spark-tmp"  # under the workspace
JVM_ENDED = "labjob: Spark's JVM ended early"

_session: Any = None


def _workspace() -> Path:
    return Path(os.environ.get("LABJOB_WORKSPACE", "/workspace"))


def scratch_dir() -> Path:
    """`/workspace/spark-tmp`: Spark's local dir (shuffle, spills) and staging of outputs."""
    path = _workspace() / SCRATCH
    path.mkdir(parents=True, exist_ok=True)
    return path


def session_conf() -> dict[str, str]:
    """The settings `spark()` starts its session with."""
    cores = os.environ.get(ENV_CORES, "2")
    java_options = f"-XX:ActiveProcessorCount={cores} -XX:-UsePerfData"
    conf = {
        "spark.master": os.environ.get(ENV_MASTER, DEFAULT_MASTER),
        "spark.app.name": "labjob",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.eventLog.enabled": "false",
        "spark.driver.host": LOOPBACK,
        "spark.driver.bindAddress": LOOPBACK,
        "spark.local.dir": str(scratch_dir()),
        "spark.sql.warehouse.dir": str(_workspace() / "spark-warehouse"),
        "spark.driver.extraJavaOptions": java_options,
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.shuffle.partitions": str(max(2, int(cores) * 2)),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }
    memory = os.environ.get(ENV_DRIVER_MEMORY)
    if memory:
        conf["spark.driver.memory"] = memory
    python = os.environ.get("PYSPARK_PYTHON")
    if python:
        conf["spark.pyspark.python"] = python
        conf["spark.pyspark.driver.python"] = python
    return conf


def spark() -> Any:
    """The job's SparkSession (a `pyspark.sql.SparkSession`), started on first use."""
    global _session
    if _session is None and _remote():
        _session = _connect(os.environ[ENV_REMOTE])
        atexit.register(_stop)
    if _session is None:
        try:
            sql = importlib.import_module("pyspark.sql")
        except ImportError as exc:
            raise RuntimeError("PySpark is available to spark jobs only") from exc
        builder = sql.SparkSession.builder
        for key, value in session_conf().items():
            builder = builder.config(key, value)
        _session = builder.getOrCreate()
        # at exit, before the sandbox ends and its JVM with it: a clean stop removes scratch
        atexit.register(_stop)
    return _session


def _remote() -> bool:
    return bool(os.environ.get(ENV_REMOTE))


def _connect(socket_path: str) -> Any:
    """A Spark Connect session over the relayed Unix socket, with the worker's session id."""
    try:
        client = importlib.import_module("pyspark.sql.connect.client")
        connect = importlib.import_module("pyspark.sql.connect.session")
    except ImportError as exc:
        raise RuntimeError("the Spark Connect client is not available to this job") from exc
    target = f"unix://{socket_path}"

    class _Relayed(client.ChannelBuilder):  # type: ignore[misc,name-defined]
        def toChannel(self) -> Any:  # PySpark's name
            return self._insecure_channel(target)

        @property
        def endpoint(self) -> str:
            return target

    params = {"user_id": os.environ.get(ENV_USER, "labjob")}
    if os.environ.get(ENV_SESSION):
        params["session_id"] = os.environ[ENV_SESSION]
    return connect.SparkSession.builder.channelBuilder(_Relayed(params=params)).getOrCreate()


def _stop() -> None:
    """Stop the session at exit; say so if the JVM died first (the engine reads this line)."""
    global _session
    if _session is None:
        return
    if _remote():
        with contextlib.suppress(Exception):
            _session.stop()
        _session = None
        return
    proc = getattr(getattr(_session.sparkContext, "_gateway", None), "proc", None)
    code = proc.poll() if proc is not None else None
    if code:
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        print(f"{JVM_ENDED} ({how})", file=sys.stderr, flush=True)
    else:
        with contextlib.suppress(Exception):
            _session.stop()
    _session = None


def read_spark(name: str) -> Any:
    """The input `name` (Parquet, a file or a directory; or CSV) as a Spark DataFrame."""
    from . import _input, read_table

    if _remote():  # the rows travel to the cluster from this job's own input
        return spark().createDataFrame(read_table(name))
    path: Path = _input(name)
    reader = spark().read
    if path.suffix == ".csv":
        return reader.option("header", "true").option("inferSchema", "true").csv(str(path))
    if path.is_dir() or path.suffix == ".parquet":
        return reader.parquet(str(path))
    raise ValueError(f"input {name!r} is not Parquet or CSV; read it with labjob.read_table")


def write_spark(name: str, df: Any) -> Path:
    """Write the DataFrame `df` to `outputs/<name>.parquet` as one Parquet file.

    The rows are gathered into one partition for the final write (`coalesce(1)`: the stages
    before it keep their parallelism), staged under the scratch dir, and the single part file
    is moved into place; the staging directory is removed.
    """
    from . import _check, outputs_dir

    target: Path = outputs_dir() / f"{_check(name)}.parquet"
    if _remote():  # the rows come back from the cluster into this job's outputs
        parquet = importlib.import_module("pyarrow.parquet")
        parquet.write_table(df.toArrow(), target)
        return target
    staging = scratch_dir() / f"out-{name}-{secrets.token_hex(4)}"
    try:
        df.coalesce(1).write.mode("overwrite").parquet(str(staging))
        parts = sorted(staging.glob("part-*.parquet"))
        if len(parts) > 1:
            raise RuntimeError(f"expected one part file, Spark wrote {len(parts)}")
        if parts:
            shutil.move(parts[0], target)
        else:  # no rows and no file: write the schema alone
            _write_empty(df, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _write_empty(df: Any, target: Path) -> None:
    types = importlib.import_module("pyspark.sql.pandas.types")
    parquet = importlib.import_module("pyarrow.parquet")
    schema = types.to_arrow_schema(df.schema)
    parquet.write_table(schema.empty_table(), target)
