"""A recognizer whose finds come from a rule function rather than one regex (Chinese names
and addresses): what they share with Presidio's interface lives here once."""

from __future__ import annotations

from collections.abc import Callable

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    LocalRecognizer,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

Finder = Callable[[str], list[tuple[int, int, float, str]]]
"""text -> (start, end, score, which rule) for every find."""


class RuleBasedRecognizer(LocalRecognizer):
    """Subclasses set ENTITY, NAME, CONTEXT, EXPLAINED (a format with `{rule}`) and FIND."""

    ENTITY: str
    NAME: str
    CONTEXT: list[str]
    EXPLAINED: str

    @staticmethod
    def FIND(text: str) -> list[tuple[int, int, float, str]]:
        raise NotImplementedError

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            name=self.NAME,
            supported_language=supported_language,
            context=self.CONTEXT,
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = [
            RecognizerResult(
                entity_type=self.ENTITY,
                start=start,
                end=end,
                score=score,
                analysis_explanation=AnalysisExplanation(
                    recognizer=self.NAME,
                    original_score=score,
                    textual_explanation=self.EXPLAINED.format(rule=rule),
                ),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.NAME,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for start, end, score, rule in self.FIND(text)
        ]
        return list(EntityRecognizer.remove_duplicates(results))
