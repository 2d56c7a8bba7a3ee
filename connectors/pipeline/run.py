"""The import pipeline: scan a sample, plan per column, then stream the data through the
operators in one or two passes, memory-flat.

    plan = plan_import(source, spec, k=zone_k)            # reportable before running
    run = run_import(source, plan, keys)                   # an iterator of output batches
    for batch in run: writer.write_batch(batch)            # the caller encrypts and writes
    run.report                                             # once the iterator is exhausted

The plan: connectors.report.plan_import, re-exported here. Pass 1 (only when needed): the
sample's row selection, the quasi-identifiers' classes at every generalization level, and
every batch shown to the operators that `observe` (value counts, fakes to avoid);
k-anonymity then decides levels and suppressed classes, or refuses before any row is
yielded. Pass 2: every column through its operator, suppressed rows dropped. Only
free-text columns meet the scrubber; everything else is vectorized.

With `single_pass=True` (and a plan that allows it) both happen in one read: each batch is
counted, observed and written at level 0, and the decision at the end must agree, else
`SinglePassMissed` tells the caller to discard the output and run the two passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from connectors.errors import SinglePassMissed, SourceError
from connectors.kanon import (
    ClassCounter,
    KDecision,
    KPolicy,
    KReport,
    QuasiIdentifier,
    Suppressor,
    anonymize,
)
from connectors.operators import Operator, OperatorContext, build_operator
from connectors.operators.hierarchy import chain_to, hierarchy, level_outputs
from connectors.operators.registry import get_operator
from connectors.readahead import ReadAhead
from connectors.report import (
    NO_ROWS,
    ImportPlan,
    ImportReport,
    import_report,
    plan_import,
)
from connectors.sampling import sample_batches
from connectors.sources.base import Source, check_column_names

BATCH_ROWS = 65_536
ROW_NUMBER = "__row_number__"
__all__ = ["ImportRun", "Keys", "plan_import", "run_import"]


@dataclass(frozen=True)
class Keys:
    """The tenant's desensitization keys, from its key store (never in a spec or report)."""

    pseudonym: bytes = field(repr=False)
    surrogate: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.pseudonym) < 16 or len(self.surrogate) < 16:
            raise ValueError("desensitization keys must be at least 16 bytes")


# ----------------------------------------------------------------------------------- run


@dataclass
class _FirstPass:
    """What pass 1 leaves for pass 2."""

    chains: dict[str, list[Operator[Any]]] = field(default_factory=dict)
    suppressor: Suppressor = field(default_factory=lambda: Suppressor(frozenset()))
    k_report: KReport | None = None
    rows: int | None = None
    selected: np.ndarray[Any, np.dtype[np.bool_]] | None = None


