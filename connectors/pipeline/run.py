"""An import run: the output batches of a plan applied to a source (see the package doc)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from connectors.errors import SinglePassMissed, SourceError
from connectors.kanon import ClassCounter, KReport, Suppressor
from connectors.operators import Operator, OperatorContext, build_operator
from connectors.operators.hierarchy import level_outputs
from connectors.operators.registry import get_operator
from connectors.pipeline.first_pass import FirstPass
from connectors.pipeline.keys import Keys
from connectors.pipeline.names import known_names
from connectors.readahead import ReadAhead
from connectors.report import NO_ROWS, ImportPlan, ImportReport, import_report
from connectors.residual import ResidualScan, verdict
from connectors.sources.base import Source, check_column_names

BATCH_ROWS = 65_536
ROW_NUMBER = "__row_number__"
Chains = dict[str, list[Operator[Any]]]


class _Produced:
    """The stream's mark that every output batch is out and only the verdict is left."""


PRODUCED = _Produced()
Item = tuple[pa.RecordBatch | _Produced | None, int]


class ImportRun(Iterator[pa.RecordBatch]):
    """The output batches of an import, in source order; `schema` is known before the first
    batch, `report` once the last has been taken. Single use; `close()` (or leaving a `with`
    block) abandons it. With `prefetch` > 0 the next batches are prepared in a background
    thread while the caller writes; `progress` is still called on the caller's thread.
    The last `next()` runs the residual scan's verdict (connectors.residual): it raises
    instead of ending when PII is left, so a writer never commits what it wrote. Within that
    `next()`, once every batch is out and while the scan's last work and comparison run,
    `on_produced` (if given) is called on the caller's thread: the caller's own work on the
    complete output (the re-identification estimate) overlaps the scan's."""

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
        on_produced: Callable[[], None] | None = None,
    ) -> None:
        self.source, self.plan = source, plan
        self._on_produced = on_produced
        self._context = OperatorContext(
            pseudonym_key=keys.pseudonym, surrogate_key=keys.surrogate, k=plan.k
        )
        self._progress = progress
        self._batch_rows = batch_rows
        self._prefetch = prefetch
        self._report: ImportReport | None = None
        types = source.schema()
        check_column_names(types.names)
        row_number = ROW_NUMBER
        while row_number in types.names:
            row_number += "_"
        self._kept = [c.column for c in plan.columns if c.operator != "drop"]
        observing = [
            c.column
            for c in plan.columns
            if c.operator != "drop" and get_operator(c.operator).observes
        ]
        self._first = FirstPass(
            source, plan, self._operator, observing, batch_rows=batch_rows, row_number=row_number
        )
        self.schema = pa.schema(
            [(c, self._operator(c).output_type(types.field(c).type)) for c in self._kept]
        )
        self._residual = ResidualScan(plan, self.schema)
        self.single_pass = single_pass and self._single_pass_possible()
        run = self._run_single if self.single_pass else self._run
        self._stream: Iterator[Item] = self._guarded(run())
        if prefetch > 0:
            self._stream = ReadAhead(self._stream, prefetch)

    def __iter__(self) -> ImportRun:
        return self

    def __next__(self) -> pa.RecordBatch:
        while True:
            batch, rows_read = next(self._stream)
            if isinstance(batch, _Produced):
                if self._on_produced is not None:
                    self._on_produced()
                continue
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
        self._residual.close()

    @property
    def report(self) -> ImportReport:
        if self._report is None:
            raise RuntimeError("the import has not finished: take every batch first")
        return self._report

    def _guarded(self, items: Iterator[Item]) -> Iterator[Item]:
        """`items`, stopping the residual scan's thread if they fail or are abandoned."""
        try:
            yield from items
        except BaseException:
            self._residual.close()
            raise

    def _operator(self, column: str, params: Any = None) -> Operator[Any]:
        planned = self.plan.column(column)
        chosen = planned.params if params is None else params
        return build_operator(planned.operator, chosen, self._context)

    def _learn_names(self) -> float:
        """The import's own names for the scrubber (pipeline.names); the seconds it took."""
        tick = time.perf_counter()
        names = known_names(self.source, self.plan, self._batch_rows)
        if names is not None:
            self._context = dataclasses.replace(self._context, known_names=names)
        return time.perf_counter() - tick

    def _output(
        self,
        batch: pa.RecordBatch,
        chains: Chains,
        seconds: dict[str, float],
        suppressor: Suppressor,
        qis: list[str],
        done: dict[str, pa.Array] | None = None,
    ) -> pa.RecordBatch:
        """The batch through every column's operators (but the columns `done` already),
        suppressed rows dropped, shown to the residual scan."""
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
        self._residual.same_rows(batch, outputs)
        result = pa.RecordBatch.from_arrays(list(outputs.values()), schema=self.schema)
        keep = suppressor.keep_mask([outputs[c] for c in qis])
        result = result if keep is None else result.filter(keep)
        self._residual.output(result)
        return result

    def _reading(self) -> Iterator[pa.RecordBatch]:
        """The source's batches for the writing pass. With prefetch, reading and parsing
        (Arrow, mostly without the GIL) run one stage ahead of the operators, which run
        ahead of the caller's writing."""
        batches = self.source.batches(self._batch_rows)
        return ReadAhead(batches, self._prefetch) if self._prefetch > 0 else batches

    def _single_pass_possible(self) -> bool:
        """No sample to draw first, no quasi-identifier that is also observed, and only
        observers that can check themselves afterwards."""
        observed = set(self._first.observing)
        return (
            self.plan.sample is None
            and not observed & set(self.plan.quasi_identifiers)
            and all(get_operator(self.plan.column(c).operator).single_pass for c in observed)
        )

    def _finish(
        self,
        rows: tuple[int, int, int],
        chains: Chains,
        seconds: dict[str, float],
        k_report: KReport,
        timing: dict[str, float],
        passes: int,
    ) -> None:
        """The residual scan's verdict (raises when PII is left), then the report."""
        results = self._residual.finish(chains)
        verdict(self.plan, results)
        timing["residual_scan"] = self._residual.seconds
        timing["residual_wait"] = self._residual.waited
        residual = {column: scan.summary() for column, scan in results.items()}
        self._report = import_report(
            self.plan, rows, chains, seconds, k_report, timing, passes=passes, residual=residual
        )

    def _run_single(self) -> Iterator[Item]:
        """One pass: each batch is counted for k-anonymity (every level), shown to the
        observers, and written at level 0; the decision at the end must agree."""
        started = time.perf_counter()
        names_seconds = self._learn_names()
        qis = list(self.plan.quasi_identifiers)
        hierarchies = {c: self._first.hierarchy(c) for c in qis}
        observers = {c: self._operator(c) for c in self._first.observing}
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
                self._residual.raw(batch)
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
            decision = self._first.decide(counter, hierarchies)
            if any(decision.levels) or decision.suppressed:
                raise SinglePassMissed("k-anonymity needs coarser levels or suppression")
            k_report = decision.report
        if not all(observer.observed_consistently() for observer in observers.values()):
            raise SinglePassMissed("a fake given early is a real value further on")
        timing = {"known_names": names_seconds, "first_pass": 0.0}
        timing["total"] = time.perf_counter() - started
        yield PRODUCED, rows_in
        self._finish((rows_in, rows_in, rows_in), chains, seconds, k_report, timing, passes=1)

    def _run(self) -> Iterator[Item]:
        """(output batch or None, source rows read so far), batch after batch."""
        started = time.perf_counter()
        names_seconds = self._learn_names()
        plan, qis = self.plan, list(self.plan.quasi_identifiers)
        first = self._first.run()
        first_seconds = time.perf_counter() - started - names_seconds
        chains = {c: first.chains.get(c) or [self._operator(c)] for c in self._kept}
        seconds = dict.fromkeys(chains, 0.0)
        rows_in = rows_selected = rows_out = 0
        reading = self._reading()
        try:
            for batch in reading:
                start, rows_in = rows_in, rows_in + batch.num_rows
                self._residual.raw(batch)  # every row read: a raw value outside the sample too
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
        timing = {"known_names": names_seconds, "first_pass": first_seconds}
        timing["total"] = time.perf_counter() - started
        yield PRODUCED, rows_in
        self._finish((rows_in, rows_selected, rows_out), chains, seconds, k_report, timing, 2)


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
    on_produced: Callable[[], None] | None = None,
) -> ImportRun:
    """The output batches of `plan` applied to `source` (see ImportRun). `progress` is called
    after each batch with the number of source rows read so far in the writing pass;
    `prefetch`: batches prepared ahead in a background thread (0: none, all in the caller's
    thread). `single_pass`: read the source once when the plan allows it, betting that
    k-anonymity holds at level 0 with nothing suppressed; a lost bet raises SinglePassMissed
    after the last batch, and the caller must discard every batch and run again without.
    `on_produced`: see ImportRun."""
    return ImportRun(
        source, plan, keys, progress=progress, batch_rows=batch_rows, prefetch=prefetch,
        single_pass=single_pass, on_produced=on_produced,
    )  # fmt: skip
