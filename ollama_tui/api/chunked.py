"""Provides the reading of chunked response bodies a network read at a time, not a chunk at a
time.

Ollama writes each line of a streamed reply as a chunk of its own, a token each. h11 (under
httpx) hands a chunked body over chunk by chunk, and each chunk then costs its way up through
h11's state machine, httpcore's and httpx's iterators and ours: about 20 µs, which is two
thirds of what a token costs the app. A reply that arrives faster than the app reads it (the
server had it ready, or the network held it back) queues up in 64 KB reads of ~400 chunks;
read one chunk at a time, 2,000 tokens took 60 ms to read, and the end of the reply waited
for them.

`install` puts a reader into h11's table of body readers that decodes every chunk already in
the buffer with h11's own reader and hands them over as one piece. Chunk boundaries carry no
meaning in HTTP; h11's own checks still apply to every chunk. A malformed chunk after some
good ones is raised at the next read, after the good ones are handed over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h11 import Data, EndOfMessage, ProtocolError

if TYPE_CHECKING:
    from h11._receivebuffer import ReceiveBuffer


def install() -> bool:
    """Read chunked bodies a network read at a time (once per process); False when this h11
    is not laid out as the reader expects (it then reads chunk by chunk, correctly)."""
    try:
        from h11._readers import READERS, ChunkedReader
        from h11._state import SEND_BODY
    except ImportError:
        return False
    readers = READERS.get(SEND_BODY)
    if not isinstance(readers, dict):
        return False
    current = readers.get("chunked")
    if getattr(current, "reads_whole_buffer", False):
        return True
    if current is not ChunkedReader:
        return False

    class BufferedChunkReader(ChunkedReader):
        """h11's chunked reader, returning every chunk the buffer holds as one `Data`."""

        reads_whole_buffer = True

        def __init__(self) -> None:
            super().__init__()
            self._held: EndOfMessage | ProtocolError | None = None
            """What followed the chunks handed over last: the end of the body, or the
            error of a malformed chunk; returned (or raised) at the next read."""

        def __call__(self, buf: ReceiveBuffer) -> Data | EndOfMessage | None:
            held, self._held = self._held, None
            if isinstance(held, Exception):
                raise held
            if held is not None:
                return held
            event = super().__call__(buf)
            if not isinstance(event, Data) or not event.chunk_end:
                return event
            parts = [event.data]
            last = event
            while last.chunk_end:
                try:
                    following = super().__call__(buf)
                except ProtocolError as error:
                    self._held = error
                    break
                if not isinstance(following, Data):
                    self._held = following  # the end of the body, or None: more to read
                    break
                parts.append(following.data)
                last = following
            return Data(
                data=b"".join(parts), chunk_start=event.chunk_start, chunk_end=last.chunk_end
            )

    readers["chunked"] = BufferedChunkReader
    return True
