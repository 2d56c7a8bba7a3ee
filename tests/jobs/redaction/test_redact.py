"""Redacting a text against the values of a job's inputs and the PII recognizers."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from jobs.redaction import REDACTED, ValueIndex, build_index, redact

PEOPLE = pa.table(
    {
        "merchant_id": ["M00042", "M00043", "M00044"],
        "name": ["Zhang San", "李四光", "Li Si"],
        "address": ["山东省兰州市合川王街R座 123456", "上海市浦东新区", "x"],
        "sales": [250000.0, 1234.5, 77.0],
        "loans": [98765, 12, 4321],
        "tags": [["vip", "Ouyang"], [], ["abc"]],
        "segment": pa.array(["gold", "silver", "gold"]).dictionary_encode(),
    }
)


@pytest.fixture(scope="module")
def index() -> ValueIndex:
    return build_index({"people": PEOPLE})


# (case, text, what must be gone, what must stay)
CASES: list[tuple[str, str, list[str], list[str]]] = [
    ("exact", "KeyError: 'Zhang San'", ["Zhang San"], ["KeyError: '"]),
    ("case_and_width", "ZHANG SAN and Ｚｈａｎｇ", ["ZHANG", "SAN", "Ｚｈａｎｇ"], [" and "]),
    ("spacing", "li  si | Li,Si | ZhangSan", ["li  si", "Li,Si", "ZhangSan"], [" | "]),
    ("short_tokens_alone_stay", "Li went to Si", [], ["Li went to Si"]),
    ("cjk_inside_a_run", "客户李四光的贷款已逾期", ["李四光"], ["客户", "的贷款已逾期"]),
    (
        "cjk_value_split_by_script",
        "地址:山东省兰州市合川王街R座 123456.",
        ["山东省", "123456"],
        ["地址:"],
    ),
    ("cjk_part_of_a_longer_run", "在上海市浦东新区开户", ["上海市浦东新区"], ["在", "开户"]),
    ("code_inside_text", "id=M00042; next=m00043", ["M00042", "m00043"], ["id=", "next="]),
    (
        "numbers_of_four_or_more",
        "sales 250000.0 250000 98765 4321",
        ["250000", "98765", "4321"],
        [],
    ),
    ("short_numbers_stay", "trained on 700 rows, 12 loans, 77 merchants", [], ["700", "12", "77"]),
    ("list_items", "tags: ['vip', 'Ouyang']", ["vip", "Ouyang"], ["tags: ["]),
    ("dictionary_column", "segment=silver", ["silver"], ["segment="]),
    (
        "log_words_stay",
        'Traceback (most recent call last):\n  File "/job/main.py", line 3',
        [],
        ["Traceback (most recent call last):", "line 3"],
    ),
]


@pytest.mark.parametrize(
    ("text", "gone", "stays"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_values_of_the_inputs_are_redacted(
    index: ValueIndex, text: str, gone: list[str], stays: list[str]
) -> None:
    shown = redact(text, index).text
    for value in gone:
        assert value not in shown, shown
    for value in stays:
        assert value in shown, shown


def test_every_value_of_the_inputs_printed_anyhow_is_gone(index: ValueIndex) -> None:
    rows = "\n".join(repr(row) for row in PEOPLE.to_pylist())
    shown = redact(rows + "\n" + PEOPLE.to_pandas().to_string(), index)
    texts = {v for c in ("merchant_id", "name", "address") for v in PEOPLE.column(c).to_pylist()}
    numbers = {str(v) for v in PEOPLE.column("loans").to_pylist() if len(str(v)) >= 4}
    values = {v for v in texts if len(v) >= 2} | numbers
    assert [v for v in values if v in shown.text] == []
    assert shown.count > 10


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("身份证 451424198708068259 ok", "451424198708068259"),
        ("证件号110105491231002 ok", "110105491231002"),
        ("手机 17679190748 ok", "17679190748"),
        ("card 6222021234567890128 ok", "6222021234567890128"),
        ("mail liuchao@leitao.cn ok", "liuchao@leitao.cn"),
        ("account 0012345678901 ok", "0012345678901"),
    ],
    ids=["id_number", "id_number_15_digits", "mobile", "bank_card", "email", "long_digits"],
)
def test_what_the_pii_recognizers_flag_is_redacted_without_an_index(text: str, gone: str) -> None:
    shown = redact(text)
    assert gone not in shown.text
    assert shown.text.endswith(" ok") and REDACTED in shown.text


def test_a_partial_index_cuts_by_shape_what_it_may_miss() -> None:
    index = build_index({"people": PEOPLE}, max_values_per_column=1)
    assert not index.complete
    assert "people.name" in index.partial
    shown = redact("unknown 98765432 and 王小明 but words stay", index).text
    assert "98765432" not in shown and "王小明" not in shown
    assert "words stay" in shown


def test_the_entry_cap_makes_the_index_partial() -> None:
    index = build_index({"people": PEOPLE}, max_entries=3)
    assert index.size <= 3
    assert not index.complete


def test_the_count_is_the_number_of_spans_replaced(index: ValueIndex) -> None:
    shown = redact("Zhang San met 李四光 at M00042", index)
    assert shown.text == f"{REDACTED} met {REDACTED} at {REDACTED}"
    assert shown.count == 3
    assert redact("", index).count == 0


def test_the_index_holds_no_value_in_the_clear(index: ValueIndex) -> None:
    blob = pickle.dumps(index.hashes) + pickle.dumps(index.partial)
    for value in ("Zhang", "李四光".encode(), "M00042", "98765"):
        raw = value if isinstance(value, bytes) else value.encode()
        assert raw not in blob
    assert index.hashes.dtype.name == "uint64"
    assert list(index.hashes) == sorted(set(index.hashes))


def test_two_indexes_hash_under_different_keys() -> None:
    one, two = build_index({"p": PEOPLE}), build_index({"p": PEOPLE})
    assert one.size == two.size
    assert set(one.hashes.tolist()).isdisjoint(two.hashes.tolist())


def test_an_encrypted_dataset_like_input_is_read_column_by_column(tmp_path: Path) -> None:
    """Inputs reach the lab as pyarrow datasets; only the columns the job could read count."""
    pq.write_table(PEOPLE.drop_columns(["tags", "segment"]), tmp_path / "people.parquet")
    dataset = pads.dataset(tmp_path / "people.parquet")
    index = build_index({"people": dataset}, columns={"people": ["name"]})
    shown = redact("Zhang San at M00042", index).text
    assert "Zhang San" not in shown
    assert "M00042" in shown  # merchant_id was not given to the job


def test_the_readers_own_words_stay_but_personal_data_goes_anyway(index: ValueIndex) -> None:
    message = "needed more than the 4321 MB it may use; query said M00042 for 13812345678"
    spec = "resources: {memory_mb: 4321}\nquery: SELECT 'M00042', '13812345678'"
    shown = redact(message, index, known=spec).text
    assert "4321 MB" in shown and "M00042" in shown  # written by the reader: left
    assert "13812345678" not in shown  # a mobile number: the recognizers win
    assert "4321" not in redact(message, index).text  # without `known`: a cell value
