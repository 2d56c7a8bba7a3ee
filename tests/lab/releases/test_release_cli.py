"""`lab releases` and `lab jobs outputs` on the same lab as the API, on both backends:
the same service functions, so the same rules, bytes and audit events."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from lab.cli.main import app
from tests.lab.factories import World
from tests.lab.releases.jobs import BY_CITY, events, finished_job, png_bytes
from tests.lab.releases.test_release_flow import expected_csv

runner = CliRunner()


def lab(world: World, who: str, *args: str) -> tuple[int, str]:
    return world.cli(who, *args)


def test_request_review_and_fetch_byte_for_byte(world: World, tmp_path: Path) -> None:
    job = finished_job(world)
    code, out = lab(
        world, "a-eng", "releases", "request", job, "by_city", "plot",
        "--tenant", "acme", "--purpose", "quarterly report",
    )  # fmt: skip
    assert code == 0, out
    release_id = out.split()[1]
    code, out = lab(world, "a-eng", "jobs", "outputs", job, "plot", "--tenant", "acme")
    assert code == 1 and "release request" in out

    code, out = lab(world, "a-eng", "releases", "approve", release_id, "-m", "mine")
    assert code == 1 and "not allowed to review" in out
    code, out = lab(world, "carol", "releases", "list", "--state", "pending")
    assert code == 0 and release_id in out
    code, out = lab(world, "carol", "releases", "show", release_id, "--content")
    assert code == 0 and "Hangzhou" in out and "GROUP BY city" in out
    code, out = lab(world, "carol", "releases", "approve", release_id, "-m", "suppressed")
    assert code == 0 and "released" in out

    png, csv = tmp_path / "plot.png", tmp_path / "by_city.csv"
    code, out = lab(
        world, "a-eng", "releases", "fetch", job, "plot", "--tenant", "acme", "-o", str(png)
    )
    assert code == 0, out
    assert png.read_bytes() == png_bytes()
    code, out = lab(
        world, "a-eng", "jobs", "outputs", job, "by_city", "--tenant", "acme", "--out", str(csv)
    )
    assert code == 0, out
    assert csv.read_bytes() == expected_csv()
    code, out = lab(world, "a-eng", "jobs", "outputs", job, "by_city", "--tenant", "acme")
    assert [json.loads(line) for line in out.splitlines()] == BY_CITY.to_pylist()
    code, out = lab(world, "a-eng", "jobs", "outputs", job, "plot", "--tenant", "acme")
    assert code == 1 and "--out" in out

    published = events(world, "release.publish")[-1]["details"]["files"]
    assert published["plot"]["sha256"] == hashlib.sha256(png_bytes()).hexdigest()
    assert published["by_city"]["sha256"] == hashlib.sha256(expected_csv()).hexdigest()
    fetched = [e["details"]["sha256"] for e in events(world, "release.fetch", actor="a-eng")]
    plot, table = published["plot"]["sha256"], published["by_city"]["sha256"]
    assert fetched == [plot, table, table, plot]  # the last was read, then not printed


def test_withdraw_return_and_foreign_tenants_from_the_cli(world: World) -> None:
    job = finished_job(world)
    code, out = lab(
        world, "a-eng", "releases", "request", job, "by_city", "--tenant", "acme", "-p", "x"
    )
    release_id = out.split()[1]
    code, out = lab(world, "g-eng", "releases", "show", release_id)
    assert code == 1 and "not found" in out
    code, out = lab(world, "g-eng", "jobs", "outputs", job, "by_city", "--tenant", "acme")
    assert code == 1 and "not found" in out
    code, out = lab(world, "carol", "releases", "return", release_id, "-m", "coarser, please")
    assert code == 0 and "returned" in out
    code, out = lab(
        world, "a-eng", "releases", "request", job, "by_city", "--tenant", "acme",
        "-p", "coarser now", "--resubmits", release_id,
    )  # fmt: skip
    assert code == 0, out
    again = out.split()[1]
    code, out = lab(world, "a-owner", "releases", "withdraw", again)
    assert code == 1 and "only the author" in out
    code, out = lab(world, "a-eng", "releases", "withdraw", again)
    assert code == 0 and "withdrawn" in out
    code, out = lab(
        world, "a-eng", "releases", "request", job, "people", "--tenant", "acme", "-p", "x"
    )
    assert code == 1 and "row-level" in out


def test_every_releases_command_explains_itself() -> None:
    for command in (
        "request",
        "list",
        "show",
        "approve",
        "reject",
        "return",
        "withdraw",
        "publish",
        "fetch",
    ):
        result = runner.invoke(app, ["releases", command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage" in result.output and len(result.output) > 200


def test_a_request_nobody_may_know_of_looks_exactly_like_a_missing_one(world: World) -> None:
    """No route stands in front of the CLI: the service asks the chokepoint before it
    answers anything, so another tenant's request, a request of another zone and no request
    at all get the same answer, and each attempt is one audited denial."""
    job = finished_job(world)
    code, out = lab(
        world, "a-eng", "releases", "request", job, "by_city", "--tenant", "acme", "-p", "x"
    )
    release_id = out.split()[1]
    missing = "0000000000000000"
    answers: set[str] = set()
    for target, zone in ((release_id, "sandbox"), (release_id, "production"), (missing, "sandbox")):
        for command, action in (("show", "read"), ("withdraw", "release"), ("approve", "review")):
            before = len(events(world, f"access.{action}", actor="g-eng", decision="deny"))
            argv = [command, target, "--zone", zone, *(["-m", "ok"] if action == "review" else [])]
            code, out = lab(world, "g-eng", "releases", *argv)
            assert code == 1, out
            answers.add(out)
            denied = events(world, f"access.{action}", actor="g-eng", decision="deny")
            assert [e["resource"] for e in denied[before:]] == [f"{zone}/releases/{target}"]
    assert len(answers) == 1 and "not found" in answers.pop()

    code, out = lab(world, "carol", "releases", "show", missing)
    assert code == 1 and f"no release request '{missing}'" in out
    assert events(world, "access.read", actor="carol", resource=f"sandbox/releases/{missing}")
    code, out = lab(world, "carol", "releases", "show", release_id)
    assert code == 0 and release_id in out
