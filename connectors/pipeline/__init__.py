"""The import pipeline: scan a sample, plan per column, then stream the data through the
operators in one or two passes, memory-flat, and check what leaves before it is kept.

    plan = plan_import(source, spec, k=zone_k)            # reportable before running
    run = run_import(source, plan, keys)                   # an iterator of output batches
    for batch in run: writer.write_batch(batch)            # the caller encrypts and writes
    run.report                                             # once the iterator is exhausted

The plan: connectors.report.plan_import, re-exported here. The import's own names
(names.py): when the plan scrubs free text and has a person-name column, that column's
values are read first and given to the scrubber. Pass 1 (first_pass.py, only when needed):
the sample's row selection, the quasi-identifiers' classes at every generalization level,
and every batch shown to the operators that `observe`; k-anonymity then decides levels and
suppressed classes, or refuses before any row is yielded. Pass 2 (run.py): every column
through its operator, suppressed rows dropped. Only free-text columns meet the scrubber;
everything else is vectorized. The residual scan (connectors.residual) sees every raw batch
and every output batch, and after the last one fails the run, or asks for unclean free-text
columns to be dropped, instead of ending it.

With `single_pass=True` (and a plan that allows it) both passes happen in one read: each
batch is counted, observed and written at level 0, and the decision at the end must agree,
else `SinglePassMissed` tells the caller to discard the output and run the two passes.
"""

from __future__ import annotations

from connectors.pipeline.keys import Keys
from connectors.pipeline.run import BATCH_ROWS, ROW_NUMBER, ImportRun, run_import
from connectors.report import plan_import

__all__ = ["BATCH_ROWS", "ROW_NUMBER", "ImportRun", "Keys", "plan_import", "run_import"]
