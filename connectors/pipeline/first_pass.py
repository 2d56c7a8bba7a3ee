"""Pass 1 of an import (only when needed): the sample's row selection, the
quasi-identifiers' classes at every generalization level, and every batch shown to the
operators that `observe`; k-anonymity then decides levels and suppressed classes, or
refuses before any row is yielded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from connectors.kanon import (
    ClassCounter,
    KDecision,
    KPolicy,
    KReport,
    QuasiIdentifier,
    Suppressor,
    anonymize,
)
from connectors.operators import Operator
from connectors.operators.hierarchy import chain_to, hierarchy, level_outputs
from connectors.report import ImportPlan
from connectors.sampling import sample_batches
from connectors.sources.base import Source

MakeOperator = Callable[..., Operator[Any]]
"""(column, params=None) -> the column's operator, at `params` if given."""


@dataclass
class FirstPassResult:
    """What pass 1 leaves for pass 2."""

    chains: dict[str, list[Operator[Any]]] = field(default_factory=dict)
    suppressor: Suppressor = field(default_factory=lambda: Suppressor(frozenset()))
    k_report: KReport | None = None
    rows: int | None = None
    selected: np.ndarray[Any, np.dtype[np.bool_]] | None = None


class FirstPass:
    """Pass 1 over `source` for `plan`; also the k-anonymity helpers the single pass uses."""

    def __init__(
        self,
        source: Source,
        plan: ImportPlan,
        operator: MakeOperator,
        observing: list[str],
        *,
        batch_rows: int,
        row_number: str,
    ) -> None:
        self.source, self.plan, self._operator = source, plan, operator
        self.observing = observing
        self._batch_rows = batch_rows
        self._row_number = row_number
        self.rows_read = 0
        self._unsampled: dict[str, Operator[Any]] = {}

    def columns(self) -> list[str] | None:
        """What pass 1 reads: the quasi-identifiers, the observed columns and the sample's
        strata (every column when it needs none: it still counts rows); the other columns
        are only parsed, pass 2 converts and checks them all."""
        sample = self.plan.sample or {}
        wanted = [*self.plan.quasi_identifiers, *self.observing, sample.get("stratify_by")]
        return list(dict.fromkeys(c for c in wanted if c)) or None

    def _numbered(self) -> Iterator[pa.RecordBatch]:
        start = 0
        for batch in self.source.batches(self._batch_rows, self.columns()):
            numbers = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            start = self.rows_read = start + batch.num_rows
            for column, observer in self._unsampled.items():
                observer.observe(batch.column(column))
            yield batch.append_column(self._row_number, numbers)

    def _selection(self) -> Iterator[pa.RecordBatch]:
        sample = self.plan.sample
        if sample is None:
            return self._numbered()
        return sample_batches(
            self._numbered,
            n=sample["n"],
            fraction=sample["fraction"],
            stratify_by=sample["stratify_by"],
            seed=sample["seed"],
        )

    def hierarchy(self, column: str) -> list[Operator[Any]]:
        """The column's generalization levels; none for an operator that observes the column
        first (its classes are counted on raw values and mapped afterwards)."""
        if column in self.observing:
            return []
        return hierarchy(
            self._operator(column),
            lambda params: self._operator(column, params=params),
            self.plan.max_generalization_steps + 1,
        )

    def decide(
        self, counter: ClassCounter, hierarchies: dict[str, list[Operator[Any]]]
    ) -> KDecision:
        plan = self.plan
        policy = KPolicy(
            k=plan.k,
            strategy=plan.k_strategy,
            max_suppressed_share=plan.max_suppressed_share,
            max_steps=plan.max_generalization_steps,
            suppression_tolerance=plan.suppression_tolerance,
        )
        quasi = [
            QuasiIdentifier(c, tuple(op.label() for op in hierarchies[c]))
            for c in plan.quasi_identifiers
        ]
        return anonymize(counter, quasi, policy)

    def run(self) -> FirstPassResult:
        plan, qis = self.plan, list(self.plan.quasi_identifiers)
        if not (qis or self.observing or plan.sample):
            return FirstPassResult()
        hierarchies = {c: self.hierarchy(c) for c in qis}
        observers = {c: self._operator(c) for c in self.observing}
        self._unsampled = {c: o for c, o in observers.items() if o.observes_unsampled}
        counter = ClassCounter([len(hierarchies[c]) or 1 for c in qis])
        chosen: list[np.ndarray[Any, Any]] = []
        for batch in self._selection():
            chosen.append(batch.column(self._row_number).to_numpy())
            for column, observer in observers.items():
                if column not in self._unsampled:
                    observer.observe(batch.column(column))
            counter.update(
                [level_outputs(batch.column(c), hierarchies[c]) or [batch.column(c)] for c in qis]
            )
        first = FirstPassResult(rows=self.rows_read)
        first.chains = {c: [observer] for c, observer in observers.items()}
        if plan.sample is not None:
            first.selected = np.zeros(self.rows_read, dtype=bool)
            first.selected[np.concatenate(chosen) if chosen else []] = True
        if not qis:
            return first
        for i, column in enumerate(qis):
            if not hierarchies[column]:
                dtype = self.source.schema().field(column).type
                hierarchies[column] = first.chains[column]
                counter.remap(i, hierarchies[column][0].apply, dtype)
                hierarchies[column][0].stats.clear()  # counted again as it writes
        decision = self.decide(counter, hierarchies)
        for column, level in zip(qis, decision.levels, strict=True):
            first.chains[column] = chain_to(hierarchies[column], level)
        first.suppressor, first.k_report = Suppressor(decision.suppressed), decision.report
        return first
