"""The scoring child: `python -m lab.scoring.child`, started by the worker for one job.

Why a child: the model's native loader (onnxruntime, LightGBM) runs on the artifact's bytes,
and a malformed artifact could abort the process that loads it. The worker must outlive any
job, so the model is loaded and run here, as the SQL engine runs user SQL in a child of its
own. Unlike the SQL child, this one is the lab's own code end to end (no user code runs):
it opens the lab with the worker's settings, read on standard input, because the model is
loaded only through `load_deployed`, which decrypts the artifact, verifies the signed
manifest and the artifact's hash, and audits the load (allowed or refused) itself.

It then checks that the deployment was approved for this very dataset, reads the dataset
through its decrypting reader (only the key, label and feature columns), and scores it in
process over DuckDB, or on Spark (local mode or the lab's Spark Connect cluster). It writes,
in the job's private folder: the row-level scores (key, score, band) as Parquet, the band
counts as Arrow, and `answer.json` with the deployment's lineage, or why it refused.
"""

from __future__ import annotations

import hashlib
import sys

import duckdb
import pyarrow.ipc as ipc

from jobs.models.formats import ModelInvalid, ScoringInputInvalid
from jobs.models.scoring import BandCounts, ScoreBands, run_scoring
from lab.auditing import Actor
from lab.context import Lab
from lab.errors import Conflict
from lab.models.deployed import LoadedModel, load_deployed
from lab.promotions.models import Deployment
from lab.runs.artifacts import read_files
from lab.scoring import request as wire
from lab.scoring.spark_runner import score_on_spark
from lab.settings import Settings


def main() -> int:
    # LightGBM (imported when a model of its flavour loads) imports scikit-learn, and with it
    # SciPy, for wrappers this process never uses: seconds of every scoring job's start.
    # Without it LightGBM's Booster is whole.
    sys.modules.setdefault("sklearn", None)  # type: ignore[arg-type]
    ask = wire.ScoreRequest.model_validate_json(sys.stdin.read())
    lab = Lab.open(Settings.model_validate(ask.settings))
    try:
        answer = _score(lab, ask)
    finally:
        lab.close()
    (ask.out / wire.ANSWER).write_text(answer.model_dump_json())
    return 0


def _score(lab: Lab, ask: wire.ScoreRequest) -> wire.ScoreAnswer:
    actor = Actor(ask.submitter, request_id=ask.job_id)
    try:
        model = load_deployed(
            lab, actor, tenant=ask.tenant, name=ask.model, version=ask.model_version
        )
    except Conflict as exc:
        return wire.ScoreAnswer(refused=exc.message)
    row = _deployment(lab, model.deployment_id)
    target = model.manifest.get("production_dataset", {}).get("dataset")
    if target != f"{ask.dataset_tenant}/{ask.dataset}":
        return wire.ScoreAnswer(
            refused=f"deployed model {ask.model!r} was approved to score {target}, "
            f"not {ask.dataset_tenant}/{ask.dataset}"
        )
    assert row.manifest is not None
    lineage = {
        "deployment_id": model.deployment_id,
        "name": model.name,
        "version": model.version,
        "model_version_id": model.model_version_id,
        "flavour": model.flavour,
        "manifest_sha256": hashlib.sha256(row.manifest).hexdigest(),
        "artifact_sha256": model.manifest.get("artifact_sha256"),
        "key_id": model.key_id,
    }
    bands = ScoreBands(tuple(ask.edges), ask.cutoff, ask.orientation)  # type: ignore[arg-type]
    features = [f["name"] for f in model.input_schema]
    columns = list(dict.fromkeys([ask.key, *([ask.label] if ask.label else []), *features]))
    missing = [c for c in columns if ask.columns is not None and c not in ask.columns]
    if missing:
        return wire.ScoreAnswer(invalid=f"the input's projection leaves out {missing}")
    try:
        counts = _run(lab, ask, model, row, bands, columns, features)
    except (ScoringInputInvalid, ModelInvalid) as exc:
        return wire.ScoreAnswer(invalid=str(exc)[:500])
    with ipc.new_file(ask.out / wire.COUNTS, counts.partial().schema) as writer:
        writer.write_batch(counts.partial())
    return wire.ScoreAnswer(rows=counts.total, runner=ask.runner, deployment=lineage)


def _run(
    lab: Lab,
    ask: wire.ScoreRequest,
    model: LoadedModel,
    row: Deployment,
    bands: ScoreBands,
    columns: list[str],
    features: list[str],
) -> BandCounts:
    with lab.read() as session:
        data = lab.store.dataset(session, ask.version_id)
    absent = [c for c in columns if data.schema.get_field_index(c) < 0]
    if absent:
        raise ScoringInputInvalid(f"the dataset has no column {absent[0]!r}")
    if ask.runner == "spark":
        artifact = read_files(lab, row.artifact_version_id).get(row.artifact_name, b"")
        if hashlib.sha256(artifact).hexdigest() != model.manifest.get("artifact_sha256"):
            raise ModelInvalid("the artifact changed after it was verified")
        run = score_on_spark(ask, data, columns, features, model.flavour, artifact, bands)
        return run.counts
    con = duckdb.connect(config={"threads": 2})
    relation = con.from_arrow(data).select(*[duckdb.ColumnExpression(c) for c in columns])
    return run_scoring(
        relation, model.scorer, ask.key, bands, ask.out / wire.SCORES, label_column=ask.label
    ).counts


def _deployment(lab: Lab, deployment_id: str) -> Deployment:
    with lab.read() as session:
        row = session.get(Deployment, deployment_id)
        assert row is not None
        session.expunge(row)
    return row


if __name__ == "__main__":
    sys.exit(main())
