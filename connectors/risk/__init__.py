"""Re-identification risk of an import's output, beyond its declared quasi-identifiers.

k-anonymity (connectors.kanon) protects the quasi-identifiers an import declares or the
classifier finds. An attacker is not bound by that list: an untouched industry column, or an
exact monthly sales figure, can single a record out as surely as a birth date. This package
measures that on what is actually stored, the way ARX and sdcMicro do (prosecutor model:
the attacker knows the target is in the data and knows its candidate quasi-identifiers):

- `candidates`: which output columns an attacker could know, judged by what the values are
  (few distinct values, dates, places, exact amounts); pseudonyms and free text are not;
- `classes`: each record's equivalence class over a set of columns, as uint64 hashes
  counted with numpy (memory ~ rows of the sample, not values);
- `reservoir`: a uniform sample of the output batches (at most 200,000 rows);
- `combinations`: the small column sets (1 to 3 columns) that make records unique, a
  bounded SUDA-like search for minimal sample uniques;
- `estimate`: `RiskEstimator`, fed the output batches, and its `RiskReport`;
- `recommend`: per-column operators, found greedily, that bring the unique share under a
  threshold, as an import spec fragment;
- `verdict`: the zone's rule applied to a report (warn, generalize, refuse) and its message.
"""

from __future__ import annotations

from connectors.risk.estimate import RiskEstimator, RiskReport, measure
from connectors.risk.recommend import Recommendation, recommend

__all__ = ["Recommendation", "RiskEstimator", "RiskReport", "measure", "recommend"]