class ImportRun(Iterator[pa.RecordBatch]):
    """The output batches of an import, in source order; `schema` is known before the first
    batch, `report` once the last has been taken. Single use; `close()` (or leaving a `with`
    block) abandons it. With `prefetch` > 0 the next batches are prepared in a background
    thread while the caller writes; `progress` is still called on the caller's thread."""

    def __init__(
        self,
        source: Source,
        plan: ImportPlan,
        keys: Keys,
        *,
        progress: Callable[[int], None] | None = None,
        batch_rows: int = BATCH_ROWS,
        prefetch: int = 2,
        single_pass: bool = False,
    ) -> None:
        self.source, self.plan = source, plan
        self._context = OperatorContext(
            pseudonym_key=keys.pseudonym, surrogate_key=keys.surrogate, k=plan.k
        )
        self._progress = progress
        self._batch_rows = batch_rows
        self._prefetch = prefetch
        self._report: ImportReport | None = None
        self._rows_read = 0
        types = source.schema()
        check_column_names(types.names)
        self._row_number = ROW_NUMBER
        while self._row_number in types.names:
            self._row_number += "_"
        self._kept = [c.column for c in plan.columns if c.operator != "drop"]
        self._observing = [
            c.column
            for c in plan.columns
            if c.operator != "drop" and get_operator(c.operator).observes
        ]
        self.schema = pa.schema(
            [(c, self._operator(c).output_type(types.field(c).type)) for c in self._kept]
        )
        self.single_pass = single_pass and self._single_pass_possible()
        run = self._run_single if self.single_pass else self._run
        self._stream: Iterator[tuple[pa.RecordBatch | None, int]] = run()
        if prefetch > 0:
            self._stream = ReadAhead(self._stream, prefetch)

    def __iter__(self) -> ImportRun:
        return self

    def __next__(self) -> pa.RecordBatch:
        while True:
            batch, rows_read = next(self._stream)
            if self._progress is not None:
                self._progress(rows_read)
            if batch is not None:
                return batch

    def __enter__(self) -> ImportRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops the import where it is (no report)."""
        _close(self._stream)

    @property
    def report(self) -> ImportReport:
        if self._report is None:
            raise RuntimeError("the import has not finished: take every batch first")
        return self._report

    def _operator(self, column: str, params: Any = None) -> Operator[Any]:
        planned = self.plan.column(column)
        chosen = planned.params if params is None else params
        return build_operator(planned.operator, chosen, self._context)

    def _first_pass_columns(self) -> list[str] | None:
        """What pass 1 reads: the quasi-identifiers, the observed columns and the sample's
        strata (every column when it needs none: it still counts rows); the other columns
        are only parsed, pass 2 converts and checks them all."""
        sample = self.plan.sample or {}
        wanted = [*self.plan.quasi_identifiers, *self._observing, sample.get("stratify_by")]
        return list(dict.fromkeys(c for c in wanted if c)) or None

    def _numbered(self) -> Iterator[pa.RecordBatch]:
        start = 0
        for batch in self.source.batches(self._batch_rows, self._first_pass_columns()):
            numbers = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            start = self._rows_read = start + batch.num_rows
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

    def _hierarchy(self, column: str) -> list[Operator[Any]]:
        """The column's generalization levels; none for an operator that observes the column
        first (its classes are counted on raw values and mapped afterwards)."""
        if column in self._observing:
            return []
        return hierarchy(
            self._operator(column),
            lambda params: self._operator(column, params=params),
            self.plan.max_generalization_steps + 1,
        )

    def _decide(
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

    def _first_pass(self) -> _FirstPass:
        plan, qis = self.plan, list(self.plan.quasi_identifiers)
        if not (qis or self._observing or plan.sample):
            return _FirstPass()
        hierarchies = {c: self._hierarchy(c) for c in qis}
        observers = {c: self._operator(c) for c in self._observing}
        counter = ClassCounter([len(hierarchies[c]) or 1 for c in qis])
        chosen: list[np.ndarray[Any, Any]] = []
        for batch in self._selection():
            chosen.append(batch.column(self._row_number).to_numpy())
            for column, observer in observers.items():
                observer.observe(batch.column(column))
            counter.update(
                [level_outputs(batch.column(c), hierarchies[c]) or [batch.column(c)] for c in qis]
            )
        first = _FirstPass(rows=self._rows_read)
        first.chains = {c: [observer] for c, observer in observers.items()}
        if plan.sample is not None:
            first.selected = np.zeros(self._rows_read, dtype=bool)
            first.selected[np.concatenate(chosen) if chosen else []] = True
        if not qis:
            return first
        for i, column in enumerate(qis):
            if not hierarchies[column]:
                dtype = self.source.schema().field(column).type
                hierarchies[column] = first.chains[column]
                counter.remap(i, hierarchies[column][0].apply, dtype)
                hierarchies[column][0].stats.clear()  # counted again as it writes
        decision = self._decide(counter, hierarchies)
        for column, level in zip(qis, decision.levels, strict=True):
            first.chains[column] = chain_to(hierarchies[column], level)
        first.suppressor, first.k_report = Suppressor(decision.suppressed), decision.report
        return first

    def _output(
        self,
        batch: pa.RecordBatch,
        chains: dict[str, list[Operator[Any]]],
        seconds: dict[str, float],
        suppressor: Suppressor,
        qis: list[str],
        done: dict[str, pa.Array] | None = None,
    ) -> pa.RecordBatch:
        """The batch through every column's operators (but the columns `done` already),
        suppressed rows dropped."""
        outputs: dict[str, pa.Array] = {}
        for field_ in self.schema:
            tick = time.perf_counter()
            out = (done or {}).get(field_.name)
            if out is None:
                out = batch.column(field_.name)
                for operator in chains[field_.name]:
                    out = operator.apply(out)
            outputs[field_.name] = out if out.type == field_.type else out.cast(field_.type)
            seconds[field_.name] += time.perf_counter() - tick
        result = pa.RecordBatch.from_arrays(list(outputs.values()), schema=self.schema)
        keep = suppressor.keep_mask([outputs[c] for c in qis])
        return result if keep is None else result.filter(keep)

    def _reading(self) -> Iterator[pa.RecordBatch]:
        """The source's batches for the writing pass. With prefetch, reading and parsing
        (Arrow, mostly without the GIL) run one stage ahead of the operators, which run
        ahead of the caller's writing."""
        batches = self.source.batches(self._batch_rows)
        return ReadAhead(batches, self._prefetch) if self._prefetch > 0 else batches

    def _single_pass_possible(self) -> bool:
        """No sample to draw first, no quasi-identifier that is also observed, and only
        observers that can check themselves afterwards."""
        observed = set(self._observing)
        return (
            self.plan.sample is None
            and not observed & set(self.plan.quasi_identifiers)
            and all(get_operator(self.plan.column(c).operator).single_pass for c in observed)
        )

    def _run_single(self) -> Iterator[tuple[pa.RecordBatch | None, int]]:
        """One pass: each batch is counted for k-anonymity (every level), shown to the
        observers, and written at level 0; the decision at the end must agree."""
        started = time.perf_counter()
        qis = list(self.plan.quasi_identifiers)
        hierarchies = {c: self._hierarchy(c) for c in qis}
        observers = {c: self._operator(c) for c in self._observing}
        counter = ClassCounter([len(hierarchies[c]) for c in qis])
        chains = {
            c: [observers[c]] if c in observers else (hierarchies.get(c) or [self._operator(c)])[:1]
            for c in self._kept
        }
        seconds = dict.fromkeys(chains, 0.0)
        rows_in = 0
        reading = self._reading()
        try:
            for batch in reading:
                rows_in += batch.num_rows
                levels: dict[str, list[pa.Array]] = {}
                for column in qis:
                    tick = time.perf_counter()
                    levels[column] = level_outputs(batch.column(column), hierarchies[column])
                    seconds[column] += time.perf_counter() - tick
                counter.update([levels[c] for c in qis])
                for column, observer in observers.items():
                    observer.observe(batch.column(column))
                done = {c: outputs[0] for c, outputs in levels.items()}
                result = self._output(batch, chains, seconds, Suppressor(frozenset()), qis, done)
                yield (result if result.num_rows else None), rows_in
        finally:
            _close(reading)
        if rows_in == 0:
            raise SourceError(NO_ROWS)
        k_report = KReport.trivial(self.plan.k, self.plan.k_strategy, rows_in)
        if qis:
            decision = self._decide(counter, hierarchies)
            if any(decision.levels) or decision.suppressed:
                raise SinglePassMissed("k-anonymity needs coarser levels or suppression")
            k_report = decision.report
        if not all(observer.observed_consistently() for observer in observers.values()):
            raise SinglePassMissed("a fake given early is a real value further on")
        self._report = import_report(
            self.plan, (rows_in, rows_in, rows_in), chains, seconds, k_report,
            {"first_pass": 0.0, "total": time.perf_counter() - started}, passes=1,
        )  # fmt: skip

    def _run(self) -> Iterator[tuple[pa.RecordBatch | None, int]]:
        """(output batch or None, source rows read so far), batch after batch."""
        started = time.perf_counter()
        plan, qis = self.plan, list(self.plan.quasi_identifiers)
        first = self._first_pass()
        first_seconds = time.perf_counter() - started
        chains = {c: first.chains.get(c) or [self._operator(c)] for c in self._kept}
        seconds = dict.fromkeys(chains, 0.0)
        rows_in = rows_selected = rows_out = 0
        reading = self._reading()
        try:
            for batch in reading:
                start, rows_in = rows_in, rows_in + batch.num_rows
                if first.selected is not None:
                    if rows_in > len(first.selected):
                        raise SourceError("the source changed between passes (it grew)")
                    batch = batch.filter(pa.array(first.selected[start:rows_in]))
                rows_selected += batch.num_rows
                result = self._output(batch, chains, seconds, first.suppressor, qis)
                rows_out += result.num_rows
                yield (result if result.num_rows else None), rows_in
        finally:
            _close(reading)
        if first.rows is not None and first.rows != rows_in:
            raise SourceError(f"the source changed between passes ({first.rows}, {rows_in} rows)")
        if rows_in == 0:
            raise SourceError(NO_ROWS)
        k_report = first.k_report or KReport.trivial(plan.k, plan.k_strategy, rows_out)
        self._report = import_report(
            plan, (rows_in, rows_selected, rows_out), chains, seconds, k_report,
            {"first_pass": first_seconds, "total": time.perf_counter() - started}, passes=2,
        )  # fmt: skip


def _close(items: Iterator[Any]) -> None:
    if isinstance(items, ReadAhead):
        items.close()


def run_import(
    source: Source,
    plan: ImportPlan,
    keys: Keys,
    *,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    prefetch: int = 2,
    single_pass: bool = False,
) -> ImportRun:
    """The output batches of `plan` applied to `source` (see ImportRun). `progress` is called
    after each batch with the number of source rows read so far in the writing pass;
    `prefetch`: batches prepared ahead in a background thread (0: none, all in the caller's
    thread). `single_pass`: read the source once when the plan allows it, betting that
    k-anonymity holds at level 0 with nothing suppressed; a lost bet raises SinglePassMissed
    after the last batch, and the caller must discard every batch and run again without."""
    return ImportRun(
        source, plan, keys, progress=progress, batch_rows=batch_rows, prefetch=prefetch,
        single_pass=single_pass,
    )  # fmt: skip
