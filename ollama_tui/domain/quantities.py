"""Provides how counts and sizes are worded, the same on every screen and in every message."""

from __future__ import annotations

import math


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """`1 line`, `2 lines`, `0 lines`: the number with its noun agreeing (`plural` for nouns
    that do not just take an s)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def format_size(size: float) -> str:
    """Bytes as Ollama shows them: decimal units, `73 B`, `1.2 KB`, `4.7 GB`, `274 MB`
    (whole numbers from 10 up and for whole values, one decimal otherwise)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    if unit == "B" or value >= 10 or value == math.trunc(value):
        return f"{math.floor(value):,} {unit}"
    return f"{value:.1f} {unit}"  # 2.02 GB is "2.0 GB", as `ollama list` writes it
