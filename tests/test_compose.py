"""docker-compose.yml names real commands of the CLI (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pyspark
import pytest
import typer
import yaml

from jobs.engines.spark_cluster import connect_endpoint
from lab.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def lab_services() -> list[tuple[str, list[str]]]:
    """Services that run the lab's CLI (the image's entry point)."""
    return [
        (name, spec["command"])
        for name, spec in COMPOSE["services"].items()
        if spec.get("build") == "." and "entrypoint" not in spec
    ]


def resolve(args: list[str]) -> tuple[click.Command, list[str]]:
    """Walk the CLI's command tree along `args`; return the command and its own arguments."""
    command: click.Command = typer.main.get_command(app)
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"`lab {' '.join(args)}`: no command {rest[0]!r}"
        command, rest = sub, rest[1:]
    return command, rest


def test_the_image_runs_the_lab_cli() -> None:
    assert re.search(r'^ENTRYPOINT \["lab"\]', DOCKERFILE, re.MULTILINE)


def test_compose_runs_the_api_the_scheduler_and_postgres() -> None:
    assert "postgres" in COMPOSE["services"]
    commands = [cmd[0] for _, cmd in lab_services()]
    assert "serve" in commands and "scheduler" in commands


@pytest.mark.parametrize(("service", "command"), lab_services())
def test_each_service_names_a_real_command_with_real_options(
    service: str, command: list[str]
) -> None:
    cli_command, rest = resolve(command)
    assert not isinstance(cli_command, click.Group), f"{service}: `{command}` is a group"
    context: Any = cli_command.make_context("lab", list(rest), resilient_parsing=False)
    assert context.params is not None


def test_no_secret_has_a_default() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for secret in ("LAB_MASTER_KEY", "POSTGRES_PASSWORD", "SPARK_AUTH_SECRET"):
        for use in re.findall(r"\$\{" + secret + r"[^}]*\}", text):
            assert ":?" in use, f"{use} would fall back to a default"


def test_compose_runs_a_spark_cluster_the_worker_sends_spark_jobs_to() -> None:
    services = COMPOSE["services"]
    names = ("spark-master", "spark-worker", "spark-connect")
    master, worker, connect = (services[name] for name in names)
    scripts = Path(pyspark.__file__).resolve().parent / "bin"
    for spec in (master, worker, connect):
        [script] = spec["entrypoint"]
        assert (scripts / script).is_file(), f"{script} is not one of PySpark's launch scripts"
        assert spec["networks"] == ["spark"]
    host, port = master["command"][2], master["command"][4]
    master_url = f"spark://{host}:{port}"
    assert worker["command"][:2] == ["org.apache.spark.deploy.worker.Worker", master_url]
    args = connect["command"]
    assert args[args.index("--master") + 1] == master_url
    assert "org.apache.spark.sql.connect.service.SparkConnectServer" in args
    confs = dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--conf")
    assert confs["spark.authenticate"] == "true"
    assert confs["spark.network.crypto.enabled"] == "true"
    # the lab's worker reaches the Connect server by its name and port, on the Spark network
    lab_worker = services["worker"]
    cluster = lab_worker["environment"]["LAB_SPARK_CLUSTER"]
    assert cluster == f"sc://spark-connect:{confs['spark.connect.grpc.binding.port']}"
    assert connect_endpoint(cluster) == ("spark-connect", 15002)
    assert "spark" in lab_worker["networks"]
    assert COMPOSE["networks"]["spark"]["internal"] is True
    # the Spark services mount nothing of the lab (no lab home, no keys, no data)
    assert all("volumes" not in spec for spec in (master, worker, connect))
