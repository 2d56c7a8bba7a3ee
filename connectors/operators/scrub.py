"""`scrub`: PII inside free text (remarks, notes) replaced by `<ENTITY>` placeholders.

Only for free-text columns: the analyzer (connectors.pii.scrub_texts) runs once per distinct
cell, never on structured columns. A cell where PII may remain ("unsure") is withheld (null)
unless `on_unsure` is "keep"; the counts go to the report. Names known from the import's name
columns (`OperatorContext.known_names`) are replaced wherever they occur.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import as_text
from connectors.operators.base import Operator, OperatorParams


class ScrubParams(OperatorParams):
    on_unsure: Literal["withhold", "keep"] = "withhold"
    language: Literal["zh", "en"] = "zh"


class Scrub(Operator[ScrubParams]):
    name: ClassVar[str] = "scrub"
    passes_values: ClassVar[bool] = True
    params_model: ClassVar[type[OperatorParams]] = ScrubParams

    def apply(self, values: pa.Array) -> pa.Array:
        from connectors.pii.scrub import scrub_texts  # the analyzer loads only when needed

        text = as_text(values)
        if pa.types.is_dictionary(text.type):
            text = text.dictionary_decode()
        encoded = pc.dictionary_encode(pc.cast(text, pa.string()))
        distinct = encoded.dictionary.to_pylist()
        indices = encoded.indices
        cells = np.bincount(
            indices.drop_null().to_numpy(zero_copy_only=False), minlength=len(distinct)
        )
        scrubbed: list[str | None] = []
        for value, count in zip(distinct, cells.tolist(), strict=True):
            result = scrub_texts(
                [value], language=self.params.language, known_names=self.context.known_names
            )
            if result.unsure_cells:
                self.count("unsure_cells", count)
                if self.params.on_unsure == "withhold":
                    self.count("withheld_cells", count)
                    scrubbed.append(None)
                    continue
            for entity, spans in result.replaced.items():
                self.count(f"replaced_{entity}", spans * count)
            scrubbed.append(result.values[0].as_py())
        self.count("cells", int(cells.sum()))
        return pa.array(scrubbed, pa.string()).take(indices)

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return pa.string()
