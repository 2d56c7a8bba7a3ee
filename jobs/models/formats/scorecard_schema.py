"""The `scorecard` flavour's file, `scorecard.json` (format "lab-scorecard/1"), validated.

    {"format": "lab-scorecard/1", "base_points": float, "pdo": float | null,
     "features": [{"name": str, "type": "numeric" | "categorical",
                   "bins": [{"lower": float | null, "upper": float | null, "points": float,
                             "count": int | null}]            # numeric: [lower, upper)
                        | [{"categories": [str, ...], "points": float, "count": int | null}],
                   "missing_points": float}],
     "score_to_probability": {"intercept": float, "slope": float} | null}

Rules beyond the shapes: numbers are finite; feature names are unique; a numeric feature's
bins are ordered and cover the whole line without gaps or overlaps (the first starts at
null = -inf, the last ends at null = +inf, each ends where the next starts); a category
belongs to one bin of its feature at most.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT = "lab-scorecard/1"
MAX_FEATURES = 10_000
MAX_BINS = 1_000

Name = Annotated[str, Field(min_length=1, max_length=256)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=False)


class NumericBin(_Strict):
    lower: float | None
    upper: float | None
    points: float
    count: Annotated[int, Field(ge=0)] | None = None


class CategoryBin(_Strict):
    categories: Annotated[list[Annotated[str, Field(max_length=1024)]], Field(min_length=1)]
    points: float
    count: Annotated[int, Field(ge=0)] | None = None


class NumericFeature(_Strict):
    name: Name
    type: Literal["numeric"]
    bins: Annotated[list[NumericBin], Field(min_length=1, max_length=MAX_BINS)]
    missing_points: float

    @model_validator(mode="after")
    def _cover_the_line(self) -> NumericFeature:
        first, last = self.bins[0], self.bins[-1]
        if first.lower is not None:
            raise ValueError(f"{self.name}: the first bin must start at null (-inf)")
        if last.upper is not None:
            raise ValueError(f"{self.name}: the last bin must end at null (+inf)")
        for i, (one, following) in enumerate(zip(self.bins, self.bins[1:], strict=False)):
            if one.upper is None or following.lower is None or one.upper != following.lower:
                raise ValueError(
                    f"{self.name}: bin {i} must end where bin {i + 1} starts "
                    f"(bins are [lower, upper), contiguous)"
                )
            if one.lower is not None and not one.lower < one.upper:
                raise ValueError(f"{self.name}: bin {i} must have lower < upper")
        return self

    @property
    def edges(self) -> list[float]:
        """The inner bin edges, ascending: bin i holds edges[i-1] <= x < edges[i]."""
        return [b.upper for b in self.bins[:-1] if b.upper is not None]


class CategoricalFeature(_Strict):
    name: Name
    type: Literal["categorical"]
    bins: Annotated[list[CategoryBin], Field(min_length=1, max_length=MAX_BINS)]
    missing_points: float

    @model_validator(mode="after")
    def _categories_once(self) -> CategoricalFeature:
        seen: set[str] = set()
        for bin_ in self.bins:
            for category in bin_.categories:
                if category in seen:
                    raise ValueError(f"{self.name}: the category {category!r} is in two bins")
                seen.add(category)
        return self


class Logistic(_Strict):
    intercept: float
    slope: float


Feature = Annotated[NumericFeature | CategoricalFeature, Field(discriminator="type")]


class Scorecard(_Strict):
    format: Literal["lab-scorecard/1"]
    base_points: float
    pdo: float | None = None
    features: Annotated[list[Feature], Field(min_length=1, max_length=MAX_FEATURES)]
    score_to_probability: Logistic | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> Scorecard:
        seen: set[str] = set()
        for feature in self.features:
            if feature.name in seen:
                raise ValueError(f"the feature {feature.name!r} appears twice")
            seen.add(feature.name)
        return self
