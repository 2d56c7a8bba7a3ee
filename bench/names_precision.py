"""How well and how fast free-text scrubbing handles personal names.

1. Precision and recall per group of the labelled corpus (tests/connectors/pii/
   names_corpus.py): names with and without context words, Latin names, names known from a
   name column; name-free addresses, products, industries, words starting with a surname
   character, company names, English prose. Precision: PERSON replacements that were names;
   recall: names replaced; unsure: cells that would be withheld by default. `--seed` draws
   other Faker names than the tests use (a check against tuning on the test corpus).
2. Speed: distinct remarks scrubbed per second (the scrubber runs once per distinct cell).
3. Known names: how many name-free sentences hold a word that is also a common name (every
   occurrence of a known name is replaced: 高峰, 文明 …); building a KnownNames of `--known`
   names, its memory, and finds per second.

Run: .venv/bin/python bench/names_precision.py [--seed 0] [--known 1000000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faker import Faker  # noqa: E402

import tests.connectors.pii.names_corpus as corpus  # noqa: E402
from connectors.pii import scrub_texts  # noqa: E402
from connectors.pii.known_names import KnownNames  # noqa: E402
from connectors.pii.recognizers._zh_lexicon import GIVEN_NAME_CHARS, SINGLE_SURNAMES  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def precision(seed: int) -> list[str]:
    if seed:
        make = corpus._faker
        corpus._faker = lambda locale, s: make(locale, s + seed)  # type: ignore[assignment]
    samples = corpus.build()
    figures = corpus.measure(samples)
    lines = [
        f"{'group':42s} {'sent.':>5s} {'names':>5s} {'recall':>7s} {'PERSON':>6s} "
        f"{'wrong':>5s} {'prec.':>6s} {'unsure':>6s}"
    ]
    for group, f in figures.items():
        lines.append(
            f"{group:42s} {f.sentences:5d} {f.names:5d} {f.recall:7.3f} "
            f"{f.person_replacements:6d} {f.wrong_replacements:5d} {f.precision:6.3f} "
            f"{f.unsure_cells:6d}"
        )
    total = figures["all"]
    lines += [f"missed: {m}" for m in total.misses] + [f"wrong:  {w}" for w in total.wrong]
    return lines


def speed(cells: int) -> str:
    fake = Faker("zh_CN")
    fake.seed_instance(5)
    texts = [
        f"{fake.name()}说{fake.company()}资金周转困难，电话{fake.phone_number()}，已回访{i}"
        for i in range(cells)
    ]
    scrub_texts(texts[:1])  # load the analyzer and the segmenter
    began, cpu = time.perf_counter(), time.process_time()
    scrub_texts(texts)
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    return (
        f"scrub: {cells} distinct remarks in {took:.2f} s = {cells / took:,.0f} cells/s "
        f"({cpu / cells * 1000:.2f} ms of CPU per cell)"
    )


def known_names(count: int) -> list[str]:
    rng = random.Random(9)
    surnames, given = SINGLE_SURNAMES, GIVEN_NAME_CHARS
    fake = Faker("zh_CN")
    fake.seed_instance(9)
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(surnames) + "".join(rng.choices(given, k=rng.choice((1, 2, 2)))))
    before = _rss_mb()
    began = time.perf_counter()
    known = KnownNames(names)
    built = time.perf_counter() - began
    texts = [f"客户{fake.name()}来电，{fake.address()}，{fake.company()}" for _ in range(2000)]
    began = time.perf_counter()
    hits = sum(len(known.find(t)) for t in texts)
    took = time.perf_counter() - began
    people = KnownNames(fake.name() for _ in range(100_000))
    free = [sample.text for sample in corpus.build() if not sample.names]
    hit = [text for text in free if people.find(text)]
    return [
        f"known names: {len(people):,} Faker names known: {len(hit)} of {len(free)} name-free "
        f"sentences would lose a word that is also a name ({', '.join(hit[:4])} ...)",
        f"known names: {len(known):,} distinct built in {built:.1f} s, "
        f"peak RSS +{_rss_mb() - before:,.0f} MB",
        f"known names: {len(texts)} cells searched in {took * 1000:.0f} ms "
        f"= {len(texts) / took:,.0f} cells/s ({hits} hits)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="0: the tests' corpus")
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--known", type=int, default=1_000_000)
    args = parser.parse_args()
    for line in precision(args.seed):
        print(line)
    print(speed(args.cells))
    for line in known_names(args.known):
        print(line)


if __name__ == "__main__":
    main()
