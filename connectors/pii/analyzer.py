"""A Presidio analyzer that works offline, built once per settings and cached.

- NLP engine: Presidio's no-op engine by default (no model, no tokens), so nothing is ever
  downloaded; context words work through WindowContextEnhancer (character windows, no
  tokenizer needed - a blank zh pipeline with the jieba segmenter and a lemma component
  would serve Presidio's lemma enhancer too, at the cost of a package and a tokenizer pass
  per call). Optionally a trained spaCy pipeline that is already installed (a
  package name or a path) adds NER for PERSON and LOCATION; a missing one is an error, never
  a download.
- Registry: explicit and lean - our recognizers (recognizers/__init__.py) plus Presidio's
  email (ours: ASCII pattern, offline suffix check), IP, credit card, IBAN and phone
  (regions include CN) recognizers, for each language. Presidio's regexes run with the ASCII
  flag so `\\b` fires between a Chinese label and a number ("卡号4111…").
- Overlapping finds of different entities are merged into one (merge.py).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import regex  # type: ignore[import-untyped]
import spacy
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine, NoOpNlpEngine, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
)

from connectors.errors import ConnectorError
from connectors.pii.context import WindowContextEnhancer
from connectors.pii.merge import merge_overlaps
from connectors.pii.recognizers import OfflineEmailRecognizer, build_recognizers

_PHONE_LIKE = re.compile(r"[0-9](?:[ ()./-]{0,3}[0-9]){6,}")
PHONE_CONTEXT = ["电话", "手机", "座机", "联系方式", "phone", "tel", "mobile", "cell", "call"]


@dataclass(frozen=True)
class AnalyzerSettings:
    """How to build the analyzer. Hashable: one cached analyzer per distinct settings."""

    languages: tuple[str, ...] = ("zh", "en")
    phone_regions: tuple[str, ...] = ("CN", "US")
    """Regions for numbers written without a country code; "+852 …" is found regardless."""
    spacy_model: str | None = None
    """An installed trained spaCy pipeline (package name or directory) for NER; None: no NER."""
    spacy_model_language: str = "zh"
    context_chars_before: int = 16
    context_chars_after: int = 8


class DigitRunPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer, skipped for texts without a run of 7 or more digits (no
    phone number is shorter); the phone library is by far the slowest recognizer."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not _PHONE_LIKE.search(text):
            return []
        return list(super().analyze(text, entities, cast(NlpArtifacts, nlp_artifacts)))


class LabAnalyzerEngine(AnalyzerEngine):
    """Presidio's analyzer whose results never overlap (see merge.py)."""

    def analyze(
        self, text: str, language: str, *args: Any, **kwargs: Any
    ) -> list[RecognizerResult]:
        return merge_overlaps(super().analyze(text, language, *args, **kwargs))


def _ascii(recognizer: PatternRecognizer) -> PatternRecognizer:
    recognizer.global_regex_flags = (recognizer.global_regex_flags or 0) | regex.ASCII
    return recognizer


def presidio_recognizers(language: str, phone_regions: tuple[str, ...]) -> list[EntityRecognizer]:
    """The few stock Presidio recognizers we use, set up for Chinese text too."""
    return [
        OfflineEmailRecognizer(supported_language=language),
        _ascii(IpRecognizer(supported_language=language)),
        _ascii(CreditCardRecognizer(supported_language=language)),
        IbanRecognizer(
            supported_language=language,
            regex_flags=regex.DOTALL | regex.MULTILINE | regex.ASCII,
        ),
        DigitRunPhoneRecognizer(
            context=PHONE_CONTEXT, supported_language=language, supported_regions=phone_regions
        ),
    ]


def _spacy_engine(name: str, settings: AnalyzerSettings) -> NlpEngine:
    """A spaCy engine: the named installed pipeline for its language, blank ones (written to
    a temporary folder, loaded, then removed) for the other languages."""
    if not (spacy.util.is_package(name) or Path(name).exists()):
        raise ConnectorError(
            f"spaCy model {name!r} is not installed; install it or leave spacy_model unset "
            "(models are never downloaded)"
        )
    with tempfile.TemporaryDirectory(prefix="lab-blank-spacy-") as folder:
        models = []
        for language in settings.languages:
            if language == settings.spacy_model_language:
                models.append({"lang_code": language, "model_name": name})
            else:
                path = Path(folder) / language
                spacy.blank(language).to_disk(path)
                models.append({"lang_code": language, "model_name": str(path)})
        engine = SpacyNlpEngine(models=models)
        engine.load()
    return engine


def build_analyzer(settings: AnalyzerSettings | None = None) -> AnalyzerEngine:
    """A new offline analyzer (prefer get_analyzer, which caches it)."""
    settings = settings or AnalyzerSettings()
    languages = list(settings.languages)
    if settings.spacy_model:
        nlp_engine = _spacy_engine(settings.spacy_model, settings)
    else:
        nlp_engine = NoOpNlpEngine(
            models=[{"lang_code": language, "model_name": "no_op"} for language in languages]
        )
        nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=languages)
    for language in languages:
        for recognizer in build_recognizers(language):
            registry.add_recognizer(recognizer)
        for recognizer in presidio_recognizers(language, settings.phone_regions):
            registry.add_recognizer(recognizer)
    if settings.spacy_model:
        registry.add_nlp_recognizer(nlp_engine=nlp_engine)
    return LabAnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=languages,
        context_aware_enhancer=WindowContextEnhancer(
            chars_before=settings.context_chars_before, chars_after=settings.context_chars_after
        ),
    )


@lru_cache(maxsize=4)
def get_analyzer(settings: AnalyzerSettings | None = None) -> AnalyzerEngine:
    """The analyzer for these settings, built on first use and kept."""
    return build_analyzer(settings)
