"""Validation plots: PNG files, the same bytes for the same input, nothing written to the
home directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jobs.models.validation import ks_png, roc_png, score_distribution_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[3]


def _sample(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 800)
    return y, rng.normal(size=800) + y


PLOTS = [
    ("roc", lambda y, s: roc_png(y, s)),
    ("roc points", lambda y, s: roc_png(y, -s, orientation="points")),
    ("ks", ks_png),
    ("distribution", score_distribution_png),
]


@pytest.mark.parametrize(("name", "draw"), PLOTS, ids=[p[0] for p in PLOTS])
def test_plot_is_a_png_with_the_same_bytes_each_time(name: str, draw: object) -> None:
    y, score = _sample()
    first = draw(y, score)  # type: ignore[operator]
    assert first.startswith(PNG_MAGIC)
    assert first == draw(y, score)  # type: ignore[operator]
    assert first != draw(*_sample(1))  # type: ignore[operator]
    assert b"tEXt" not in first and b"tIME" not in first  # no software name, no timestamp


def test_a_constant_score_still_draws() -> None:
    y = np.array([0, 1, 0, 1])
    for draw in (roc_png, ks_png, score_distribution_png):
        assert draw(y, np.full(4, 0.5)).startswith(PNG_MAGIC)


def test_plots_never_write_to_the_home_directory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "roc.png"
    code = (
        "import sys, numpy as np\n"
        "from jobs.models.validation import roc_png, ks_png, score_distribution_png\n"
        "y = np.array([0, 1] * 50); s = np.arange(100.0)\n"
        "for draw in (roc_png, ks_png, score_distribution_png): data = draw(y, s)\n"
        "open(sys.argv[1], 'wb').write(roc_png(y, s))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=True, timeout=120)
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert list(home.iterdir()) == []
