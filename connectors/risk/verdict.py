"""A zone's re-identification rule applied to an estimate, in words a user can act on.

The rule is a maximum share of sample-unique records and an action: `warn` (the import
succeeds and its report says so, with the recommended spec), `generalize` (the import applies
the recommended spec and reports before and after) or `refuse` (the import fails naming the
combination and the share). The caller applies the action; this module only words it.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from connectors.errors import PrivacyError
from connectors.risk.candidates import NEARLY_UNIQUE
from connectors.risk.estimate import RiskReport
from connectors.risk.recommend import Recommendation

Action = Literal["warn", "generalize", "refuse"]


def percent(share: float) -> str:
    """12.0%, 0.3%, 0.02%: enough digits to tell a small share from none."""
    if share == 0:
        return "0%"
    digits = 1 if share >= 0.001 else 2
    return f"{share * 100:.{digits}f}%" if share >= 0.0001 else "<0.01%"


def _where(report: RiskReport) -> str:
    if report.sampled:
        return f" (in a uniform sample of {report.sample_rows:,} of {report.rows:,} rows)"
    return f" (all {report.rows:,} rows)"


def finding(report: RiskReport) -> str:
    """The headline: the unique share, on which columns, and the small combination that
    makes the most records unique when it is not all of them."""
    if not report.candidates:
        return "no candidate quasi-identifiers in the output: no record can be singled out"
    share = percent(report.unique_share)
    top = report.combinations[0] if report.combinations else None
    if top is not None and top["columns"] == report.candidate_columns:
        return f"{share} of records are unique on {label(top['columns'])}{_where(report)}"
    text = (
        f"{share} of records are unique on their candidate quasi-identifiers "
        f"{label(report.candidate_columns)}{_where(report)}"
    )
    if top is not None:
        text += f"; {label(top['columns'])} alone makes {percent(top['unique_share'])} unique"
    return text


def kept_identifiers(report: RiskReport) -> str:
    """A word on text columns kept as they are whose values are nearly all distinct: not
    counted (they may be an upstream pseudonym), but a raw identifier there would single
    out every record."""
    columns = [e["column"] for e in report.excluded if e["reason"] == NEARLY_UNIQUE]
    if not columns:
        return ""
    return (
        f"; not counted: {label(columns)} kept as is with nearly every value distinct — if "
        "it identifies anyone, pseudonymize or drop it"
    )


def label(columns: list[str]) -> str:
    return "(" + ", ".join(columns) + ")"


def recommendation_text(rec: Recommendation | None) -> str:
    if rec is None or not rec.spec:
        return "no change to the kept columns lowers it; drop or declare the columns named"
    reached = "" if rec.reached else f" (still above the {percent(rec.threshold)} limit)"
    return (
        f"the recommended spec brings it to {percent(rec.unique_share_after)}{reached}: "
        "paste its columns into your import spec"
    )


def judge(
    report: RiskReport,
    rec: Recommendation | None,
    *,
    zone: str,
    max_unique_share: float,
    action: Action,
) -> dict[str, Any]:
    """The verdict a report carries: the rule, whether the output is over it, the message."""
    over = report.unique_share > max_unique_share
    message = finding(report)
    if over:
        message += (
            f" — above the {zone} zone's limit of {percent(max_unique_share)}; "
            + recommendation_text(rec)
        )
    message += kept_identifiers(report)
    return {
        "zone": zone,
        "max_unique_share": max_unique_share,
        "action": action,
        "over_limit": over,
        "message": message,
    }


def refusal(
    report: RiskReport, rec: Recommendation | None, *, zone: str, max_unique_share: float
) -> PrivacyError:
    """The error that refuses an import over the limit (nothing is written)."""
    fragment = f" {json.dumps(rec.spec, ensure_ascii=False)}" if rec and rec.spec else ""
    return PrivacyError(
        f"re-identification risk above the {zone} zone's limit of {percent(max_unique_share)}: "
        f"{finding(report)}; nothing was imported; {recommendation_text(rec)}"
        + (f":{fragment}" if fragment else "")
    )
