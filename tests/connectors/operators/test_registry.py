from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from connectors.errors import SpecError
from connectors.operators import OPERATORS, default_choice, get_operator, parse_params
from connectors.operators.defaults import decile_edges


def test_registry_names() -> None:
    assert set(OPERATORS) == {
        "drop",
        "keep",
        "mask",
        "pseudonym",
        "surrogate",
        "generalize",
        "suppress_rare",
        "scrub",
        "round_significant",
        "top_bottom_code",
        "noise",
    }
    for name, cls in OPERATORS.items():
        assert cls.name == name


def test_unknown_operator_is_named() -> None:
    with pytest.raises(SpecError, match="'shred'"):
        get_operator("shred")


@pytest.mark.parametrize(
    ("operator", "params", "field"),
    [
        ("mask", {"keep_lst": 3}, "params.keep_lst: unknown parameter"),
        ("mask", {"keep_last": -1}, "params.keep_last"),
        ("pseudonym", {"prefix": "bad prefix!"}, "params.prefix"),
        ("keep", {"anything": 1}, "params.anything: unknown parameter"),
        ("surrogate", {"entity": "DNA"}, "params.entity"),
    ],
)
def test_bad_params_name_the_field(operator: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecError, match=field):
        parse_params(operator, params)


@pytest.mark.parametrize(
    ("classification", "entity", "dtype", "operator", "params"),
    [
        ("identifier", "PRC_ID_NUMBER", pa.string(), "pseudonym", {}),
        ("identifier", "PRC_MOBILE", pa.string(), "pseudonym", {}),
        ("identifier", "BANK_CARD", pa.string(), "pseudonym", {}),
        ("identifier", "PRC_USCC", pa.string(), "pseudonym", {}),
        ("identifier", "EMAIL_ADDRESS", pa.string(), "pseudonym", {}),
        ("identifier", "IP_ADDRESS", pa.string(), "pseudonym", {}),
        ("identifier", "PERSON", pa.string(), "surrogate", {"entity": "PERSON"}),
        ("identifier", "ORGANIZATION", pa.string(), "surrogate", {"entity": "ORGANIZATION"}),
        ("identifier", "LOCATION", pa.string(), "generalize", {"level": "city"}),
        ("identifier", None, pa.int64(), "pseudonym", {}),
        ("quasi_identifier", "DATE_OF_BIRTH", pa.date32(), "generalize", {"level": "month"}),
        ("quasi_identifier", "DATE_TIME", pa.string(), "generalize", {"level": "month"}),
        ("quasi_identifier", "AGE", pa.int64(), "generalize", {"band": 10}),
        ("quasi_identifier", "LOCATION", pa.string(), "generalize", {"level": "city"}),
        ("quasi_identifier", "POSTCODE", pa.string(), "suppress_rare", {}),
        ("quasi_identifier", "GENDER", pa.string(), "keep", {}),
        ("sensitive", None, pa.float64(), "keep", {}),
        ("plain", None, pa.string(), "keep", {}),
    ],
)
def test_default_operator(
    classification: str,
    entity: str | None,
    dtype: pa.DataType,
    operator: str,
    params: dict[str, Any],
) -> None:
    choice = default_choice(
        classification, entity, free_text=False, free_text_policy="scrub_or_drop", dtype=dtype
    )
    assert (choice.operator, choice.params) == (operator, params)
    parse_params(choice.operator, choice.params)  # defaults are valid parameters


@pytest.mark.parametrize(
    ("policy", "operator", "params"),
    [
        ("scrub_or_drop", "scrub", {"on_unsure": "withhold"}),
        ("keep_scrubbed", "scrub", {"on_unsure": "keep"}),
        ("drop", "drop", {}),
    ],
)
def test_free_text_default(policy: str, operator: str, params: dict[str, Any]) -> None:
    choice = default_choice(
        "identifier", "FREE_TEXT", free_text=True, free_text_policy=policy, dtype=pa.string()
    )
    assert (choice.operator, choice.params) == (operator, params)


def test_numeric_quasi_identifier_gets_decile_bins() -> None:
    sample = pa.array([float(i) for i in range(1000)])
    choice = default_choice(
        "quasi_identifier",
        None,
        free_text=False,
        free_text_policy="drop",
        dtype=pa.float64(),
        sample=sample,
    )
    assert choice.operator == "generalize"
    assert choice.params["bins"] == decile_edges(sample)
    assert choice.params["bins"][0] == 100.0
    assert decile_edges(pa.array([1.0, 2.0])) == []
