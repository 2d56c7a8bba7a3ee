"""The disclosure gate: the one place every output crosses on its way out of a job.

`check_output` applies a zone's `GateRules` through the checks registered in
`jobs.gate.checks` (one per module) and returns a `GateResult` whose findings each name the
output, the rule, the column and row, and the value, so that the author can fix it.
"""

from jobs.gate.gate import check_output
from jobs.gate.model import Finding, GateResult, GateRules, Severity

__all__ = ["Finding", "GateResult", "GateRules", "Severity", "check_output"]
