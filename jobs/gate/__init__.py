"""The disclosure gate: the one place every output crosses on its way out of a job.

`check_output` applies a zone's `GateRules` through the checks registered in
`jobs.gate.checks` (one per module) and returns a `GateResult` whose findings each name the
output, the rule, the column and row, and (where it is safe to) the value, so that the
author can fix it. The gate judges what an output is: by the SQL query's lineage and the
lab's own contributor counts where it has them, by its values against the job's inputs
(`jobs.gate.probe`) always, by column names only as a fallback for outputs without lineage.
`GateResult.lineage` says whether the output was proved aggregate.
"""

from jobs.gate.gate import check_output
from jobs.gate.model import Finding, GateResult, GateRules, Severity

__all__ = ["Finding", "GateResult", "GateRules", "Severity", "check_output"]
