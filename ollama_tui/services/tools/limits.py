"""The caps on what a tool gives back: what the model is sent and what a file keeps."""

from __future__ import annotations

from ...domain.quantities import format_size

OUTPUT_CAP = 100_000
"""Bytes of a tool's answer sent to the model: enough for a source file, not for a 2 GB log."""
SAVED_CAP = 1_000_000
"""Bytes of a tool's answer kept in the conversation file (the screen shows less)."""


def cap(text: str, limit: int = OUTPUT_CAP, *, total: int | None = None) -> str:
    """`text` cut to `limit` UTF-8 bytes, saying so at the end when it was cut; `total`: the
    size of the whole, when `text` is already only the start of it."""
    data = text.encode()
    whole = max(total or 0, len(data))
    if whole <= limit:
        return text
    kept = data[:limit].decode("utf-8", "ignore")
    return f"{kept}\n[… cut off: {format_size(whole)} in all, the first {format_size(limit)} shown]"
