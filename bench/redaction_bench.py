"""The cost of redacting a job's log against its inputs (jobs/redaction).

A 1M-row input like the lab's merchants (a unique merchant id, ID number and mobile per row,
300k names, 100k addresses, 300 cities, a float and an integer amount) is written as Parquet
and read as a pyarrow dataset, as the lab hands inputs to jobs. Measured:
1. building the ValueIndex (distinct values per column with DuckDB, keys, keyed hashes):
   time, keys kept, memory of the index, the process's peak RSS growth;
2. redacting a 1 MiB log that prints rows of the input, and a short status message.

Run: .venv/bin/python bench/redaction_bench.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobs.redaction import build_index, redact  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤"
    "洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎"
    "锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿"
    "聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思"
    "丽"
)
CITIES = ["杭州", "上海", "北京", "深圳", "成都", "武汉", "南京", "西安", "苏州", "天津"]


def people(rows: int) -> pa.Table:
    rng = np.random.default_rng(7)
    surname = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), 300_000)]
    given = np.array(list(GIVEN))
    names = np.char.add(
        np.char.add(surname, given[rng.integers(0, len(given), 300_000)]),
        given[rng.integers(0, len(given), 300_000)],
    )
    streets = [
        f"{c}市{n}路{i}号" for i, (c, n) in enumerate(zip(CITIES * 10_000, names, strict=False))
    ]
    ids = np.arange(rows)
    return pa.table(
        {
            "merchant_id": pa.array([f"M{i:07d}" for i in ids]),
            "name": pa.array(names[rng.integers(0, len(names), rows)]),
            "id_number": pa.array([f"{110101199000000000 + 7919 * i:018d}" for i in ids]),
            "mobile": pa.array([f"138{i:08d}" for i in ids]),
            "address": pa.array(np.array(streets)[rng.integers(0, len(streets), rows)]),
            "city": pa.array(np.array(CITIES * 30)[rng.integers(0, 300, rows)]),
            "sales": pa.array(rng.gamma(2.0, 5000.0, rows)),
            "loans": pa.array(rng.integers(0, 100_000, rows)),
        }
    )


def a_log(table: pa.Table, size: int) -> str:
    lines = []
    total = 0
    for row in table.slice(0, 20_000).to_pylist():
        line = "  ".join(str(v) for v in row.values())
        lines.append(line)
        total += len(line.encode()) + 1
        if total >= size:
            break
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    table = people(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.parquet"
        pq.write_table(table, path, row_group_size=128_000)
        dataset = pads.dataset(path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu = time.perf_counter(), time.process_time()
        index = build_index({"people": dataset})
        built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"rows {args.rows:,}; distinct per column:")
    for name in table.column_names:
        print(f"  {name:12s} {len(table.column(name).unique()):>9,}")
    print(
        f"index build: {built:.2f} s ({built_cpu:.2f} s CPU); {index.size:,} keys, "
        f"{index.hashes.nbytes / 2**20:.1f} MiB"
    )
    print(f"peak RSS grew {(rss_after - rss_before) / 1024:.0f} MiB; complete: {index.complete}")
    log = a_log(table, 1024 * 1024)
    started, cpu = time.perf_counter(), time.process_time()
    result = redact(log, index)
    took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"redact a {len(log.encode()) / 2**20:.2f} MiB log: {took:.2f} s ({took_cpu:.2f} s CPU), "
        f"{result.count:,} spans"
    )
    started = time.perf_counter()
    for _ in range(100):
        redact("the job exited with code 1: KeyError", index)
    print(f"redact a status message: {(time.perf_counter() - started) * 10:.2f} ms")


if __name__ == "__main__":
    main()
