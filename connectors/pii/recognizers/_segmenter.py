"""Chinese word segmentation with part-of-speech tags (jieba), loaded once per process.

jieba bundles its dictionary, so nothing is downloaded. By default it writes a prefix-dict
cache to the shared temporary folder (`/tmp/jieba.cache`) and later loads whatever file sits
there with `marshal`; ours never reads or writes such a file: the prefix dict is built in
memory on first use (about half a second). jieba's logger is set to warnings only, so
loading prints nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

_lock = threading.Lock()
_tagger: Any = None


@dataclass(frozen=True)
class Token:
    """One word of a segmented text, with its jieba part-of-speech tag ("nr": person name)."""

    word: str
    tag: str
    start: int
    end: int
    in_dictionary: bool  # False: the word was put together by jieba's HMM (unknown words)


def _load() -> Any:
    global _tagger
    with _lock:
        if _tagger is None:
            logging.getLogger("jieba").setLevel(logging.WARNING)
            import jieba  # type: ignore[import-untyped]
            import jieba.posseg  # type: ignore[import-untyped]

            tokenizer = jieba.dt  # the tagger below (jieba.posseg.dt) segments with this one
            with tokenizer.lock:
                if not tokenizer.initialized:
                    # Tokenizer.initialize() without the cache file (see the module doc).
                    frequencies, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
                    tokenizer.FREQ, tokenizer.total = frequencies, total
                    tokenizer.initialized = True
            _tagger = jieba.posseg.dt
        return _tagger


def segment(text: str) -> list[Token]:
    """The words of a text in order, with their tags and character offsets."""
    tagger = _load()
    frequencies = tagger.tokenizer.FREQ
    tokens: list[Token] = []
    at = 0
    for pair in tagger.cut(text):
        word, tag = str(pair.word), str(pair.flag)
        start = at if text.startswith(word, at) else text.find(word, at)
        if start < 0:  # never expected: jieba returns the text in pieces, in order
            continue
        end = start + len(word)
        tokens.append(Token(word, tag, start, end, bool(frequencies.get(word))))
        at = end
    return tokens


def dictionary_tag(word: str) -> str | None:
    """The tag jieba's dictionary gives a word, None for words it does not list."""
    tagger = _load()
    if not tagger.tokenizer.FREQ.get(word):
        return None
    tag = tagger.word_tag_tab.get(word)
    return None if tag is None else str(tag)
