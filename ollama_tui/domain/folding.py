"""Provides how searches compare text: case and accents aside, as the full-text index
matches, and where a word was found, so what matched can be shown and marked."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .text import cjk_characters, is_cjk


class _FoldTable(dict[int, str]):
    """Each character's folded form, worked out the first time it is met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = "".join(
            part for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part)
        )
        folded = base.lower()
        # One character for one, so a place in the folded text is the same place in the
        # original: `ß` stays (casefold would make it two), `İ` becomes `i`.
        if len(folded) != 1:
            folded = char.lower() if len(char.lower()) == 1 else char
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """`text` lower-cased and without accents (`CAFÉ` → `cafe`), one character for one."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def _pattern(word: str) -> re.Pattern[str]:
    """A folded word as the index finds it: CJK characters are words of their own there,
    so they match across the spaces and line breaks between them."""
    parts = [re.escape(char) for char in word]
    if not cjk_characters().search(word):
        return re.compile("".join(parts))
    return re.compile(r"\s*".join(parts))


def word_spans(text: str, word: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """Where `word` (folded) occurs in `text` from `start`, as (start, end) pairs, places
    beginning a word first (the index matches words by their start), then any other."""
    folded = fold(text)
    pattern = _pattern(fold(word))
    found = [(m.start(), m.end()) for m in pattern.finditer(folded, start) if m.end() > m.start()]

    def begins_word(span: tuple[int, int]) -> bool:
        index = span[0]
        return index == 0 or is_cjk(folded[index]) or not folded[index - 1].isalnum()

    yield from (span for span in found if begins_word(span))
    yield from (span for span in found if not begins_word(span))
