"""Speed of the PII scanner (not a test): `.venv/bin/python -m tests.connectors.pii.bench_pii`.

Prints the analyzer build time, classify_columns on a 12-column x 500-row sample, and
scrub_texts throughput on short Chinese sentences (all distinct, so no repeat is cached).
"""

from __future__ import annotations

import random
import time

import pyarrow as pa
from faker import Faker

from connectors.pii import build_analyzer, classify_columns, get_analyzer, scrub_texts
from connectors.pii.fastscan import scan_text
from tests.connectors.pii._make import card, uscc


def sample(rows: int = 500) -> pa.Table:
    zh, rng = Faker("zh_CN"), random.Random(1)
    Faker.seed(1)
    n = range(rows)
    code = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return pa.table(
        {
            "姓名": [zh.name() for _ in n],
            "身份证号": [zh.ssn() for _ in n],
            "手机号": [zh.phone_number() for _ in n],
            "银行卡号": [card("622202" + f"{rng.randrange(10**12):012d}") for _ in n],
            "统一社会信用代码": [
                uscc("91440305" + "".join(rng.choice(code) for _ in range(9))) for _ in n
            ],
            "email": [zh.email() for _ in n],
            "address": [zh.address() for _ in n],
            "monthly_sales": [rng.uniform(1e4, 1e6) for _ in n],
            "refunds": [rng.randint(0, 50) for _ in n],
            "rating": [rng.choice(["A", "B", "C"]) for _ in n],
            "default": [rng.random() < 0.1 for _ in n],
            "备注": [f"{zh.sentence()}联系人{zh.name()}，电话{zh.phone_number()}。" for _ in n],
        }
    )


def sentences(count: int) -> list[str]:
    zh, rng = Faker("zh_CN"), random.Random(2)
    Faker.seed(2)
    shapes = [
        lambda: f"联系人{zh.name()}，电话{zh.phone_number()}。",
        lambda: f"客户{rng.randint(1, 12)}月按时还款{rng.randint(100, 99999)}元。",
        lambda: f"身份证号{zh.ssn()}，卡号{zh.credit_card_number()}",
        lambda: f"{zh.sentence()}",
    ]
    return [rng.choice(shapes)() for _ in range(count)]


def timed(label: str, seconds: float, items: int | None = None) -> None:
    rate = f", {items / seconds:,.0f}/s" if items else ""
    print(f"{label:48} {seconds * 1000:8.1f} ms{rate}")


def main() -> None:
    start = time.perf_counter()
    build_analyzer()
    timed("build analyzer (uncached)", time.perf_counter() - start)
    analyzer = get_analyzer()
    table = sample()
    start = time.perf_counter()
    classify_columns(table, analyzer=analyzer)
    timed("classify_columns 12 columns x 500 rows", time.perf_counter() - start)
    texts = list(dict.fromkeys(sentences(6000)))
    start = time.perf_counter()
    scrub_texts(texts, analyzer=analyzer)
    timed(
        f"scrub_texts {len(texts)} distinct short sentences",
        time.perf_counter() - start,
        len(texts),
    )
    start = time.perf_counter()
    for text in texts:
        scan_text(text)
    timed("fast scan (our regexes + validators only)", time.perf_counter() - start, len(texts))


if __name__ == "__main__":
    main()
