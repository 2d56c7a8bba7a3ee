"""Context words raise scores, found by looking at the characters around a find.

Presidio's default enhancer compares context words with the lemmas of nearby tokens; with no
trained pipeline there are no lemmas, and Chinese is not split into words anyway. This one
looks at a window of characters before (and a few after) each find and checks whether a
recognizer's context word occurs in it as a substring, case-insensitively: "身份证号：" right
before an ID number, "联系人" before a name, "phone:" before a number. Works the same for
Chinese and English, with no tokenizer and no model.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts


class WindowContextEnhancer(ContextAwareEnhancer):
    """Adds `context_similarity_factor` (at least up to `min_score_with_context_similarity`)
    to a find whose surrounding characters contain one of its recognizer's context words."""

    def __init__(
        self,
        context_similarity_factor: float = 0.35,
        min_score_with_context_similarity: float = 0.4,
        chars_before: int = 16,
        chars_after: int = 8,
    ) -> None:
        super().__init__(
            context_similarity_factor=context_similarity_factor,
            min_score_with_context_similarity=min_score_with_context_similarity,
            context_prefix_count=chars_before,
            context_suffix_count=chars_after,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        results = raw_results  # fresh objects of this analyze() call: updated in place
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        extra = " ".join(word.lower() for word in context or [])
        lowered = text.lower()
        for result in results:
            metadata = result.recognition_metadata or {}
            recognizer = by_id.get(metadata.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            if metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            window = (
                lowered[max(0, result.start - self.context_prefix_count) : result.start]
                + " "
                + lowered[result.end : result.end + self.context_suffix_count]
                + " "
                + extra
            )
            word = next((w for w in recognizer.context if w.lower() in window), None)
            if word is None:
                continue
            result.score = min(
                max(
                    result.score + self.context_similarity_factor,
                    self.min_score_with_context_similarity,
                ),
                ContextAwareEnhancer.MAX_SCORE,
            )
            if result.analysis_explanation is not None:
                result.analysis_explanation.set_supportive_context_word(word)
                result.analysis_explanation.set_improved_score(result.score)
        return results
