"""No code of the lab's side can deserialize a pickle: models are read only in safe formats.

`jobs/runtime` is the `labjob` package that runs inside a job's sandbox, where the partner's
own code runs anyway; everything else runs in the lab's processes and must never import a
pickle-family module nor call a loader that unpickles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAB_SIDE = ("lab", "jobs", "connectors", "audit")
SANDBOX_ONLY = ROOT / "jobs" / "runtime"
UNPICKLERS = frozenset({"pickle", "_pickle", "cPickle", "joblib", "dill", "cloudpickle", "shelve"})
LOADERS = frozenset({"read_pickle", "load_pickle", "Unpickler"})


def _sources() -> list[Path]:
    return [
        path
        for top in LAB_SIDE
        for path in sorted((ROOT / top).rglob("*.py"))
        if SANDBOX_ONLY not in path.parents
    ]


def _offences(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        elif isinstance(node, ast.Attribute | ast.Name):
            names = [node.attr if isinstance(node, ast.Attribute) else node.id]
            names = [n for n in names if n in LOADERS]
        elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            # numpy's loaders unpickle object arrays only when allowed: `False` is the safe
            # spelling, anything else (True, a variable) is an offence
            safe = isinstance(node.value, ast.Constant) and node.value.value is False
            names = [] if safe else ["allow_pickle"]
        else:
            continue
        found += [
            f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')} {n}"
            for n in names
            if n in UNPICKLERS | LOADERS | {"allow_pickle"}
        ]
    return found


def test_no_lab_side_module_imports_or_calls_an_unpickler() -> None:
    sources = _sources()
    assert len(sources) > 100  # the scan sees the code base, not an empty folder
    offences = [o for path in sources for o in _offences(path)]
    assert offences == []


def test_the_scan_finds_an_unpickler_where_there_is_one(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json\nimport joblib\nfrom pickle import loads\nimport pandas as pd\n"
        "pd.read_pickle('x')\nimport numpy as np\nnp.load('x', allow_pickle=True)\n"
        "np.load('x', allow_pickle=False)\nnp.load('x', allow_pickle=flag)\n"
    )
    found = [f.split()[-1] for f in _offences(probe, tmp_path)]
    assert found == ["joblib", "pickle", "read_pickle", "allow_pickle", "allow_pickle"]
