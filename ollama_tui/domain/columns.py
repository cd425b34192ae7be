"""Provides text measured and cut in terminal columns, for output that is not drawn by
Textual (the command line): wide characters take two columns."""

from __future__ import annotations

import unicodedata


def cell_width(char: str) -> int:
    """Columns a character takes on a terminal: two for wide (CJK) characters, none for
    combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    return sum(cell_width(char) for char in text)


def clip(text: str, width: int) -> str:
    """`text` in at most `width` columns, its end replaced by `…` when it is cut."""
    if text_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        if used + cell_width(char) > width - 1:
            break
        kept.append(char)
        used += cell_width(char)
    return "".join(kept) + "…" if width > 0 else ""


def pad(text: str, width: int) -> str:
    """`text` clipped to `width` columns and padded with spaces to fill them."""
    clipped = clip(text, width)
    return clipped + " " * (width - text_width(clipped))
