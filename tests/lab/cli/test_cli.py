"""The `lab` CLI against a real lab home: init, administration, policy, audit."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lab.cli.main import app
from lab.keys.master import generate_master_key

runner = CliRunner()
TOKEN = re.compile(r"lab_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}")


def lab_env(home: Path, **extra: str) -> dict[str, str]:
    env = {"LAB_HOME": str(home), "LAB_POLICY_REFRESH_SECONDS": "0"}
    env.update(extra)
    return env


def run(home: Path, *args: str, **extra: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=lab_env(home, **extra))
    return result.exit_code, result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    code, out = run(tmp_path / "home", "init")
    assert code == 0, out
    return tmp_path / "home"


def test_init_creates_a_private_key_file_and_prints_the_admin_token_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out = run(home, "init", "--admin", "boss")
    assert code == 0, out
    assert TOKEN.search(out)
    key_file = home / "keys" / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again_code, again = run(home, "init")
    assert again_code == 0
    assert "already initialised" in again and not TOKEN.search(again)


def test_init_uses_a_master_key_from_the_environment_without_writing_a_file(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    code, out = run(home, "init", LAB_MASTER_KEY=generate_master_key())
    assert code == 0, out
    assert not (home / "keys" / "master.key").exists()


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("AAAA", "decodes to 3 bytes"),
        ("A" * 43 + "=", "weak"),
        ("not base64 !!!", "not valid base64"),
    ],
)
def test_a_weak_or_malformed_master_key_stops_start_up(tmp_path: Path, key: str, says: str) -> None:
    code, out = run(tmp_path / "home", "init", LAB_MASTER_KEY=key)
    assert code == 1
    assert says in out


def test_a_missing_master_key_stops_start_up_with_a_hint(home: Path) -> None:
    (home / "keys" / "master.key").unlink()
    code, out = run(home, "tenants", "list")
    assert code == 1
    assert "lab init" in out


def test_a_key_file_readable_by_others_is_refused(home: Path) -> None:
    (home / "keys" / "master.key").chmod(0o644)
    code, out = run(home, "tenants", "list")
    assert code == 1 and "chmod 600" in out


def test_a_wrong_master_key_cannot_open_the_lab(home: Path) -> None:
    code, out = run(home, "tenants", "list", LAB_MASTER_KEY=generate_master_key())
    assert code == 1
    assert "master key does not open" in out


def test_administration_round_trip(home: Path) -> None:
    assert run(home, "tenants", "create", "acme", "--name", "Acme Ltd")[0] == 0
    code, out = run(home, "tenants", "list")
    assert "Acme Ltd" in out
    code, out = run(home, "users", "create", "alice", "--tenant", "acme", "--role", "engineer")
    assert code == 0, out
    code, out = run(home, "tokens", "issue", "alice", "--ttl-days", "3")
    assert code == 0 and TOKEN.search(out)
    token_id = TOKEN.search(out).group(0).split("_")[1]  # type: ignore[union-attr]
    assert run(home, "tokens", "revoke", "alice", token_id)[0] == 0
    code, out = run(home, "tokens", "list", "alice")
    assert token_id in out and "yes" in out
    code, out = run(home, "users", "list", "--tenant", "acme")
    assert "alice" in out and "engineer" in out


def test_policy_commands_change_and_explain_decisions(home: Path) -> None:
    run(home, "tenants", "create", "acme", "--name", "Acme")
    run(home, "users", "create", "vic", "--tenant", "acme", "--role", "viewer")
    check = ("policy", "check", "vic", "create", "users", "--tenant", "acme")
    assert run(home, *check)[0] == 3
    code, out = run(home, "policy", "add", "viewer", "platform/users", "create", "--tenant", "acme")
    assert code == 0, out
    code, out = run(home, *check)
    assert code == 0 and "allowed" in out
    code, out = run(home, "policy", "history")
    assert "add_rule" in out


def test_audit_verify_export_and_public_key(home: Path, tmp_path: Path) -> None:
    run(home, "tenants", "create", "acme", "--name", "Acme")
    code, out = run(home, "audit", "verify")
    assert code == 0 and "intact" in out
    target = tmp_path / "audit.jsonl"
    code, out = run(home, "audit", "export", "--output", str(target))
    assert code == 0, out
    events = [json.loads(line) for line in target.read_text().splitlines()]
    assert any(e["action"] == "tenant.create" for e in events)
    code, out = run(home, "audit", "public-key")
    assert out.startswith("-----BEGIN PUBLIC KEY-----")
    checkpoint = tmp_path / "cp.json"
    assert run(home, "audit", "checkpoint", "-o", str(checkpoint))[0] == 0
    code, out = run(home, "audit", "verify", "--checkpoint", str(checkpoint))
    assert code == 0, out


def test_errors_are_one_clear_line(home: Path) -> None:
    code, out = run(home, "tenants", "create", "Bad Slug", "--name", "x")
    assert code == 1
    assert out.startswith("error:") and "Traceback" not in out


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["serve"],
        ["tenants"],
        ["users", "create"],
        ["tokens", "issue"],
        ["policy"],
        ["policy", "check"],
        ["audit"],
        ["audit", "verify"],
        ["audit", "export"],
    ],
)
def test_help_explains_every_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output) > 200
