"""The gate by values: an output column that holds the values of an input identifier column
(raw, pseudonym, surrogate) or of an entity key is an identifier column whatever its name;
the import's PII classifier blocks identifier text whatever its header."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from jobs.gate import GateResult, GateRules, check_output
from jobs.gate.probe import OVERLAP_MIN_MATCHES, OVERLAP_SHARE, InputProbe, Match
from jobs.lineage import ColumnLineage, QueryLineage

RULES = GateRules()
ROWS = 3_000
CITIES = ["Hangzhou", "Shenzhen", "Chengdu", "Wuhan", "Xi'an", "Suzhou", "Nanjing"]


def _pseudonym(i: int) -> str:
    return hashlib.sha256(f"p{i}".encode()).hexdigest()[:24]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> InputProbe:
    """An input on disk, read as a dataset in small batches (as the lab's decrypting
    datasets are): names, pseudonyms, a dense integer key, sparse phone-like numbers."""
    folder: Path = tmp_path_factory.mktemp("inputs")
    table = pa.table(
        {
            "name": [f"Shop {i} Trading" for i in range(ROWS)],
            "pseudo": [_pseudonym(i) for i in range(ROWS)],
            "shop_code": [f"S-{i:05d}" for i in range(ROWS)],
            "seq": pa.array(range(1, ROWS + 1), pa.int64()),
            "contact": pa.array([13_800_000_000 + 7_919 * i for i in range(ROWS)], pa.int64()),
            "city": [CITIES[i % 7] for i in range(ROWS)],
            "sales": pa.array(range(ROWS), pa.int64()),
        }
    )
    pq.write_table(table, folder / "m.parquet", row_group_size=500)
    classes = {
        "name": "identifier",
        "pseudo": "identifier",
        "seq": "identifier",
        "contact": "identifier",
        "city": "quasi_identifier",
        "shop_code": "plain",
        "sales": "sensitive",
    }
    return InputProbe(
        datasets={"m": pads.dataset(folder / "m.parquet")},
        classes={"m": classes},
        entity_keys={"m": "shop_code"},
    )


def gate(table: pa.Table, probe: InputProbe, **kwargs: Any) -> GateResult:
    return check_output(
        "by_x", "moderately_sensitive", table=table, rules=RULES, probe=probe, **kwargs
    )


def overlap(result: GateResult) -> dict[str, tuple[str, str]]:
    return {
        str(f.column): (f.severity, f.message)
        for f in result.findings
        if f.rule == "identifier_overlap"
    }


NAMES = [f"Shop {i} Trading" for i in range(10)]
OTHERS = [f"other {i}" for i in range(20)]
CASES: list[tuple[str, list[Any], str | None]] = [
    # (values of output column "label", the input column it should be matched to or None)
    ("renamed_names", [f"Shop {i} Trading" for i in range(0, 400, 7)], "m.name"),
    ("upper_cased_names", [f"SHOP {i} TRADING " for i in range(40)], "m.name"),
    ("pseudonyms", [_pseudonym(i) for i in range(100, 160)], "m.pseudo"),
    ("entity_key", [f"S-{i:05d}" for i in range(20)], "m.shop_code"),
    ("one_name_alone", ["Shop 7 Trading"], "m.name"),
    ("a_few_shared", OTHERS[:18] + NAMES[:2], None),
    ("under_half", OTHERS[:6] + NAMES[:4], None),
    ("cities", CITIES, None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "values", "source"), CASES, ids=[c[0] for c in CASES])
def test_value_overlap_with_input_identifiers(
    probe: InputProbe, case: str, values: list[Any], source: str | None
) -> None:
    table = pa.table({"label": values, "n": [50] * len(values)})
    result = gate(table, probe)
    found = overlap(result)
    if source is None:
        assert found == {} and result.allowed
        return
    assert not result.allowed and result.table is None
    severity, message = found["label"]
    distinct = len({str(v).strip().lower() for v in values})
    assert severity == "block"
    assert f"100% of its {distinct:,} distinct values are values of {source}" in message
    assert values[0] not in message  # how much, and where from; never a value


def test_the_finding_says_how_much_when_part_of_the_column_matches(probe: InputProbe) -> None:
    values = [f"Shop {i} Trading" for i in range(7)] + ["x1", "x2", "x3"]
    result = gate(pa.table({"label": values}), probe)
    assert (
        "70% of its 10 distinct values are values of m.name (classified identifier)"
        in (overlap(result)["label"][1])
    )


def test_the_entity_key_is_named_as_such(probe: InputProbe) -> None:
    result = gate(pa.table({"k": [f"S-{i:05d}" for i in range(5)]}), probe)
    assert "values of m.shop_code (its entity key)" in overlap(result)["k"][1]


def test_sparse_numeric_identifiers_block_without_lineage(probe: InputProbe) -> None:
    phones = [13_800_000_000 + 7_919 * i for i in range(10)]
    result = gate(pa.table({"total": pa.array(phones, pa.int64())}), probe)
    assert overlap(result)["total"][0] == "block"
    as_float = gate(pa.table({"total": pa.array(phones, pa.float64())}), probe)
    assert overlap(as_float)["total"][0] == "block"  # 13800000000.0 is 13800000000


def test_small_integers_hitting_a_dense_key_ask_for_review_not_a_block(probe: InputProbe) -> None:
    result = gate(pa.table({"month": list(range(1, 13)), "n": [50] * 12}), probe)
    assert result.allowed and result.needs_review
    severity, message = overlap(result)["month"]
    assert severity == "review" and "dense run of numbers" in message


def _aggregate(*columns: tuple[str, str, tuple[str, ...], bool]) -> QueryLineage:
    return QueryLineage(
        aggregate=True,
        columns=tuple(
            ColumnLineage(i, name, kind, sources, from_count, kind)  # type: ignore[arg-type]
            for i, (name, kind, sources, from_count) in enumerate(columns)
        ),
        reason="aggregate",
    )


def test_with_lineage_numbers_are_looked_up_only_when_they_come_from_an_identifier(
    probe: InputProbe,
) -> None:
    table = pa.table({"city": CITIES[:3], "top_seq": [5, 17, 40], "total": [5, 17, 40]})
    facts = _aggregate(
        ("city", "group_key", ("m.city",), False),
        ("top_seq", "aggregate", ("m.seq",), False),  # max(seq): one record's key
        ("total", "aggregate", ("m.sales",), False),  # sum(sales): equal to keys by chance
    )
    counts = pa.table({"rows": [50, 50, 50]})
    result = gate(table, probe, lineage=facts, contributors=counts)
    found = overlap(result)
    assert set(found) == {"top_seq"} and found["top_seq"][0] == "block"


def test_counts_are_never_looked_up(probe: InputProbe) -> None:
    table = pa.table({"city": CITIES[:3], "n": [15, 20, 25]})
    facts = _aggregate(("city", "group_key", ("m.city",), False), ("n", "aggregate", (), True))
    result = gate(table, probe, lineage=facts, contributors=pa.table({"rows": [15, 20, 25]}))
    assert result.allowed and result.findings == []


def test_a_zone_that_allows_identifiers_skips_the_value_checks(probe: InputProbe) -> None:
    table = pa.table({"label": [f"Shop {i} Trading" for i in range(10)]})
    allowed = GateRules(identifier_columns_allowed=True)
    result = check_output("o", "moderately_sensitive", table=table, rules=allowed, probe=probe)
    assert result.allowed and result.findings == []


def test_the_threshold_is_defined_once() -> None:
    assert (OVERLAP_SHARE, OVERLAP_MIN_MATCHES) == (0.5, 3)
    source = InputProbe({}).identifier_columns()
    assert source == []
    from jobs.gate.probe import InputColumn

    column = InputColumn("m", "name", "classified identifier")
    assert Match(column, 3, 6).substantial(text=True)
    assert not Match(column, 2, 4).substantial(text=True)  # 2 < 3 matches
    assert Match(column, 2, 2).substantial(text=True)  # a column of two names
    assert not Match(column, 2, 2).substantial(text=False)  # two numbers may be chance
    assert not Match(column, 4, 9).substantial(text=True)  # under half


# -- the import's PII classifier --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "entity"),
    [
        (["浙江省杭州市西湖区文三路90号", "上海市浦东新区世纪大道100号"], "LOCATION"),
        (["杭州云栖科技有限公司", "深圳腾达贸易有限公司", "成都天府餐饮有限公司"], "ORGANIZATION"),
        (["王小明", "李建国", "张伟", "刘德华", "陈静"], "PERSON"),
        (["110105491231002", "440305851103123", "820000990615999"], "PRC_ID_NUMBER"),
    ],
    ids=["addresses", "organizations", "person_names", "id_numbers_15_digits"],
)  # fmt: skip
def test_the_pii_classifier_blocks_identifier_text_whatever_its_header(
    values: list[str], entity: str
) -> None:
    table = pa.table({"category": values, "n": [50] * len(values)})
    result = check_output("o", "moderately_sensitive", table=table, rules=RULES)
    assert not result.allowed
    (finding,) = [f for f in result.findings if f.rule == "pii_classifier"]
    assert (finding.column, finding.value) == ("category", entity)
    assert entity in finding.message and values[0] not in finding.message


def test_the_pii_classifier_leaves_plain_categories_alone() -> None:
    table = pa.table({"name": CITIES, "n": [50] * 7})  # called "name", holds cities
    facts = _aggregate(("name", "group_key", ("m.city",), False), ("n", "aggregate", (), True))
    result = check_output(
        "o",
        "moderately_sensitive",
        table=table,
        rules=RULES,
        lineage=facts,
        contributors=pa.table({"rows": [50] * 7}),
    )
    assert result.allowed and not [f for f in result.findings if f.rule == "pii_classifier"]
