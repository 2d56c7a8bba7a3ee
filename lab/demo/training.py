"""The partner's training job of the demo: a LightGBM model and an optbinning scorecard on
the desensitized credit sample, each saved with `labjob.save_model` (to safe formats) and
validated with `labjob.validate_binary` (metrics, bands, plots)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

FEATURES = [
    *[f"sales_m{m:02d}" for m in range(1, 7)],
    "refund_rate",
    "rating",
    "overdue",
    "outstanding_loan",
]

TRAIN = f"""
import labjob
import lightgbm
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression

df = labjob.read_pandas("merchants")
X = df[{FEATURES!r}].astype(float)
y = df["default"].astype(int).to_numpy()
# the artifact checks recount leaves and bins on the whole input: fitted on all of it
gbm = lightgbm.LGBMClassifier(n_estimators=60, num_leaves=8, min_child_samples=40,
                              learning_rate=0.05, verbose=-1).fit(X, y)
labjob.save_model("gbm", gbm, target="default")
score = gbm.predict_proba(X)[:, 1]
labjob.validate_binary("gbm", y, score, train_score=score, bands=5)
card = Scorecard(binning_process=BinningProcess(list(X.columns)),
                 estimator=LogisticRegression(max_iter=500), scaling_method="min_max",
                 scaling_method_params={{"min": 300, "max": 850}}).fit(X, y)
labjob.save_model("card", card, target="default")
card_score = card.predict_proba(X)[:, 1]
labjob.validate_binary("card", y, card_score, train_score=card_score, bands=5)
"""

VALIDATION = {
    "validation": "file",
    "calibration": "table",
    "bands": "table",
    "score_psi": "table",
    "roc": "file",
    "ks": "file",
    "score_distribution": "file",
}


def training_spec() -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "metrics": {"sensitivity": "moderately_sensitive", "kind": "metrics"}
    }
    for model in ("gbm", "card"):
        outputs[model] = {"sensitivity": "highly_sensitive", "kind": "model"}
        for suffix, kind in VALIDATION.items():
            outputs[f"{model}_{suffix}"] = {"sensitivity": "moderately_sensitive", "kind": kind}
    return {
        "name": "train-credit",
        "zone": "sandbox",
        "engine": "python",
        "inputs": {"merchants": {"dataset": "merchants"}},
        "code": {"entrypoint": "train.py"},
        "outputs": outputs,
        "resources": {"wall_seconds": 600, "memory_mb": 2048},
    }


def training_bundle() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.py", TRAIN)
    return buffer.getvalue()
