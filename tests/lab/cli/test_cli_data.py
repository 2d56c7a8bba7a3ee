"""The CLI for data: datasets, holds, destruction, receipts, zones, key rotation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lab.context import Lab
from lab.settings import Settings
from tests.lab.cli.test_cli import TOKEN, run
from tests.lab.retention.helpers import write_sample


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run(home, "init")[0] == 0
    assert run(home, "tenants", "create", "acme", "--name", "Acme")[0] == 0
    return home


def _write(home: Path, **kw: object) -> None:
    lab = Lab.open(Settings(_env_file=None, home=home))  # type: ignore[call-arg]
    try:
        write_sample(lab, **kw)  # type: ignore[arg-type]
    finally:
        lab.close()


def test_list_hold_destroy_and_receipts(home: Path) -> None:
    _write(home)
    code, out = run(home, "datasets", "list", "--tenant", "acme")
    assert code == 0 and "merchants" in out and "ready" in out
    hold = ("datasets", "hold", "merchants", "1", "--tenant", "acme", "--reason", "case 9")
    code, out = run(home, *hold)
    assert code == 1 and "not allowed to hold" in out  # the console is an admin, not compliance
    assert run(home, "users", "create", "cleo", "--role", "compliance")[0] == 0
    code, out = run(home, "tokens", "issue", "cleo")
    officer = TOKEN.search(out).group(0)  # type: ignore[union-attr]
    assert run(home, *hold, LAB_TOKEN=officer)[0] == 0
    destroy = ("datasets", "destroy", "merchants", "1", "--tenant", "acme", "--reason", "done")
    code, out = run(home, *destroy)
    assert code == 1 and "legal hold" in out
    unhold = ("datasets", "unhold", "merchants", "1", "--tenant", "acme", "--reason", "closed")
    code, out = run(home, *unhold, LAB_TOKEN=officer)
    assert code == 0 and "legal hold lifted from merchants v1" in out
    code, out = run(home, *destroy)
    assert code == 0 and "receipt" in out
    code, out = run(home, "receipts", "--tenant", "acme")
    assert code == 0 and "destroyed" in out and "done" in out


def test_zones_show_history_and_set(home: Path, tmp_path: Path) -> None:
    code, out = run(home, "zones", "show", "sandbox")
    assert code == 0 and '"min_cell_count": 10' in out
    rules = yaml.safe_load((Settings(_env_file=None).zones_dir / "sandbox.yaml").read_text())  # type: ignore[call-arg]
    rules["disclosure"]["min_cell_count"] = 25
    changed = tmp_path / "sandbox.yaml"
    changed.write_text(yaml.safe_dump(rules))
    code, out = run(home, "zones", "set", str(changed), "--comment", "stricter")
    assert code == 0 and "version 2" in out
    code, out = run(home, "zones", "history", "sandbox")
    assert "stricter" in out
    code, out = run(home, "zones", "show", "sandbox")
    assert '"min_cell_count": 25' in out


def test_an_invalid_zone_file_stops_start_up_naming_file_and_field(
    home: Path, tmp_path: Path
) -> None:
    zones = tmp_path / "zones"
    shutil.copytree(Settings(_env_file=None).zones_dir, zones)  # type: ignore[call-arg]
    text = (zones / "production.yaml").read_text().replace("max_rows: 5000", "max_rows: -1")
    (zones / "production.yaml").write_text(text)
    code, out = run(home, "tenants", "list", LAB_ZONES_DIR=str(zones))
    assert code == 1
    assert "production.yaml" in out and "disclosure.max_rows" in out


def test_master_key_rotation_keeps_data_and_retires_the_old_key(home: Path) -> None:
    _write(home)
    key_file = home / "keys" / "master.key"
    old = key_file.read_text().strip()
    files_before = sorted((p, p.stat().st_mtime_ns) for p in (home / "storage").rglob("*.parquet"))
    code, out = run(home, "keys", "rotate")
    assert code == 0, out
    assert key_file.read_text().strip() != old
    assert sorted((p, p.stat().st_mtime_ns) for p in (home / "storage").rglob("*.parquet")) == (
        files_before
    )
    code, out = run(home, "datasets", "list", "--tenant", "acme")
    assert code == 0 and "merchants" in out
    lab = Lab.open(Settings(_env_file=None, home=home))  # type: ignore[call-arg]
    try:
        with lab.read() as session:
            from lab.datasets.service import list_versions

            [version] = list_versions(session, tenant="acme", zone="sandbox")
            assert lab.store.read_table(session, version.id).num_rows == 2000
    finally:
        lab.close()
    code, out = run(home, "tenants", "list", LAB_MASTER_KEY=old)
    assert code == 1 and "master key does not open" in out
