"""`generalize`: a value replaced by the class it belongs to, coarse enough to hide it.

Exactly one of:
- `level`: "month" | "year" | "decade" for dates; "city" | "province" for Chinese addresses;
- `width`: numbers cut into intervals of that width ("[100, 200)");
- `bins`: numbers cut at these increasing edges ("<0", "[0, 100)", ">=100");
- `band`: ages cut into bands of that many years ("30-39").

Each setting has a coarser one (month → year → decade, city → province, band 10 → 20 → 40,
width w → 2w, every other bin edge dropped), which k-anonymity climbs when classes are small.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from connectors.operators._address import city_level, province_level
from connectors.operators._arrow import DistinctMapper, is_stringlike
from connectors.operators._dates import DATE_LEVELS, cut_dates, is_datelike
from connectors.operators._numbers import age_bands, edge_bins, is_numeric, merge_edges, width_bins
from connectors.operators.base import Operator, OperatorContext, OperatorParams

Level = Literal["month", "year", "decade", "city", "province"]
MAX_BAND = 40


class GeneralizeParams(OperatorParams):
    level: Level | None = None
    width: float | None = Field(default=None, gt=0)
    bins: tuple[float, ...] | None = Field(default=None, min_length=1, max_length=1000)
    band: int | None = Field(default=None, ge=1, le=MAX_BAND)

    @model_validator(mode="after")
    def _one_setting(self) -> GeneralizeParams:
        given = [name for name in ("level", "width", "bins", "band") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of level, width, bins, band"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.bins is not None and any(a >= b for a, b in pairwise(self.bins)):
            raise ValueError("bins must be strictly increasing")
        return self


class Generalize(Operator[GeneralizeParams]):
    name: ClassVar[str] = "generalize"
    params_model: ClassVar[type[OperatorParams]] = GeneralizeParams

    def __init__(self, params: GeneralizeParams, context: OperatorContext | None = None) -> None:
        super().__init__(params, context)
        # Addresses are cut by regular expression once per distinct value: province over
        # the city level's output reads a few dozen values per batch, not every row.
        cut = {"city": city_level, "province": province_level}.get(params.level or "")
        self._addresses = (
            None if cut is None else DistinctMapper(lambda v: cut(pc.cast(v, pa.string())))
        )

    @classmethod
    def check_type(cls, input_type: pa.DataType, params: OperatorParams) -> str | None:
        assert isinstance(params, GeneralizeParams)
        if params.level in DATE_LEVELS:
            ok, wanted = is_datelike(input_type), "a date, timestamp or text column"
        elif params.level is not None:
            ok, wanted = is_stringlike(input_type), "a text (address) column"
        else:
            ok, wanted = is_numeric(input_type), "a numeric column"
        return None if ok else f"{params.level or 'width/bins/band'} needs {wanted}"

    def apply(self, values: pa.Array) -> pa.Array:
        p = self.params
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if p.level in DATE_LEVELS:
            out = cut_dates(values, p.level)
        elif self._addresses is not None:
            out = self._addresses(values)
        elif p.width is not None:
            out = width_bins(values, p.width)
        elif p.bins is not None:
            out = edge_bins(values, p.bins)
        else:
            assert p.band is not None
            out = age_bands(values, p.band)
        self.count("cells_not_generalized", out.null_count - values.null_count)
        return out

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return pa.string()

    def nests_on_output(self) -> bool:
        return self.params.level is not None  # "2023-05" -> "2023"; "浙江省杭州市" -> "浙江省"

    def coarser(self) -> GeneralizeParams | None:
        p = self.params
        if p.level is not None:
            following = {"month": "year", "year": "decade", "city": "province"}.get(p.level)
            return None if following is None else GeneralizeParams(level=following)
        if p.width is not None:
            return GeneralizeParams(width=p.width * 2)
        if p.bins is not None:
            merged = merge_edges(p.bins)
            return None if merged is None else GeneralizeParams(bins=merged)
        assert p.band is not None
        return GeneralizeParams(band=p.band * 2) if p.band * 2 <= MAX_BAND else None
