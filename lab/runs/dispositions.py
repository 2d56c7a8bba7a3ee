"""What becomes of a gated output: kept in the zone, sent to review, or released.

- `kept`: stays in the zone as a dataset and can never be released: highly_sensitive; a
  blocking finding (row-level SQL output, identifier values, ...); a zone that lets no
  aggregate leave. In production such outputs are stored with the data owner.
- `released`: only a SQL output the lineage proved aggregate, in a zone whose
  `egress.aggregates` is `auto`, with no finding that asks for a person (and only where the
  lab has a release service to record it).
- `review`: everything else that passed the gate. A Python or Spark output cannot be proved
  aggregate, so it never leaves without a reviewer, who sees the gate's findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jobs.gate import GateResult
from jobs.lineage import QueryLineage
from lab.zones.rules import ZoneRules

Disposition = Literal["kept", "review", "released"]


@dataclass(frozen=True)
class Decision:
    disposition: Disposition
    reason: str


def decide(
    gate: GateResult,
    *,
    sensitivity: str,
    engine: str,
    rules: ZoneRules,
    lineage: QueryLineage | None = None,
) -> Decision:
    """The disposition of one output, with the reason in words for its author and reviewer."""
    if sensitivity == "highly_sensitive":
        return Decision("kept", "highly_sensitive: it stays in the zone and never leaves")
    if gate.lineage == "row_level":
        return Decision("kept", _row_level_reason(lineage, rules))
    if not gate.allowed:
        blocking = sorted({f.rule for f in gate.findings if f.severity == "block"})
        return Decision(
            "kept", f"blocked by the gate ({', '.join(blocking)}): it stays in the zone"
        )
    if rules.egress.aggregates == "none":
        return Decision(
            "kept", "the zone lets no output leave (egress.aggregates: none): it stays there"
        )
    if not gate.proved_aggregate:
        return Decision(
            "review",
            f"a {engine} output cannot be proved aggregate: it never leaves without review; "
            "the gate's findings go to the reviewer of its release request",
        )
    if rules.egress.aggregates != "auto":
        return Decision(
            "review",
            "proved aggregate by its SQL lineage and suppressed by the lab's own counts; "
            "the zone releases aggregates through a reviewed release request",
        )
    if gate.needs_review:
        asking = sorted({f.rule for f in gate.findings if f.severity == "review"})
        return Decision(
            "review",
            f"proved aggregate, but findings ask for a person ({', '.join(asking)}): it "
            "leaves only through a reviewed release request",
        )
    return Decision(
        "released",
        "proved aggregate by its SQL lineage, suppressed and rounded by the lab's own counts, "
        "no finding asks for a person: released without review (egress.aggregates: auto)",
    )


def _row_level_reason(lineage: QueryLineage | None, rules: ZoneRules) -> str:
    columns = lineage.row_level_columns() if lineage is not None else ()
    if columns:
        what = "row-level: " + "; ".join(f"column {c.name} {c.reason}" for c in columns)
    else:
        what = "row-level: " + (lineage.reason if lineage is not None else "not proved aggregate")
    if rules.egress.row_level == "owner":
        return f"{what}. Row-level results go only to the data owner's own datasets"
    return f"{what}. No row-level output leaves this zone (egress.row_level: none)"
