"""Provides the NDJSON line reader: incremental, size-capped, tolerant of blank lines."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from .errors import ProtocolError


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One line of a streamed reply as an object; None for a blank line.

    Raises:
        ProtocolError: the line is not a JSON object.
    """
    text = line.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise ProtocolError(f"The server sent a line that is not JSON: {text[:80]!r}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"The server sent a JSON line that is not an object: {text[:80]!r}")
    return data


def _too_long(limit: int) -> ProtocolError:
    return ProtocolError(f"The server sent a line longer than {limit:,} bytes; it was not read.")


async def iter_json_lines(
    chunks: AsyncIterator[bytes], *, max_line_bytes: int
) -> AsyncIterator[dict[str, Any]]:
    """Split a byte stream into JSON objects, one per line, whatever the chunk boundaries.

    Raises:
        ProtocolError: a malformed line, or one longer than `max_line_bytes`.
    """
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            if end - start > max_line_bytes:
                raise _too_long(max_line_bytes)
            data = parse_line(bytes(buffer[start:end]))
            start = end + 1
            if data is not None:
                yield data
        del buffer[:start]
        if len(buffer) > max_line_bytes:
            raise _too_long(max_line_bytes)
    data = parse_line(bytes(buffer))
    if data is not None:
        yield data
