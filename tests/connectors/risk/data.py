"""Generated merchants where one combination, industry x exact monthly sales, singles records
out, and the independent counting the tests check the estimate against."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

INDUSTRIES = ["餐饮", "零售", "物流", "教育", "医疗", "旅游", "制造", "科技", "美容", "汽修"]


def merchants(rows: int = 2000, seed: int = 5) -> pa.Table:
    """Industry (10 values) and monthly sales drawn from 400 exact amounts: neither alone
    singles many records out, the two together do. A keyed-looking pseudonym and a remark
    complete it."""
    rng = np.random.default_rng(seed)
    amounts = np.round(rng.lognormal(10, 0.8, 400), 2)
    return pa.table(
        {
            "merchant": [f"p_{int(v):032x}" for v in rng.integers(0, 2**62, rows)],
            "industry": pa.array(rng.choice(INDUSTRIES, rows)),
            "monthly_sales": pa.array(rng.choice(amounts, rows)),
            "remark": [f"第{i}次回访，客户表示满意。" for i in range(rows)],
        }
    )


def unique_share(table: pa.Table, columns: Sequence[str]) -> float:
    """The share of rows whose values on `columns` no other row has (counted plainly)."""
    rows = list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))
    counts = Counter(rows)
    return sum(1 for r in rows if counts[r] == 1) / len(rows) if rows else 0.0


def minimal_for(table: pa.Table, columns: Sequence[str]) -> int:
    """Records unique on `columns` but on none of its proper non-empty subsets (sizes < 3)."""
    from itertools import combinations

    def alone(cols: Sequence[str]) -> list[bool]:
        rows: list[tuple[Any, ...]] = list(
            zip(*(table.column(c).to_pylist() for c in cols), strict=True)
        )
        counts = Counter(rows)
        return [counts[r] == 1 for r in rows]

    mine = alone(columns)
    below = [alone(s) for k in range(1, len(columns)) for s in combinations(columns, k)]
    return sum(1 for i, u in enumerate(mine) if u and not any(b[i] for b in below))
