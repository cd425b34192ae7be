"""Provides pure text functions: terminal sanitising, titles and `<think>` splitting."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

# C0 controls map onto the Control Pictures block (U+2400 + code); DEL has U+2421.
_C0_PICTURE_BASE = 0x2400
_DEL_PICTURE = "\u2421"
# C1 controls have no pictures; a replacement character keeps them visible but inert.
_C1_STAND_IN = "\ufffd"
_BIDI_CONTROLS = frozenset(
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
)


def _build_translation() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if chr(code) not in "\n\t":
            table[code] = chr(_C0_PICTURE_BASE + code)
    table[0x7F] = _DEL_PICTURE
    for code in range(0x80, 0xA0):
        table[code] = _C1_STAND_IN
    for char in _BIDI_CONTROLS:
        table[ord(char)] = ""
    # A lone surrogate (JSON can carry one as `\\ud800`) cannot be drawn or saved as UTF-8.
    for code in range(0xD800, 0xE000):
        table[code] = _C1_STAND_IN
    return table


_TRANSLATION = _build_translation()
_ANY_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(_BIDI_CONTROLS)) + "]"
)


def sanitize_for_terminal(text: str) -> str:
    """Make untrusted text inert for a terminal.

    Every C0 control except newline and tab, DEL and every C1 control becomes a visible
    stand-in, so no escape sequence can reach the terminal even if split across chunks.
    Bidi overrides are dropped to prevent visual spoofing; lone surrogates become U+FFFD.
    CRLF and lone CR become LF.

    Args:
        text: Text from a model, a server or a file.

    Returns:
        The same text, safe to hand to any widget.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ANY_UNSAFE.search(text) is None:
        return text
    return text.translate(_TRANSLATION)


@functools.cache
def cjk_characters() -> re.Pattern[str]:
    """Kana, CJK ideographs and Hangul: scripts written without spaces between words.
    Compiled on first use (a few ms: its range beyond U+FFFF makes a large set), which the
    search, not start-up, is the first to make."""
    return re.compile(
        "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
    )


def is_cjk(char: str) -> bool:
    return cjk_characters().match(char) is not None


TITLE_LENGTH = 40


def derive_title(prompt: str, limit: int = TITLE_LENGTH) -> str:
    """Title a conversation after the first non-empty line of its first prompt.

    Args:
        prompt: The first user message.
        limit: The longest title, in characters, before an ellipsis.

    Returns:
        A one-line title, or "New conversation" for a blank prompt.
    """
    for line in sanitize_for_terminal(prompt).splitlines():
        line = " ".join(line.split())
        if line:
            if len(line) <= limit:
                return line
            cut = line[: limit - 1].rstrip()
            return cut + "\u2026"
    return "New conversation"


_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that could be the start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class InlineThinkSplitter:
    """Splits a reply that opens with `<think>...</think>` into reasoning and answer, as the
    fragments arrive.

    Servers before 0.9.0 (and some models) put their reasoning inline; the Markdown renderer
    would drop it as HTML. `feed` returns `(thinking, answer)` pieces for each fragment,
    holding back only what might still turn out to be part of a tag.
    """

    def __init__(self) -> None:
        # start -> (before_thought -> thinking -> after_think ->) answer
        self._state = "start"
        self._held = ""

    def feed(self, text: str) -> tuple[str, str]:
        if self._state == "answer":
            return "", text
        if self._state in ("before_thought", "after_think"):
            # The blank lines around the reasoning belong to neither part.
            text = text.lstrip("\n")
            if not text:
                return "", ""
            if self._state == "after_think":
                self._state = "answer"
                return "", text
            self._state = "thinking"
        held = self._held + text
        if self._state == "start":
            stripped = held.lstrip()
            if stripped.startswith(_THINK_OPEN):
                self._state, self._held = "before_thought", ""
                return self.feed(stripped[len(_THINK_OPEN) :])
            if _THINK_OPEN.startswith(stripped):
                self._held = held  # "", whitespace or "<thi": wait for more
                return "", ""
            self._state, self._held = "answer", ""
            return "", held
        self._held = ""
        return self._feed_thinking(held)

    def _feed_thinking(self, text: str) -> tuple[str, str]:
        end = text.find(_THINK_CLOSE)
        if end >= 0:
            answer = text[end + len(_THINK_CLOSE) :].lstrip("\n")
            self._state = "answer" if answer else "after_think"
            return text[:end].rstrip("\n"), answer
        # Keep a partial closing tag, and trailing newlines that may precede it.
        cut = len(text) - _partial_suffix(text, _THINK_CLOSE)
        shown = text[:cut].rstrip("\n")
        self._held = text[len(shown) :]
        return shown, ""

    def finish(self) -> tuple[str, str]:
        """Whatever was held back, once the reply has ended."""
        held, self._held = self._held, ""
        if self._state == "thinking":
            return held.rstrip("\n"), ""
        return "", held


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """The fenced code blocks of a Markdown text, as (info string, code), in order.

    A fence is three or more backticks or tildes; it closes with the same character, at
    least as many, and an unclosed block runs to the end (as CommonMark reads it).
    """
    blocks: list[tuple[str, str]] = []
    fence = ""
    info = ""
    lines: list[str] = []
    for line in markdown.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not fence:
            marker = stripped[:1]
            if indent < 4 and marker in ("`", "~") and stripped.startswith(marker * 3):
                run = len(stripped) - len(stripped.lstrip(marker))
                fence, info, lines = stripped[:run], stripped[run:].strip(), []
            continue
        if indent < 4 and stripped.startswith(fence) and not stripped.lstrip(fence[0]).strip():
            blocks.append((info, "\n".join(lines)))
            fence = ""
            continue
        lines.append(line)
    if fence:
        blocks.append((info, "\n".join(lines)))
    return blocks


def map_strings(value: Any, convert: Callable[[str], str]) -> Any:
    """A decoded JSON value with `convert` applied to every string in it, keys included: the one
    walk behind every rule for strings that come from outside (a server's, a file's)."""
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [map_strings(item, convert) for item in value]
    if isinstance(value, dict):
        return {convert(key): map_strings(item, convert) for key, item in value.items()}
    return value
