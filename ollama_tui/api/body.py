"""Provides the reading of a response body, decompressed in bounded steps.

httpx inflates each network read whole: 64 KB of a gzip bomb become 64 MB at once, before any
cap can look at them. Here every step yields at most `STEP` bytes, so a cap on the decoded
size holds to within one step. Ollama never compresses; this is for what a proxy or a hostile
server sends.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from .errors import ProtocolError

if TYPE_CHECKING:
    import httpx

STEP = 64 * 1024
ACCEPTED_ENCODINGS = "gzip, deflate"
"""What the client asks for: exactly what it can decode in bounded steps."""

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class _Inflater:
    """One gzip or deflate stream, inflated at most `STEP` bytes at a time."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._inflate = zlib.decompressobj(_WBITS[encoding])
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self._encoding == "deflate":
            # Some servers send raw deflate without the zlib header (httpx tries both too).
            self._started = True
            try:
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                probe.decompress(data[:64], 1)
            except zlib.error:
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = data
        while True:
            out = self._inflate.decompress(pending, STEP)
            if out:
                yield out
            pending = self._inflate.unconsumed_tail
            if not pending:
                return

    def finish(self) -> bytes:
        return self._inflate.flush()


async def decoded_chunks(response: httpx.Response, what: str) -> AsyncIterator[bytes]:
    """The body as it was meant, in pieces of at most `STEP` bytes.

    Args:
        response: A streamed response.
        what: Who sent it, for messages: "The server at host answered /api/tags".

    Raises:
        ProtocolError: an encoding other than gzip or deflate, or a body that does not
            decompress.
    """
    codings = [
        part.strip().lower()
        for part in response.headers.get("content-encoding", "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if len(codings) > 1 or (codings and codings[0] not in _WBITS):
        raise ProtocolError(
            f"{what} in an encoding the client does not read "
            f"({', '.join(codings)}; it asks for {ACCEPTED_ENCODINGS})."
        )
    inflater = _Inflater(codings[0]) if codings else None
    try:
        async for raw in response.aiter_raw():
            if inflater is None:
                for start in range(0, len(raw), STEP):
                    yield raw[start : start + STEP]
                continue
            for piece in inflater.feed(raw):
                yield piece
        if inflater is not None and (rest := inflater.finish()):
            yield rest
    except zlib.error:
        raise ProtocolError(f"{what} with a body that does not decompress.") from None
