"""Malformed LightGBM text is refused in Python before LightGBM's parser, which aborts on it.

Each case runs in a child process: if one slipped through, LightGBM would kill the
interpreter, and the test must report that rather than take the test run down with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.jobs.models.model_factories import lightgbm_text

_CHILD = textwrap.dedent(
    """
    import json, sys
    from jobs.models.formats import ModelInvalid, load_scorer
    from tests.jobs.models.model_factories import lightgbm_text
    text = lightgbm_text()
    results = []
    for case in json.loads(sys.argv[1]):
        data = eval(case)  # the cases are this test's own expressions over `text`
        try:
            load_scorer("lightgbm", data)
            results.append("loaded")
        except ModelInvalid as exc:
            results.append("refused: " + exc.message)
    print(json.dumps(results))
    """
)


def _mutations() -> list[str]:
    size = len(lightgbm_text())
    ends = (5, 30, 40, 900, 2000)
    cuts = [f"text[:{n}]" for n in (5, 200, size // 3, size // 2, *(size - n for n in ends))]
    return [
        *cuts,
        "text.replace(b'num_leaves=15', b'num_leaves=40', 1)",
        "text.replace(b'split_feature=0', b'split_feature=9', 1)",
        "text.replace(b'left_child=2', b'left_child=200', 1)",
        "text.replace(b'leaf_value=-0.', b'leaf_value=nan -0.', 1)",
        "text.replace(b'tree_sizes=', b'tree_sizes=99999 ', 1)",
        "text.replace(b'Tree=1', b'Tree=7', 1)",
        "text.replace(b'num_cat=0', b'num_cat=3', 1)",
        "text.replace(b'is_linear=0', b'is_linear=1', 1)",
        "text.replace(b'end of trees', b'end of tree', 1)",
        "text.replace(b'max_feature_idx=3', b'max_feature_idx=x', 1)",
        "text[: text.index(b'[objective') + 3]",
        "text.replace(b'pandas_categorical:null', b'pandas_categorical:[[\"a\"]]')",
    ]


def test_malformed_lightgbm_text_is_refused_without_crashing() -> None:
    cases = ["text", *_mutations()]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the loader died ({done.returncode}): {done.stderr[-800:]}"
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results[0] == "loaded"
    pairs = zip(cases[1:], results[1:], strict=True)
    loaded = [case for case, result in pairs if result == "loaded"]
    assert loaded == []
    assert all(r.startswith("refused: ") for r in results[1:])


def test_a_model_fitted_on_a_frame_without_categories_loads() -> None:
    """sklearn's LGBMClassifier fitted on a DataFrame writes `pandas_categorical:[]`:
    no category mapping, the same as `null`."""
    case = "text.replace(b'pandas_categorical:null', b'pandas_categorical:[]')"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([case])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-800:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["loaded"]
