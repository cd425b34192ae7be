"""Provides FakeOllama: a scriptable Ollama on 127.0.0.1, assembled from its parts.

`transport.py` speaks HTTP/1.1 on a thread of its own, `script.py` holds the state and the
scripting API tests call, `routes/` answers Ollama's endpoints from that state.
"""

from __future__ import annotations

from .routes import respond
from .script import Script
from .transport import Connection, HttpServer, RecordedRequest


class FakeOllama(Script):
    """A scriptable Ollama on 127.0.0.1. Start it with `with FakeOllama() as server:`."""

    def __init__(self, *, version: str = "0.12.3", port: int = 0) -> None:
        super().__init__(version=version)
        self._http = HttpServer(
            self._respond, record=self.record, hostile=lambda: self.hostile, port=port
        )

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>` once started."""
        return self._http.url

    def start(self) -> FakeOllama:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _respond(self, conn: Connection, request: RecordedRequest) -> None:
        await respond(self, conn, request)
