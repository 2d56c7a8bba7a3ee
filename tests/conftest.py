"""Shared test set-up: the metastore backends every metastore test runs on, and a Spark
cluster for the tests that ask for one."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
import typer.testing

from jobs.engines.spark import spark_available
from tests import postgres
from tests.postgres import scratch_database, server_answers
from tests.spark_cluster import Cluster
from tests.spark_cluster import spark_cluster as start_spark_cluster

# typer's test runner rebuilds the whole `lab` command tree (about 80 commands) from their
# signatures at every call: a tenth of a second each, in a suite that runs the CLI over a
# thousand times. The tree does not change within a run.
typer.testing._get_command = functools.cache(typer.main.get_command)  # type: ignore[attr-defined]

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the run's databases still being dropped, and the blueprints (tests/lab) where
    this process made any (under pytest-xdist each worker has its own, and the process
    that hands out the tests has none)."""
    blueprints = sys.modules.get("tests.lab.blueprints")
    if blueprints is not None:
        blueprints.discard()
    postgres.finish()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a database created for this test run on the local PostgreSQL."""
    why_not = server_answers()
    if why_not:
        pytest.skip(why_not)
    with scratch_database("lab_test") as url:
        yield url


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'metastore.db'}"


@pytest.fixture(params=BACKENDS)
def metastore_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty metastore on each backend: SQLite always, PostgreSQL when it answers."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    why_not = server_answers()
    if why_not:
        pytest.skip(why_not)
    with scratch_database("lab_test") as url:
        yield url


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A Spark standalone cluster with a Spark Connect server, for the whole session."""
    why_not = spark_available()
    if why_not is not None:
        pytest.skip(f"no Spark here: {why_not}")
    with start_spark_cluster(tmp_path_factory.mktemp("spark-cluster")) as cluster:
        yield cluster
