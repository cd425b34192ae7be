"""Provides the fake's HTTP/1.1 transport: an asyncio server on 127.0.0.1 on a thread of its
own, the request as it was recorded, and a connection's writing helpers (bodies, JSON, NDJSON
streams, the watch for a client that went away).

The server runs on its own event loop in a background thread, so sync tests, async tests and
a Textual app on the test's loop can all use it. It records every request, and when the client
closed the connection before the reply was finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .hostile import dress

_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    received_at: float
    finished_at: float | None = None
    disconnected_at: float | None = None
    lines_sent_at: list[float] = field(default_factory=list)
    """When each line of a streamed reply was handed to the kernel (taken just before the
    write, which sends at once while nothing is queued): the benchmarks' start of tail lag."""


class ClientGone(Exception):
    """The client closed the connection while we were answering."""


class HungUp(Exception):
    """We closed the connection on purpose, without answering."""


class Connection:
    """One client connection: writing helpers and the watch for the client going away."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, hostile: bool = False
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.hostile = hostile
        """Every string of every answer carries marker escape sequences (`hostile.dress`)."""
        self.eof: asyncio.Task[bytes] | None = None
        self.leftover = b""
        """Bytes of the next request that the close watch happened to read."""

    def watch_for_close(self) -> None:
        # While streaming, the client sends nothing: a read completing empty means it closed.
        self.eof = asyncio.ensure_future(self.reader.read(1))
        # A reset seen only after the answer ended is nobody's concern: mark it retrieved
        # so that asyncio does not log it.
        self.eof.add_done_callback(lambda task: task.cancelled() or task.exception())

    def client_gone(self) -> bool:
        if self.eof is None or not self.eof.done() or self.eof.cancelled():
            return False
        if self.eof.exception() is not None:
            # A reset, not a close: a client that closes with our data still unread in its
            # buffer (a cancelled stream) makes its kernel answer with RST.
            return True
        data = self.eof.result()
        if data:  # the client is already sending its next request: keep the byte
            self.leftover += data
            self.eof = None
            return False
        return True

    async def stop_watching(self) -> None:
        """Before reading the next request on this connection."""
        task, self.eof = self.eof, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            self.leftover += await task

    async def pause(self, seconds: float) -> None:
        """Wait, but raise ClientGone the moment the client disconnects."""
        if self.eof is None:
            await asyncio.sleep(seconds)
            return
        done, _ = await asyncio.wait({self.eof}, timeout=seconds)
        if done and self.client_gone():
            raise ClientGone
        if done:
            await asyncio.sleep(seconds)

    async def write(self, data: bytes) -> None:
        if self.client_gone():
            raise ClientGone
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, RuntimeError) as error:
            raise ClientGone from error

    async def head(self, status: int, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        await self.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    async def body(
        self, status: int, data: bytes, content_type: str | None, head_only: bool = False
    ) -> None:
        headers = {"Content-Length": str(len(data))}
        if content_type:
            headers["Content-Type"] = content_type
        await self.head(status, headers)
        if data and not head_only:
            await self.write(data)

    async def json(self, status: int, obj: Any) -> None:
        obj = dress(obj) if self.hostile else obj
        await self.body(status, json.dumps(obj).encode(), "application/json; charset=utf-8")

    async def text(self, status: int, text: str) -> None:
        text = dress(text, "text") if self.hostile else text
        await self.body(status, text.encode(), "text/plain; charset=utf-8")

    async def start_stream(self) -> None:
        await self.head(
            200, {"Content-Type": "application/x-ndjson", "Transfer-Encoding": "chunked"}
        )
        self.watch_for_close()

    async def line(self, obj: Any) -> None:
        obj = dress(obj) if self.hostile else obj
        await self.chunk(json.dumps(obj).encode() + b"\n")

    async def chunk(self, data: bytes) -> None:
        await self.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    async def end_stream(self) -> None:
        await self.write(b"0\r\n\r\n")

    def abort(self) -> None:
        self.writer.transport.abort()


Handler = Callable[[Connection, RecordedRequest], Awaitable[None]]
"""Answers one recorded request on its connection."""


class HttpServer:
    """Raw HTTP/1.1 on 127.0.0.1: reads each request, records it, hands it to `handler`."""

    def __init__(
        self,
        handler: Handler,
        *,
        record: Callable[[RecordedRequest], None],
        hostile: Callable[[], bool],
        port: int = 0,
    ) -> None:
        self._handler = handler
        self._record = record
        self._hostile = hostile
        """Read when a client connects: whether that connection's answers are dressed."""
        self._port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.url = ""

    def start(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, "127.0.0.1", self._port)
                )
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            port = self._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            loop.run_forever()
            # A connection accepted while stopping has a task that never ran (it is not among
            # `_connections` yet): cancelled here, it ends rather than being dropped unawaited.
            leftover = asyncio.all_tasks(loop)
            for task in leftover:
                task.cancel()
            if leftover:
                loop.run_until_complete(asyncio.wait(leftover))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-ollama", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or self._thread is None:
            return

        async def shutdown() -> None:
            server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(timeout=5)
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._serve_one(Connection(reader, writer, hostile=self._hostile())):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ClientGone):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve_one(self, conn: Connection) -> bool:
        """Answer one request; False when the connection should close."""
        request_line = conn.leftover + await conn.reader.readline()
        conn.leftover = b""
        if not request_line.strip():
            return False
        method, target, _ = request_line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            line = await conn.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        raw = b""
        if "content-length" in headers:
            raw = await conn.reader.readexactly(int(headers["content-length"]))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if "://" in target:
            # The absolute form a client sends through an HTTP proxy: the fake stands in for
            # a proxy too, so tests can show a fixed host name instead of a random port.
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        record = RecordedRequest(method, target.split("?")[0], headers, body, raw, time.monotonic())
        self._record(record)
        try:
            await self._handler(conn, record)
        except ClientGone:
            record.disconnected_at = time.monotonic()
            return False
        except HungUp:
            return False
        except Exception as error:  # a bug in a handler must not kill the server
            with contextlib.suppress(ClientGone):
                await conn.json(500, {"error": f"fake server error: {error!r}"})
            return False
        record.finished_at = time.monotonic()
        if conn.client_gone():
            return False
        await conn.stop_watching()
        return headers.get("connection", "").lower() != "close"
