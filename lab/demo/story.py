"""The demo's story, step by step. Each step acts through the API as one of the people,
checks that the lab answered as it must, and says what that proves.

The bank (`bank`) hosts its full merchant data in production; the partner (`partner`)
builds models on a desensitized sample in the sandbox; a compliance officer (`olivia`) and
an output checker (`oscar`) are platform staff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from audit import verify
from lab.demo.actors import ADMIN, DemoFailed, DemoLab
from lab.demo.training import training_bundle, training_spec
from lab.retention.scheduler import Housekeeper

PARTNER_SANDBOX = "/v1/tenants/partner/zones/sandbox"
PARTNER_PRODUCTION = "/v1/tenants/partner/zones/production"
BANK_PRODUCTION = "/v1/tenants/bank/zones/production"
HEADING_WIDTH = 100
"""The widest a step's heading rule is drawn: output that is piped has no width to fill."""


@dataclass
class Step:
    title: str
    proves: str
    result: str = ""
    seconds: float = 0.0
    skipped: bool = False


@dataclass
class Story:
    demo: DemoLab
    size: int
    console: Console
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def step(self, title: str, proves: str, action: Callable[[], str | None]) -> None:
        heading = Rule(f"[bold]{len(self.steps) + 1}. {title}")
        self.console.print(heading, width=min(self.console.width, HEADING_WIDTH))
        started = time.monotonic()
        result = action()
        step = Step(title, proves, result or "", time.monotonic() - started, result is None)
        self.steps.append(step)
        shown = "[yellow]skipped[/]" if step.skipped else f"[green]{step.result}[/]"
        self.console.print(f"  {shown}\n  [dim]proves:[/] {proves}")

    def run(self) -> list[Step]:
        self.step(
            "Tenants and people", "tenants are isolated; compliance is a platform role", self.people
        )
        self.step(
            "Import: desensitized sample into the sandbox (partner)",
            "PII is found and desensitized before anything is stored, encrypted",
            self.import_sample,
        )
        self.step(
            "Import: full data into production (bank)",
            "the full data stays in production with its owner",
            self.import_full,
        )
        self.step(
            "Train a LightGBM model and a scorecard in a sandboxed Python job",
            "code runs isolated; models are saved in safe formats, validated, registered",
            self.train,
        )
        self.step(
            "Ask for promotion; the requester's own approval is refused",
            "four eyes: gates pass, and a requester never approves",
            self.promote,
        )
        self.step(
            "The compliance officer approves: signed deployment",
            "only a signed, verified model reaches production",
            self.approve,
        )
        self.step(
            "Production scoring of the bank's full data",
            "rows scored for the bank only; the partner gets gated aggregates",
            self.score,
        )
        self.step(
            "Monitoring run: production against the training sample",
            "drift and, once outcomes exist, discrimination of the deployed model are watched",
            self.monitor,
        )
        self.step(
            "Release the aggregate report (two approvals)",
            "nothing leaves production without two distinct reviewers",
            self.release,
        )
        self.step(
            "Verify the audit trail", "every decision is in an intact hash chain", self.verify
        )
        self.step(
            "Scheduled destruction of the sandbox sample, with a receipt",
            "data is destroyed on schedule (files and key) and the receipt is audited",
            self.destroy,
        )
        return self.steps

    # --- the steps ---------------------------------------------------------------------

    def people(self) -> str:
        d = self.demo
        for slug, name in (("bank", "The Bank"), ("partner", "Platform Partner")):
            d.ok("POST", ADMIN, "/v1/tenants", json={"slug": slug, "name": name})
        d.person("bella", ["owner"], "bank")
        d.person("pete", ["engineer"], "partner")
        d.person("paula", ["owner"], "partner")
        d.person("olivia", ["compliance"])
        d.person("oscar", ["output_checker"])
        peek = d.call("GET", "pete", f"{BANK_PRODUCTION}/datasets")
        if peek.status_code not in (403, 404):
            raise DemoFailed(f"the partner could list the bank's datasets: {peek.status_code}")
        people = "bank (owner bella), partner (pete, paula), olivia, oscar"
        return f"{people}; the partner listing the bank's data: {peek.status_code}"

    def _import(self, who: str, base: str, spec: dict[str, Any]) -> dict[str, Any]:
        files = {"spec": ("import.json", __import__("json").dumps(spec).encode())}
        item = self.demo.ok(
            "POST", who, f"{base}/imports", data={"dataset": "merchants"}, files=files
        )
        self.demo.work()
        done: dict[str, Any] = self.demo.ok("GET", who, f"{base}/imports/{item['id']}")
        if done["state"] != "succeeded":
            raise DemoFailed(f"import failed: {done.get('message')}")
        return done

    def import_sample(self) -> str:
        source = {"kind": "synthetic", "rows": self.size, "profile": "credit", "seed": 7}
        self._import("pete", PARTNER_SANDBOX, {"source": source, "entity_key": "merchant_id"})
        versions = self.demo.ok("GET", "pete", f"{PARTNER_SANDBOX}/datasets/merchants")
        self.facts["sample_rows"] = versions[0]["rows"]
        columns = versions[0]["columns"]
        treated = [c["name"] for c in columns if c["classification"] == "identifier"]
        return f"{versions[0]['rows']} rows; identifiers treated: {', '.join(treated)}"

    def import_full(self) -> str:
        source = {"kind": "synthetic", "rows": self.size, "profile": "credit", "seed": 11}
        self._import("bella", BANK_PRODUCTION, {"source": source, "entity_key": "merchant_id"})
        versions = self.demo.ok("GET", "bella", f"{BANK_PRODUCTION}/datasets/merchants")
        self.facts["production_rows"] = versions[0]["rows"]
        # the bank shares this one dataset with the partner's people: read and target it
        for action in ("read", "promote"):
            rule = {
                "role": "partner",
                "tenant": "bank",
                "obj": "production/datasets/merchants",
                "action": action,
                "effect": "allow",
            }
            self.demo.ok("POST", ADMIN, "/v1/policy/rules", json=rule)
        for who in ("pete", "paula"):
            self.demo.ok(
                "POST", ADMIN, "/v1/tenants/bank/roles", json={"subject": who, "role": "partner"}
            )
        return f"{versions[0]['rows']} rows with the bank; shared with the partner: merchants only"

    def train(self) -> str:
        bundle = {"bundle": ("train.zip", training_bundle())}
        job = self.demo.submit("pete", "partner", "sandbox", training_spec(), **bundle)
        if job["state"] != "succeeded":
            raise DemoFailed(f"training failed: {job['status']}: {job['message']}")
        metrics = self.demo.ok("GET", "pete", f"{PARTNER_SANDBOX}/models/gbm/versions/1/metrics")
        card = self.demo.ok("GET", "pete", f"{PARTNER_SANDBOX}/models/card/versions/1")
        return (
            f"gbm (lightgbm) AUC {metrics.get('gbm_auc', 0):.3f} "
            f"KS {metrics.get('gbm_ks', 0):.3f}; "
            f"card ({card['flavour']}) registered"
        )

    def promote(self) -> str:
        body = {
            "dataset_tenant": "bank",
            "dataset": "merchants",
            "purpose": "score the bank's merchants for credit lines",
        }
        request = self.demo.ok(
            "POST", "pete", f"{PARTNER_SANDBOX}/models/gbm/versions/1/promotions", json=body
        )
        self.facts["promotion"] = request["id"]
        own = self.demo.call(
            "POST",
            "pete",
            f"/v1/promotions/{request['id']}/review",
            json={"decision": "approve", "comment": "looks fine to me"},
        )
        if own.status_code != 403:
            raise DemoFailed(f"the requester's approval was not refused: {own.status_code}")
        gates = ", ".join(g["gate"] for g in request["gates"] if g["passed"])
        return f"request {request['id']}, gates passed: {gates}; requester's approval: 403"

    def approve(self) -> str:
        body = {"decision": "approve", "comment": "gates, lineage and purpose checked"}
        done = self.demo.ok(
            "POST", "olivia", f"/v1/promotions/{self.facts['promotion']}/review", json=body
        )
        deployed = self.demo.ok("GET", "pete", f"{PARTNER_PRODUCTION}/deployments/gbm")[0]
        self.facts["deployment"] = deployed["id"]
        key = deployed["key_id"][:16]
        return f"{done['state']}; deployment {deployed['id']} v{deployed['version']}, key {key}"

    def score(self) -> str:
        spec = {
            "name": "score-merchants",
            "zone": "production",
            "engine": "score",
            "model": {"name": "gbm"},
            "inputs": {"merchants": {"dataset": "merchants", "tenant": "bank"}},
            "score": {
                "key": "merchant_id",
                "label": "default",
                "edges": [0.05, 0.1, 0.2, 0.4],
                "cutoff": 0.2,
            },
        }
        job = self.demo.submit("paula", "partner", "production", spec)
        if job["state"] != "succeeded":
            raise DemoFailed(f"scoring failed: {job['status']}: {job['message']}")
        self.facts["score_job"] = job["id"]
        scores, bands = job["outputs"]["scores"], job["outputs"]["bands"]
        hidden = self.demo.call("GET", "paula", f"{BANK_PRODUCTION}/datasets/{scores['dataset']}")
        if hidden.status_code not in (403, 404):
            raise DemoFailed("the partner could see the bank's row-level scores")
        return (
            f"{job['model']['rows']} rows by {job['model']['runner']}; scores -> "
            f"{scores['tenant']} ({scores['disposition']}); bands -> {bands['tenant']} "
            f"({bands['disposition']}); partner's look at the rows: {hidden.status_code}"
        )

    def monitor(self) -> str:
        base = f"{PARTNER_PRODUCTION}/deployments/gbm/monitoring"
        asked = self.demo.ok("POST", "paula", f"{base}/runs")
        self.demo.work()  # the worker runs it: the API never reads the data
        run = self.demo.ok("GET", "pete", f"{base}/runs/{asked['id']}")
        if run["state"] != "succeeded":
            raise DemoFailed(f"monitoring run {run['id']} {run['state']}: {run['message']}")
        drift = max(run["features"], key=lambda f: f["psi"], default=None)
        table = Table("feature", "PSI")
        for feature in sorted(run["features"], key=lambda f: -f["psi"])[:5]:
            table.add_row(feature["name"], f"{feature['psi']:.4f}")
        self.console.print(table)
        largest = f"largest feature PSI {drift['psi']:.3f} ({drift['name']})" if drift else ""
        quality = (
            f", AUC {run['auc']:.3f}, KS {run['ks']:.3f} on {run['labelled']} outcomes"
            if run["auc"] is not None
            else ""
        )
        why = "; ".join(r["message"] for r in run["reasons"])
        return (
            f"status {run['status']}" + (f" ({why})" if why else "") + ": score PSI "
            f"{run['score_psi']:.3f}, {largest}{quality}; plots {', '.join(run['plots'])}"
        )

    def release(self) -> str:
        ask = {"job_id": self.facts["score_job"], "outputs": ["bands"], "purpose": "partner report"}
        request = self.demo.ok("POST", "paula", f"{PARTNER_PRODUCTION}/releases", json=ask)
        review = f"/v1/zones/production/releases/{request['id']}/review"
        for who in ("olivia", "oscar"):
            self.demo.ok(
                "POST",
                who,
                review,
                json={"decision": "approve", "comment": "bands of 10 or more, rounded"},
            )
        url = f"{PARTNER_PRODUCTION}/jobs/{self.facts['score_job']}/outputs/bands"
        rows = self.demo.ok("GET", "paula", url)["rows"]
        self.facts["bands"] = rows
        table = Table("band", "from", "to", "records", "approval rate", "bad rate")
        for r in rows:
            table.add_row(
                str(r["band"]),
                _num(r["score_from"]),
                _num(r["score_to"]),
                _num(r["record_count"]),
                _num(r.get("approval_rate")),
                _num(r.get("bad_rate")),
            )
        self.console.print(table)
        return f"released after 2 approvals: {len(rows)} bands"

    def verify(self) -> str:
        with self.demo.lab.read() as session:
            report = verify(session.connection(), self.demo.lab.audit_public_key)
        if not report.ok:
            raise DemoFailed(f"audit chain broken at {report.first_bad_seq}: {report.problem}")
        return f"chain intact: {report.events_checked} events"

    def destroy(self) -> str:
        """The scheduler's destruction run, as it will run on the day the sample is due:
        the demo moves the run's clock, not the sample's date."""
        versions = self.demo.ok("GET", "paula", f"{PARTNER_SANDBOX}/datasets/merchants")
        due = min(datetime.fromisoformat(v["destroy_at"]) for v in versions if v["destroy_at"])
        report = Housekeeper(self.demo.lab).run_once(now=due + timedelta(seconds=1))
        if report is None or report.failed:
            raise DemoFailed(f"the scheduled destruction run failed: {report}")
        left = self.demo.call("GET", "paula", f"{PARTNER_SANDBOX}/datasets/merchants/versions/1")
        if left.status_code == 200 and left.json().get("state") != "destroyed":
            raise DemoFailed("the sample outlived its destroy-at date")
        receipts = self.demo.ok("GET", "paula", "/v1/receipts", params={"tenant": "partner"})
        items = receipts.get("items", receipts) if isinstance(receipts, dict) else receipts
        return (
            f"the scheduler's run on {due:%Y-%m-%d} (the sample's destroy-at) destroyed "
            f"{len(report.destroyed)} version(s); receipts for partner: {len(items)}"
        )


def _num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def summary(steps: list[Step]) -> Table:
    table = Table("#", "step", "result", "proves", "s", title="lab demo: summary")
    for i, s in enumerate(steps, 1):
        result = "[yellow]skipped[/]" if s.skipped else s.result
        table.add_row(str(i), s.title, result, s.proves, f"{s.seconds:.1f}")
    return table
