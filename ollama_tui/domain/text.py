"""Provides pure text functions: terminal sanitising, titles and `<think>` splitting."""

from __future__ import annotations

import re

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
    return table


_TRANSLATION = _build_translation()
_ANY_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(_BIDI_CONTROLS)) + "]")


def sanitize_for_terminal(text: str) -> str:
    """Make untrusted text inert for a terminal.

    Every C0 control except newline and tab, DEL and every C1 control becomes a visible
    stand-in, so no escape sequence can reach the terminal even if split across chunks.
    Bidi overrides are dropped to prevent visual spoofing. CRLF and lone CR become LF.

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


def split_think(content: str) -> tuple[str, str, bool]:
    """Split a leading `<think>...</think>` block out of reply content.

    Older servers and some models put their reasoning inline; the Markdown renderer would
    drop it as HTML, so it is shown separately instead.

    Args:
        content: The reply text as received so far.

    Returns:
        `(thinking, answer, closed)`: the reasoning, the rest, and whether the block has
        ended (False while the model is still thinking).
    """
    stripped = content.lstrip()
    if not stripped.startswith(_THINK_OPEN):
        if _THINK_OPEN.startswith(stripped) and stripped:
            return "", "", False  # a prefix of "<think>": wait for more text
        return "", content, True
    body = stripped[len(_THINK_OPEN) :]
    end = body.find(_THINK_CLOSE)
    if end < 0:
        return body.lstrip("\n"), "", False
    return body[:end].strip("\n"), body[end + len(_THINK_CLOSE) :].lstrip("\n"), True
