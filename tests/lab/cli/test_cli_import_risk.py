"""`lab import` prints the re-identification section: figures, the combination that singles
records out, what is not counted, the verdict and the recommended spec to paste."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pytest
import yaml

from tests.lab.cli.test_cli import TOKEN, run
from tests.lab.imports.test_risk import merchants_file


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run(home, "init")[0] == 0
    assert run(home, "tenants", "create", "acme", "--name", "Acme")[0] == 0
    return home


@pytest.fixture
def engineer(home: Path) -> str:
    assert run(home, "users", "create", "erin", "--tenant", "acme", "--role", "engineer")[0] == 0
    code, out = run(home, "tokens", "issue", "erin")
    found = TOKEN.search(out)
    assert code == 0 and found, out
    return found.group(0)


def test_import_prints_the_risk_and_a_spec_that_pastes(
    home: Path, engineer: str, tmp_path: Path
) -> None:
    data = tmp_path / "merchants.csv"
    pacsv.write_csv(merchants_file(1500), data)
    base = ("import", str(data), "--tenant", "acme")
    code, out = run(home, *base, "--dataset", "merchants", COLUMNS="200", LAB_TOKEN=engineer)
    assert code == 0, out
    said = " ".join(out.split())  # the console wraps long lines
    assert "re-identification risk (all 1,500 rows)" in out
    assert "what makes records unique" in out and "industry, monthly_sales" in out
    assert "not counted: mobile: pseudonym" in said
    assert "of records are unique on (industry, monthly_sales) (all 1,500 rows)" in said
    assert "above the sandbox zone's limit of 5.0%; the recommended spec brings it to" in said
    pasted = out.split("recommended spec (paste into your import spec):", 1)[1]
    spec = yaml.safe_load(pasted.strip())
    assert "monthly_sales" in spec["columns"]
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec), encoding="utf-8")
    code, out = run(
        home,
        *base,
        "--dataset",
        "safer",
        "--spec",
        str(spec_file),
        COLUMNS="200",
        LAB_TOKEN=engineer,
    )
    assert code == 0, out
    assert "above the sandbox zone's limit" not in out and "recommended spec" not in out
