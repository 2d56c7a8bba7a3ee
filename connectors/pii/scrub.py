"""Free-text scrubbing: PII found inside sentences is replaced, doubt is counted.

For the few free-text columns (remarks, notes). Each distinct cell goes through the analyzer
(Presidio + ours, overlaps merged); finds scoring at least `score_threshold` are replaced by
`<ENTITY>` or by what `replace(entity, text)` returns (e.g. a keyed pseudonym). A cell is
"unsure" when PII may remain that could not be removed with confidence:
- a find scored between `unsure_threshold` and `score_threshold` (e.g. a name with no label
  or title around it) and was left in place;
- the second pass - our fast patterns (names aside) over the scrubbed text, outside the
  replaced spans - still finds something;
- a run of ten or more digits survives (an account or ID number no validator accepted).
The caller decides what to do with unsure cells (the lab drops such a column by default).

Names known from elsewhere (`known_names`, e.g. the values of the import's name columns) are
replaced as PERSON wherever they occur, context or not (known_names.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa
from presidio_analyzer import AnalyzerEngine, RecognizerResult

from connectors.errors import SpecError
from connectors.pii.entities import PERSON
from connectors.pii.fastscan import LONG_DIGITS, scan_text
from connectors.pii.known_names import KnownNames
from connectors.pii.merge import merge_overlaps

Replacement = Callable[[str, str], str]
"""(entity, original text) -> the text to put in its place."""


@dataclass(frozen=True)
class ScrubResult:
    values: pa.Array  # the scrubbed cells, nulls kept
    replaced: dict[str, int]  # spans replaced per entity
    unsure_cells: int  # cells where PII may remain
    cells: int  # non-null cells scanned


def placeholder(entity: str, _text: str) -> str:
    """The default replacement: `<ENTITY>`."""
    return f"<{entity}>"


@dataclass(frozen=True)
class _Cell:
    text: str
    replaced: tuple[str, ...]
    unsure: bool


def _outside(start: int, end: int, kept: list[tuple[int, int]]) -> bool:
    return all(end <= a or start >= b for a, b in kept)


def _scrub_one(
    text: str,
    analyzer: AnalyzerEngine,
    language: str,
    replace: Replacement,
    score_threshold: float,
    unsure_threshold: float,
    known_names: KnownNames | None,
) -> _Cell:
    results = analyzer.analyze(text, language=language)
    if known_names:
        known = [RecognizerResult(PERSON, start, end, 1.0) for start, end in known_names.find(text)]
        if known:
            results = merge_overlaps([*results, *known])
    results = sorted(results, key=lambda r: r.start)
    sure = [r for r in results if r.score >= score_threshold]
    unsure = any(unsure_threshold <= r.score < score_threshold for r in results)
    pieces: list[str] = []
    new_spans: list[tuple[int, int]] = []
    at = length = 0
    for result in sure:
        if result.start < at:  # merged results never overlap; guard anyway
            continue
        pieces.append(text[at : result.start])
        length += result.start - at
        substitute = replace(result.entity_type, text[result.start : result.end])
        pieces.append(substitute)
        new_spans.append((length, length + len(substitute)))
        length += len(substitute)
        at = result.end
    pieces.append(text[at:])
    scrubbed = "".join(pieces)
    if not unsure:
        # Names are not looked for again: the analyzer looked for them with the word
        # segmentation, which overrules the bare rules ("客户满意" names nobody).
        unsure = any(
            _outside(f.start, f.end, new_spans)
            for f in scan_text(scrubbed, min_score=unsure_threshold, skip=(PERSON,))
        ) or any(_outside(m.start(), m.end(), new_spans) for m in LONG_DIGITS.finditer(scrubbed))
    return _Cell(scrubbed, tuple(r.entity_type for r in sure), unsure)


def scrub_texts(
    values: pa.Array | pa.ChunkedArray | Sequence[str | None],
    *,
    language: str = "zh",
    replace: Replacement | None = None,
    analyzer: AnalyzerEngine | None = None,
    score_threshold: float = 0.4,
    unsure_threshold: float = 0.2,
    known_names: KnownNames | None = None,
) -> ScrubResult:
    """Scrub PII out of free-text cells (see the module doc).

    replace: called with (entity, original span) for each replaced span; default `<ENTITY>`.
    analyzer: default the cached offline analyzer (analyzer.get_analyzer()).
    known_names: names replaced as PERSON wherever they occur (known_names.KnownNames).
    """
    if analyzer is None:
        from connectors.pii.analyzer import get_analyzer

        analyzer = get_analyzer()
    if language not in analyzer.supported_languages:
        raise SpecError(
            f"language {language!r} is not one of the analyzer's {analyzer.supported_languages}"
        )
    if not 0 < unsure_threshold <= score_threshold <= 1:
        raise SpecError("thresholds must satisfy 0 < unsure_threshold <= score_threshold <= 1")
    substitute = replace or placeholder
    if isinstance(values, pa.ChunkedArray | pa.Array):
        out_type = values.type if pa.types.is_large_string(values.type) else pa.string()
        cells_in: list[str | None] = [None if v is None else str(v) for v in values.to_pylist()]
    else:
        out_type = pa.string()
        cells_in = list(values)
    done: dict[str, _Cell] = {}
    replaced: Counter[str] = Counter()
    out: list[str | None] = []
    cells = unsure_cells = 0
    for text in cells_in:
        if text is None:
            out.append(None)
            continue
        cells += 1
        cell = done.get(text) if replace is None else None
        if cell is None:
            cell = _scrub_one(
                text,
                analyzer,
                language,
                substitute,
                score_threshold,
                unsure_threshold,
                known_names,
            )
            done[text] = cell
        replaced.update(cell.replaced)
        unsure_cells += cell.unsure
        out.append(cell.text)
    return ScrubResult(pa.array(out, type=out_type), dict(replaced), unsure_cells, cells)
