"""Pieces that need no sandbox: the log cap, redaction, the `labjob` runtime on the host."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jobs.runtime as labjob
from jobs.sandbox.logs import REDACTED, LogCapture, redact


def test_a_small_log_is_kept_whole() -> None:
    capture = LogCapture(100)
    capture.feed(b"hello\n")
    capture.feed(b"world\n")
    assert capture.text() == "hello\nworld\n"
    assert not capture.truncated


def test_a_big_log_keeps_its_head_and_tail_and_says_what_it_dropped() -> None:
    capture = LogCapture(1000)
    capture.feed(b"first line\n")
    for i in range(10_000):
        capture.feed(f"line {i}\n".encode())
    capture.feed(b"Traceback: the end\n")
    text = capture.text()
    assert capture.truncated
    assert text.startswith("first line\n")
    assert text.endswith("Traceback: the end\n")
    assert "bytes of output dropped" in text
    assert len(text) < 1000 + 100


def test_a_line_cut_by_the_cap_is_dropped_whole() -> None:
    capture = LogCapture(40)
    capture.feed(b"ok\n" + b"lab_abcd_" + b"S" * 100 + b"\nend\n")
    text = capture.text()
    assert "SSSS" not in text and text.startswith("ok\n") and text.endswith("end\n")


def test_redaction_of_given_secrets_tokens_and_keys() -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    url_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    token = "lab_0011223344556677_" + base64.urlsafe_b64encode(os.urandom(32)).decode()[:43]
    text = f"pw=hunter22 key={key} url={url_key} auth: Bearer {token}\n"
    out = redact(text, ["hunter22", ""])
    assert "hunter22" not in out and key not in out and url_key not in out and token not in out
    assert out.count(REDACTED) == 4


def test_redaction_leaves_ordinary_text_alone() -> None:
    sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    text = f"a_very_long_function_name_that_is_not_a_key_x1 and sha {sha}"
    assert redact(text) == text


@pytest.fixture
def sandbox_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABJOB_INPUTS", str(tmp_path / "inputs"))
    monkeypatch.setenv("LABJOB_WORKSPACE", str(tmp_path / "workspace"))
    (tmp_path / "inputs").mkdir()
    return tmp_path


def test_runtime_reads_inputs_and_writes_outputs(sandbox_dirs: Path) -> None:
    inputs = sandbox_dirs / "inputs"
    pq.write_table(pa.table({"x": [1, 2, 3]}), inputs / "numbers.parquet")
    (inputs / "people.csv").write_text("name,age\nA,30\nB,40\n")
    assert sorted(labjob.inputs()) == ["numbers", "people"]
    assert labjob.read_table("numbers").column("x").to_pylist() == [1, 2, 3]
    assert list(labjob.read_pandas("people")["age"]) == [30, 40]
    path = labjob.write_table("doubled", pd.DataFrame({"x": [2, 4, 6]}))
    assert pq.read_table(path).column("x").to_pylist() == [2, 4, 6]
    labjob.log_metric("auc", 0.75)
    labjob.log_metric("rows", 3)
    labjob.log_metric("auc", 0.8)
    outputs = sandbox_dirs / "workspace" / "outputs"
    assert json.loads((outputs / "metrics.json").read_text()) == {"auc": 0.8, "rows": 3}
    assert labjob.write_file("plot.png", b"\x89PNG").read_bytes() == b"\x89PNG"
    with pytest.raises(labjob.ModelNotSaved, match="pickle is never accepted"):
        labjob.save_model("m", {"w": [1, 2]})  # a plain dict is no model the lab can load
    assert not (outputs / "models" / "m").exists()


def test_runtime_refuses_bad_names_and_missing_inputs(sandbox_dirs: Path) -> None:
    with pytest.raises(ValueError, match="invalid name"):
        labjob.write_file("../escape", b"x")
    with pytest.raises(KeyError, match="no input named 'nope'"):
        labjob.read_table("nope")
    with pytest.raises(ValueError, match="not finite"):
        labjob.log_metric("loss", float("nan"))
