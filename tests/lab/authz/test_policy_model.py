"""The engine only runs with the model it is built for."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from lab.authz.engine import PolicyEngine
from lab.authz.model import MODEL_PATH, load_model_text
from lab.errors import ConfigurationError


def test_the_shipped_model_loads() -> None:
    assert "keyMatch2(r.obj, p.obj)" in load_model_text()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("keyMatch2(r.obj, p.obj)", "keyMatch(r.obj, p.obj)", "matcher"),
        ('|| g(r.sub, p.sub, "*")', "", "matcher"),
        ("!some(where (p.eft == deny))", "true", "effect"),
        ("r = sub, dom, obj, act", "r = sub, obj, act", "request definition"),
        ("g = _, _, _", "g = _, _", "role definition"),
    ],
)
def test_another_model_is_refused(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = MODEL_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "model.conf"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=problem):
        load_model_text(path)


def test_the_same_model_elsewhere_is_fine(tmp_path: Path, reader: Engine) -> None:
    path = tmp_path / "model.conf"
    lines = MODEL_PATH.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(ln for ln in lines if not ln.startswith("#")), encoding="utf-8")
    assert PolicyEngine(reader, model_path=path).version == 0


def test_a_missing_model_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_model_text(tmp_path / "nope.conf")
