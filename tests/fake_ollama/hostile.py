"""Provides hostile marker sequences: terminal escapes and markup, tagged by where they were put.

Every marker starts with `~HX<tag>`, text that is harmless and shows where a string reached
the screen; then come the sequences that a terminal would obey if they reached it raw (window
title, clipboard, hyperlink, DCS, clear screen, a C1 CSI, a right-to-left override) and
markup that crashes a parser (`[/]` closes nothing). `file_marker` leaves out the `/`, so
it fits in a file name.
"""

from __future__ import annotations

import re
from typing import Any

TAG_PREFIX = "~HX"


def marker(tag: str) -> str:
    return _marker(tag, "[/]")


def file_marker(tag: str) -> str:
    return _marker(tag, "")


def _marker(tag: str, closing: str) -> str:
    return (
        f"{TAG_PREFIX}{tag}{closing}"  # [/] closes nothing: a markup parser raises
        f"\x1b]0;HX{tag}\x07"  # OSC 0: window title
        f"\x1b]2;HX{tag}\x1b\\"  # OSC 2: window title
        f"\x1b]8;;HX{tag}\x1b\\link\x1b]8;;\x1b\\"  # OSC 8: a hyperlink
        "\x1b]52;c;SFhQV05FRA==\x07"  # OSC 52: write the clipboard
        f"\x1bPHX{tag}\x1b\\"  # DCS
        f"J{tag}\x1b[2J"  # CSI 2J: clear the screen
        f"\x9bHX{tag}m"  # C1 CSI
        "\u202e"  # right-to-left override
        "[bold]"
    )


def dress(value: Any, tag: str = "") -> Any:
    """`value` with a marker appended to every string in it, dictionary keys included; each
    marker tagged with the string's path (`models.0.name`)."""
    if isinstance(value, str):
        return value + marker(tag or "root")
    if isinstance(value, list):
        return [dress(item, f"{tag}.{index}".lstrip(".")) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            (dress(key, f"{tag}.key") if key not in _PROTOCOL_KEYS else key): dress(
                item, f"{tag}.{key}".lstrip(".")
            )
            for key, item in value.items()
        }
    return value


# Keys are dressed only where they are data (model_info's names); the protocol's own keys are
# what makes a response a response.
_PROTOCOL_KEYS = frozenset(
    {
        "version",
        "models",
        "name",
        "model",
        "modified_at",
        "size",
        "size_vram",
        "digest",
        "details",
        "parent_model",
        "format",
        "family",
        "families",
        "parameter_size",
        "quantization_level",
        "expires_at",
        "context_length",
        "license",
        "modelfile",
        "parameters",
        "template",
        "system",
        "model_info",
        "capabilities",
        "status",
        "total",
        "completed",
        "error",
        "created_at",
        "message",
        "role",
        "content",
        "thinking",
        "response",
        "done",
        "done_reason",
        "total_duration",
        "load_duration",
        "prompt_eval_count",
        "prompt_eval_duration",
        "eval_count",
        "eval_duration",
        "context",
        "embeddings",
        "embedding",
    }
)


def undress(text: str) -> str:
    """What a string was before its marker: how the fake server finds a model whose name the
    client sends back (raw, or made inert)."""
    return text.partition(TAG_PREFIX)[0]


LEAKS: dict[str, bytes] = {
    "OSC 0": rb"\x1b\]0;HX",
    "OSC 2": rb"\x1b\]2;HX",
    "OSC 8": rb"\x1b\]8;;HX",
    "OSC 52": rb"\x1b\]52;c;SFhQV05FRA",
    "DCS": rb"\x1bPHX",
    "CSI 2J": rb"J[\w.-]+\x1b\[2J",
    "C1 CSI": rb"\xc2\x9b",
    "U+202E": "\u202e".encode(),
}


def leaks(output: bytes) -> list[str]:
    """Each marker sequence found raw in terminal output, with the bytes around it."""
    found = []
    for name, pattern in LEAKS.items():
        for match in re.finditer(pattern, output):
            start = max(0, match.start() - 60)
            found.append(f"{name}: {output[start : match.end() + 20]!r}")
            break
    return found
