"""Precision and recall of name scrubbing, measured on a labelled corpus (names_corpus.py)."""

from __future__ import annotations

import pytest

from tests.connectors.pii.names_corpus import Figures, build, measure

MIN_PRECISION = 0.95
MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def figures() -> dict[str, Figures]:
    return measure(build())


def test_the_corpus_has_every_kind_of_sentence(figures: dict[str, Figures]) -> None:
    groups = [g for g in figures if g != "all"]
    assert sum(figures[g].names for g in groups) >= 200
    assert sum(figures[g].sentences for g in groups if not figures[g].names) >= 150
    assert figures["names known from a column"].names > 0


def test_precision_and_recall(figures: dict[str, Figures]) -> None:
    total = figures["all"]
    assert total.precision >= MIN_PRECISION, total.wrong
    assert total.recall >= MIN_RECALL, total.misses


@pytest.mark.parametrize(
    "group",
    [
        "zh names, with context",
        "zh names, no context",
        "latin names, with context",
        "names known from a column",
    ],
)
def test_each_group_of_names(figures: dict[str, Figures], group: str) -> None:
    assert figures[group].recall >= 0.9, figures[group].misses
    assert figures[group].precision >= MIN_PRECISION, figures[group].wrong


def test_text_without_names_comes_back_nearly_unchanged(figures: dict[str, Figures]) -> None:
    """No person replaced, and almost no cell held back as a doubt, in name-free text."""
    free = [f for group, f in figures.items() if group.startswith("no names")]
    sentences = sum(f.sentences for f in free)
    wrong = sum(f.wrong_replacements for f in free)
    unsure = sum(f.unsure_cells for f in free)
    assert wrong <= 0.05 * sentences, [w for f in free for w in f.wrong]
    assert unsure <= 0.05 * sentences
