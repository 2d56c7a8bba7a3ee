"""What following the README ran into: job exit codes, the platform roles' error, `unhold`,
job outputs apart from the data, imports' row counts, audit events newest first, a verdict
said once, a released text output printed as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
import yaml

from lab.cli import jobs as jobs_cli
from lab.cli.releases import emit
from lab.releases.schemas import ReleasedOutput
from lab.work.models import WorkItem
from tests.lab.cli.test_cli import TOKEN, run
from tests.lab.cli.test_cli_data import _write

JOB_ID = re.compile(r"job (\w+) queued")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run(home, "init")[0] == 0
    assert run(home, "tenants", "create", "acme", "--name", "Acme")[0] == 0
    return home


def _engineer(home: Path) -> str:
    assert run(home, "users", "create", "alice", "--tenant", "acme", "--role", "engineer")[0] == 0
    found = TOKEN.search(run(home, "tokens", "issue", "alice")[1])
    assert found
    return found.group(0)


def _spec(tmp_path: Path, query: str, **resources: int) -> str:
    path = tmp_path / "job.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "by-city",
                "zone": "sandbox",
                "engine": "sql",
                "inputs": {"merchants": {"dataset": "merchants"}},
                "code": {"query": query},
                "outputs": {"by_city": {"sensitivity": "moderately_sensitive", "kind": "table"}},
                "resources": {"wall_seconds": 60, "memory_mb": 512, **resources},
            }
        )
    )
    return str(path)


AGGREGATE = "SELECT city, count(*) AS n FROM merchants GROUP BY city"


@pytest.mark.parametrize(
    ("query", "resources", "code", "says"),
    [
        (AGGREGATE, {}, 0, "succeeded"),
        (  # a conversion error, once rows are read
            "SELECT city, count(*) AS n FROM merchants WHERE CAST(city AS INTEGER) > 0 "
            "GROUP BY city",
            {},
            3,
            "failed",
        ),
        (AGGREGATE, {"max_rows": 1}, 5, "failed (limit-exceeded)"),
    ],
)
def test_submit_run_here_exits_with_how_the_job_ended(
    home: Path,
    tmp_path: Path,
    query: str,
    resources: dict[str, int],
    code: int,
    says: str,
) -> None:
    _write(home)
    token = _engineer(home)
    spec = _spec(tmp_path, query, **resources)
    exit_code, out = run(home, "jobs", "submit", spec, "--tenant", "acme", "--run-here",
                         LAB_TOKEN=token)  # fmt: skip
    assert exit_code == code, out
    assert f": {says} " in out
    assert "succeeded (succeeded)" not in out and "running (running)" not in out


def test_waiting_for_a_cancelled_job_exits_4(home: Path, tmp_path: Path) -> None:
    _write(home)
    token = _engineer(home)
    code, out = run(home, "jobs", "submit", _spec(tmp_path, AGGREGATE), "--tenant", "acme",
                    LAB_TOKEN=token)  # fmt: skip
    assert code == 0, out  # queued: no worker runs it
    job = JOB_ID.search(out)
    assert job
    assert run(home, "jobs", "cancel", job.group(1), "--tenant", "acme", LAB_TOKEN=token)[0] == 0
    code, out = run(home, "jobs", "wait", job.group(1), "--tenant", "acme", LAB_TOKEN=token)
    assert code == jobs_cli.EXIT_CANCELLED == 4, out
    assert "cancelled" in out


@pytest.mark.parametrize(
    ("state", "status", "code"),
    [
        ("succeeded", "succeeded", 0),
        ("failed", "failed", 3),
        ("failed", "error", 3),
        ("failed", "invalid-spec", 3),
        ("failed", "input-not-found", 3),
        ("cancelled", "cancelled", 4),
        ("failed", "limit-exceeded", 5),
        ("failed", "timeout", 5),
        ("failed", "killed", 5),
        ("failed", "lease-expired", 6),
    ],
)
def test_each_way_a_job_ends_has_its_exit_code(state: str, status: str, code: int) -> None:
    assert jobs_cli.exit_code(WorkItem(state=state, status=status)) == code


def test_the_exit_codes_are_in_the_help() -> None:
    code, out = run(Path("/nonexistent"), "jobs", "submit", "--help")
    assert code == 0
    text = " ".join(out.split())
    for number, meaning in ((3, "failed"), (4, "cancelled"), (5, "resource limit"), (6, "lease")):
        assert f"{number} " in text and meaning in text


def test_a_platform_role_in_a_tenant_says_to_leave_out_the_tenant(home: Path) -> None:
    code, out = run(home, "users", "create", "dave", "--tenant", "acme", "--role", "compliance")
    assert code == 1
    assert "platform role" in out and "leaving out --tenant" in " ".join(out.split())
    code, out = run(home, "users", "create", "dave", "--role", "compliance")
    assert code == 0, out


def test_release_is_a_hidden_deprecated_name_of_unhold(home: Path) -> None:
    _write(home)
    assert run(home, "users", "create", "cleo", "--role", "compliance")[0] == 0
    found = TOKEN.search(run(home, "tokens", "issue", "cleo")[1])
    assert found
    officer = found.group(0)
    hold = ("merchants", "1", "--tenant", "acme", "--reason", "case 9")
    assert run(home, "datasets", "hold", *hold, LAB_TOKEN=officer)[0] == 0
    code, out = run(home, "datasets", "release", *hold, LAB_TOKEN=officer)
    assert code == 0, out
    assert "lab datasets unhold" in out and "lifted" in out
    code, out = run(home, "datasets", "--help")
    assert "unhold" in out and not re.search(r"\brelease\b", out)


def test_job_outputs_are_listed_apart_from_the_data(home: Path, tmp_path: Path) -> None:
    _write(home)
    token = _engineer(home)
    code, out = run(home, "jobs", "submit", _spec(tmp_path, AGGREGATE), "--tenant", "acme",
                    "--run-here", LAB_TOKEN=token)  # fmt: skip
    assert code == 0, out
    job = JOB_ID.search(out)
    assert job
    output = f"job-{job.group(1)}-by_city"
    listing = ("datasets", "list", "--tenant", "acme")
    data = run(home, *listing, COLUMNS="200")[1]
    assert "merchants" in data and output not in data and f"job-{job.group(1)}" not in data
    outputs = run(home, *listing, "--outputs", COLUMNS="200")[1]
    assert output in outputs and "merchants" not in outputs
    both = run(home, *listing, "--all", COLUMNS="200")[1]
    assert output in both and "merchants" in both


def test_a_finished_import_keeps_its_row_count(home: Path) -> None:
    token = _engineer(home)
    code, out = run(home, "import", "synthetic:120", "--tenant", "acme", "--dataset", "small",
                    LAB_TOKEN=token)  # fmt: skip
    assert code == 0, out
    code, out = run(home, "imports", "list", "--tenant", "acme", LAB_TOKEN=token)
    row = next(line for line in out.splitlines() if "small" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[3:5] == ["succeeded", "120"], row


def _seqs(out: str) -> list[int]:
    return [int(m) for m in re.findall(r"^│\s*(\d+)\s*│", out, re.M)]


def test_audit_events_show_the_newest_first_and_page_either_way(home: Path) -> None:
    code, out = run(home, "audit", "events", "--limit", "5")
    newest = _seqs(out)
    assert code == 0 and len(newest) == 5, out
    assert newest == sorted(newest, reverse=True)
    older = _seqs(run(home, "audit", "events", "--limit", "5", "--before", str(newest[-1]))[1])
    assert older and max(older) < newest[-1] and older == sorted(older, reverse=True)
    first = _seqs(run(home, "audit", "events", "--limit", "3", "--after", "0")[1])
    assert first == [1, 2, 3]
    assert run(home, "audit", "events", "--after", "1", "--before", "9")[0] == 1


def test_policy_check_says_its_verdict_once(home: Path) -> None:
    _engineer(home)
    check = ("policy", "check", "alice")
    code, out = run(home, *check, "destroy", "datasets/x", "--tenant", "acme", "--zone", "sandbox")
    assert code == 3
    assert "denied: no rule allows alice" in out and "denied: denied" not in out
    code, out = run(home, *check, "read", "datasets/x", "--tenant", "acme", "--zone", "sandbox")
    assert code == 0
    assert out.startswith("allowed by rule") and "allowed: allowed" not in out


def _released(name: str, content_type: str, content: bytes) -> ReleasedOutput:
    return ReleasedOutput(
        release_id="r1",
        output=name.split(".")[0],
        kind="file",
        file_name=name,
        content_type=content_type,
        content=content,
        sha256="0" * 64,
        table=False,
    )


def test_a_released_metrics_output_prints_as_its_json(capsys: pytest.CaptureFixture[str]) -> None:
    emit(_released("metrics.json", "application/json", b'{"auc": 0.71}\n'), None)
    printed = capsys.readouterr().out
    assert printed == '{"auc": 0.71}\n'
    assert "b'" not in printed


def test_a_released_plot_still_needs_out() -> None:
    with pytest.raises(typer.Exit):
        emit(_released("roc.png", "image/png", b"\x89PNG\r\n\x1a\n"), None)
