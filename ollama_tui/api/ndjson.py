"""Provides the NDJSON line reader: incremental, size-capped, tolerant of blank lines."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from .errors import ProtocolError

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest stream line read: a reply's line holds one token, a hostile one never ends."""


def parse_line(line: bytes, source: str = "The server") -> dict[str, Any] | None:
    """One line of a streamed reply as an object; None for a blank line. `source` begins
    each message ("The server at gpu:11434, answering /api/chat,").

    Raises:
        ProtocolError: the line is not a JSON object.
    """
    text = line.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except RecursionError:
        raise ProtocolError(f"{source} sent a line of JSON nested too deeply to read.") from None
    except ValueError:
        raise ProtocolError(f"{source} sent a line that is not JSON: {text[:80]!r}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"{source} sent a JSON line that is not an object: {text[:80]!r}")
    return data


def _too_long(limit: int, source: str) -> ProtocolError:
    return ProtocolError(f"{source} sent a line longer than {limit:,} bytes; it was not read.")


async def iter_json_lines(
    chunks: AsyncIterator[bytes], *, max_line_bytes: int, source: str = "The server"
) -> AsyncIterator[dict[str, Any]]:
    """Split a byte stream into JSON objects, one per line, whatever the chunk boundaries.

    Raises:
        ProtocolError: a malformed line, or one longer than `max_line_bytes`.
    """
    buffer = bytearray()
    async for chunk in chunks:
        # Only the new bytes are searched for a line end: a long line arriving in many
        # chunks is scanned once, not once per chunk.
        scanned = len(buffer)
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", scanned)) >= 0:
            if end - start > max_line_bytes:
                raise _too_long(max_line_bytes, source)
            data = parse_line(bytes(buffer[start:end]), source)
            start = scanned = end + 1
            if data is not None:
                yield data
        del buffer[:start]
        if len(buffer) > max_line_bytes:
            raise _too_long(max_line_bytes, source)
    data = parse_line(bytes(buffer), source)
    if data is not None:
        yield data
