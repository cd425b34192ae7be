"""Provides FakeOllama: raw HTTP/1.1 on 127.0.0.1 with Ollama's routes and scripted behaviours.

It runs on its own event loop in a background thread, so sync tests, async tests and a
Textual app on the test's loop can all use it. It records every request, and when the client
closed the connection before the reply was finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from .hostile import dress, undress

ReplyEnd = Literal["done", "error", "eof", "disconnect", "stall", "malformed", "raw", "endless"]

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


def _model(name: str, **fields: Any) -> dict[str, Any]:
    family = name.split(":")[0].rstrip("0123456789.")
    entry: dict[str, Any] = {
        "name": name,
        "model": name,
        "modified_at": "2026-11-20T10:00:00.123456789+01:00",
        "size": 2_019_393_189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": family or "llama",
            "families": [family or "llama"],
            "parameter_size": "3.2B",
            "quantization_level": "Q4_K_M",
        },
    }
    entry.update(fields)
    return entry


def _parse_version(raw: str) -> tuple[int, ...]:
    parts = []
    for piece in raw.split("-")[0].split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


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


@dataclass
class _ReplyScript:
    chunks: list[str]
    thinking: list[str] = field(default_factory=list)
    tokens_per_second: float | None = None
    end: ReplyEnd = "done"
    error: str = "an error was encountered while running the model"
    done_reason: str = "stop"
    hold: threading.Event | None = None
    hold_after: int = 0
    raw: bytes = b""
    """For `end="raw"`: bytes sent as they are after the chunks, then the stream ends."""


@dataclass
class _PullScript:
    layers: int = 2
    layer_size: int = 10_000_000
    steps: int = 4
    error: str | None = None
    error_after: int = 1
    delay: float = 0.0
    hold: threading.Event | None = None
    """When given, the pull stops before line `hold_after` until the event is set."""
    hold_after: int = 0


@dataclass
class _Failure:
    status: int
    body: str | dict[str, Any] | bytes | None
    content_type: str | None
    headers: dict[str, str] = field(default_factory=dict)


class _ClientGone(Exception):
    """The client closed the connection while we were answering."""


class _HungUp(Exception):
    """We closed the connection on purpose, without answering."""


class _Connection:
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

    def _client_gone(self) -> bool:
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
        """Wait, but raise _ClientGone the moment the client disconnects."""
        if self.eof is None:
            await asyncio.sleep(seconds)
            return
        done, _ = await asyncio.wait({self.eof}, timeout=seconds)
        if done and self._client_gone():
            raise _ClientGone
        if done:
            await asyncio.sleep(seconds)

    async def write(self, data: bytes) -> None:
        if self._client_gone():
            raise _ClientGone
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, RuntimeError) as error:
            raise _ClientGone from error

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


class FakeOllama:
    """A scriptable Ollama on 127.0.0.1. Start it with `with FakeOllama() as server:`."""

    def __init__(self, *, version: str = "0.12.3", port: int = 0) -> None:
        self.version = version
        self.models: list[dict[str, Any]] = [
            _model("llama3.2:latest"),
            _model(
                "qwen2.5:0.5b",
                size=397_821_319,
                details={
                    "format": "gguf",
                    "family": "qwen2",
                    "families": ["qwen2"],
                    "parameter_size": "494.03M",
                    "quantization_level": "Q4_K_M",
                },
            ),
        ]
        self.running: list[dict[str, Any]] = []
        self.offline = False
        self.hostile = False
        """Marker escape sequences in every string of every answer (`hostile.py`); a model
        name sent back is found without its marker, raw or made inert."""
        self.signed_in_registry = False
        """Pushes fail as unauthorized unless a test says the server is signed in."""
        self.create_error: str | None = None
        """When set, creates fail with this error line after their progress."""
        self.created: dict[str, dict[str, Any]] = {}
        """Name -> the create request's body, for tests to look at."""
        self.requests: list[RecordedRequest] = []
        self._port = port
        self._replies: deque[_ReplyScript] = deque()
        self._pulls: deque[_PullScript] = deque()
        self._failures: dict[str, deque[_Failure]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeOllama:
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
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-ollama", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

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

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting ------------------------------------------------------------------------

    def add_model(self, name: str, **fields: Any) -> None:
        self.models.append(_model(name, **fields))

    def script_reply(
        self,
        chunks: list[str] | str,
        *,
        thinking: list[str] | None = None,
        tokens_per_second: float | None = None,
        end: ReplyEnd = "done",
        error: str = "an error was encountered while running the model",
        done_reason: str = "stop",
        hold: threading.Event | None = None,
        hold_after: int = 0,
        raw: bytes = b"",
    ) -> None:
        """Queue how the next /api/chat or /api/generate request is answered. `end="raw"`
        sends `raw` as it is after the chunks; `end="endless"` repeats the last chunk until
        the client goes."""
        with self._lock:
            self._replies.append(
                _ReplyScript(
                    [chunks] if isinstance(chunks, str) else list(chunks),
                    list(thinking or []),
                    tokens_per_second,
                    end,
                    error,
                    done_reason,
                    hold,
                    hold_after,
                    raw,
                )
            )

    def script_pull(
        self,
        *,
        layers: int = 2,
        layer_size: int = 10_000_000,
        steps: int = 4,
        error: str | None = None,
        error_after: int = 1,
        delay: float = 0.0,
        hold: threading.Event | None = None,
        hold_after: int = 0,
    ) -> None:
        with self._lock:
            self._pulls.append(
                _PullScript(layers, layer_size, steps, error, error_after, delay, hold, hold_after)
            )

    def fail_next(
        self,
        path: str,
        status: int,
        body: str | dict[str, Any] | None,
        *,
        content_type: str | None = None,
    ) -> None:
        """The next request to `path` gets this status and body (text, JSON, or empty);
        status 0 closes the connection without any answer."""
        with self._lock:
            self._failures.setdefault(path, deque()).append(_Failure(status, body, content_type))

    def answer_next(self, path: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        """The next request to `path` gets exactly these bytes and headers (for example a
        gzip body with `Content-Encoding: gzip`)."""
        with self._lock:
            self._failures.setdefault(path, deque()).append(_Failure(status, body, None, headers))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not reached within {timeout} s")
            time.sleep(0.005)

    async def async_wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not reached within {timeout} s")
            await asyncio.sleep(0.005)

    async def async_disconnect_time(self, path: str, timeout: float = 5.0) -> float:
        """Wait until the client dropped the last request to `path`; when it did."""
        request = self.requests_to(path)[-1]
        await self.async_wait_for(lambda: request.disconnected_at is not None, timeout)
        assert request.disconnected_at is not None
        return request.disconnected_at

    # -- HTTP -----------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._serve_one(_Connection(reader, writer, hostile=self.hostile)):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, _ClientGone):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve_one(self, conn: _Connection) -> bool:
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
        with self._lock:
            self.requests.append(record)
        try:
            await self._route(conn, record)
        except _ClientGone:
            record.disconnected_at = time.monotonic()
            return False
        except _HungUp:
            return False
        except Exception as error:  # a bug in a handler must not kill the server
            with contextlib.suppress(_ClientGone):
                await conn.json(500, {"error": f"fake server error: {error!r}"})
            return False
        record.finished_at = time.monotonic()
        if conn._client_gone():
            return False
        await conn.stop_watching()
        return headers.get("connection", "").lower() != "close"

    async def _route(self, conn: _Connection, request: RecordedRequest) -> None:
        with self._lock:
            queue = self._failures.get(request.path)
            failure = queue.popleft() if queue else None
        if failure is not None:
            await self._fail(conn, failure)
            return
        routes: dict[str, tuple[set[str], Callable[..., Any]]] = {
            "/": ({"GET", "HEAD"}, self._root),
            "/api/version": ({"GET", "HEAD"}, self._version),
            "/api/tags": ({"GET", "HEAD"}, self._tags),
            "/api/ps": ({"GET"}, self._ps),
            "/api/show": ({"POST"}, self._show),
            "/api/copy": ({"POST"}, self._copy),
            "/api/delete": ({"DELETE"}, self._delete),
            "/api/chat": ({"POST"}, self._chat),
            "/api/generate": ({"POST"}, self._generate),
            "/api/pull": ({"POST"}, self._pull),
            "/api/push": ({"POST"}, self._push),
            "/api/create": ({"POST"}, self._create),
            "/api/embed": ({"POST"}, self._embed),
            "/api/embeddings": ({"POST"}, self._embeddings),
        }
        route = routes.get(request.path)
        if route is None:
            await conn.text(404, "404 page not found")
        elif request.method not in route[0]:
            await conn.text(405, "405 method not allowed")
        else:
            await route[1](conn, request)

    async def _fail(self, conn: _Connection, failure: _Failure) -> None:
        if failure.status == 0:  # hang up without a word, like a server that just died
            conn.abort()
            raise _HungUp
        if failure.status < 0:  # never answer: headers that never come
            conn.watch_for_close()
            await conn.pause(3600)  # until the client gives up and goes
        if isinstance(failure.body, bytes):
            await conn.head(
                failure.status, {"Content-Length": str(len(failure.body)), **failure.headers}
            )
            await conn.write(failure.body)
        elif failure.body is None:
            await conn.body(failure.status, b"", failure.content_type)
        elif isinstance(failure.body, dict):
            await conn.body(
                failure.status,
                json.dumps(failure.body).encode(),
                failure.content_type or "application/json; charset=utf-8",
            )
        else:
            await conn.body(
                failure.status,
                failure.body.encode(),
                failure.content_type or "text/plain; charset=utf-8",
            )

    def _find(self, name: str) -> dict[str, Any] | None:
        name = undress(name)
        for entry in self.models:
            if name in (entry.get("name"), entry.get("model")):
                return entry
        if ":" not in name:
            return self._find(f"{name}:latest")
        return None

    # -- routes ---------------------------------------------------------------------------

    async def _root(self, conn: _Connection, request: RecordedRequest) -> None:
        await conn.body(
            200,
            b"Ollama is running",
            "text/plain; charset=utf-8",
            head_only=request.method == "HEAD",
        )

    async def _version(self, conn: _Connection, request: RecordedRequest) -> None:
        await conn.json(200, {"version": self.version})

    async def _tags(self, conn: _Connection, request: RecordedRequest) -> None:
        await conn.json(200, {"models": self.models})

    async def _ps(self, conn: _Connection, request: RecordedRequest) -> None:
        if _parse_version(self.version) < (0, 1, 38):
            await conn.text(404, "404 page not found")  # an old server: no such route
            return
        await conn.json(200, {"models": self.running})

    async def _show(self, conn: _Connection, request: RecordedRequest) -> None:
        name = str((request.body or {}).get("model") or (request.body or {}).get("name") or "")
        entry = self._find(name)
        if entry is None:
            await conn.json(404, {"error": f"model '{name}' not found"})
            return
        await conn.json(
            200,
            {
                "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
                "modelfile": f"FROM {name}\nPARAMETER temperature 0.7\nPARAMETER stop <|eot_id|>",
                "parameters": f'{"temperature":<31}0.7\n{"stop":<31}"<|eot_id|>"',
                "template": "{{ .Prompt }}",
                "details": entry.get("details", {}),
                "model_info": {
                    "general.architecture": "llama",
                    "llama.context_length": 131072,
                    "llama.embedding_length": 3072,
                },
                "capabilities": ["completion", "tools"],
                "modified_at": entry.get("modified_at", ""),
            },
        )

    async def _copy(self, conn: _Connection, request: RecordedRequest) -> None:
        body = request.body or {}
        source = self._find(str(body.get("source", "")))
        if source is None:
            await conn.json(404, {"error": f'model "{body.get("source")}" not found'})
            return
        destination = str(body.get("destination", ""))
        if not destination:
            await conn.json(400, {"error": f'destination "{destination}" is invalid'})
            return
        self.models.append({**source, "name": destination, "model": destination})
        await conn.body(200, b"", None)

    async def _delete(self, conn: _Connection, request: RecordedRequest) -> None:
        name = str((request.body or {}).get("model", ""))
        entry = self._find(name)
        if entry is None:
            await conn.json(404, {"error": f"model '{name}' not found"})
            return
        self.models.remove(entry)
        await conn.body(200, b"", None)

    def _next_reply(self, prompt: str) -> _ReplyScript:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        words = f"Echo: {prompt}".split(" ")
        return _ReplyScript([word if i == 0 else " " + word for i, word in enumerate(words)])

    async def _chat(self, conn: _Connection, request: RecordedRequest) -> None:
        body = request.body or {}
        model = str(body.get("model", ""))
        if self._find(model) is None:
            await conn.json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        messages = body.get("messages") or []
        prompt = str(messages[-1].get("content", "")) if messages else ""
        await self._reply(conn, request, self._next_reply(prompt), chat=True, empty=not messages)

    async def _generate(self, conn: _Connection, request: RecordedRequest) -> None:
        body = request.body or {}
        model = str(body.get("model", ""))
        if self._find(model) is None:
            await conn.json(404, {"error": f"model '{model}' not found"})
            return
        prompt = str(body.get("prompt", ""))
        await self._reply(conn, request, self._next_reply(prompt), chat=False, empty=not prompt)

    def _chunk(self, model: str, chat: bool, text: str, thinking: str = "") -> dict[str, Any]:
        line: dict[str, Any] = {"model": model, "created_at": "2026-11-24T18:15:00.123456Z"}
        if chat:
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if thinking:
                message["thinking"] = thinking
            line["message"] = message
        else:
            line["response"] = text
            if thinking:
                line["thinking"] = thinking
        line["done"] = False
        return line

    def _final(self, model: str, chat: bool, script: _ReplyScript, text: str = "") -> dict:
        line = self._chunk(model, chat, text)
        count = max(1, len(script.chunks))
        line.update(
            {
                "done": True,
                "done_reason": script.done_reason,
                "total_duration": 1_234_000_000,
                "load_duration": 12_000_000,
                "prompt_eval_count": 26,
                "prompt_eval_duration": 130_000_000,
                "eval_count": count,
                "eval_duration": count * 20_000_000,
            }
        )
        if not chat:
            line["context"] = [1, 2, 3]
        return line

    async def _reply(
        self,
        conn: _Connection,
        request: RecordedRequest,
        script: _ReplyScript,
        *,
        chat: bool,
        empty: bool,
    ) -> None:
        body = request.body or {}
        model = str(body.get("model", ""))
        if empty:  # load or unload: a single object even when streaming
            reason = "unload" if body.get("keep_alive") in (0, "0", "0s") else "load"
            self._set_running(model, loaded=reason == "load")
            await conn.json(200, {**self._final(model, chat, script), "done_reason": reason})
            return
        if body.get("stream") is False:
            if script.end == "error":
                await conn.json(500, {"error": script.error})
                return
            text = "".join(script.chunks)
            final = self._final(model, chat, script, text)
            if script.thinking:
                target = final["message"] if chat else final
                target["thinking"] = "".join(script.thinking)
            await conn.json(200, final)
            return
        await conn.start_stream()
        delay = 1 / script.tokens_per_second if script.tokens_per_second else 0.0
        lines = [self._chunk(model, chat, "", thought) for thought in script.thinking]
        lines += [self._chunk(model, chat, text) for text in script.chunks]
        for index, line in enumerate(lines):
            if script.hold is not None and index == script.hold_after:
                while not script.hold.is_set():
                    await conn.pause(0.005)
            request.lines_sent_at.append(time.monotonic())
            await conn.line(line)
            if delay:
                await conn.pause(delay)
        if script.hold is not None and script.hold_after >= len(lines):
            while not script.hold.is_set():
                await conn.pause(0.005)
        if script.end == "done":
            await conn.line(self._final(model, chat, script))
        elif script.end == "error":
            await conn.line({"error": script.error})
        elif script.end == "disconnect":
            conn.abort()
            raise _ClientGone  # not the client's doing, but the connection is over
        elif script.end == "stall":
            await conn.pause(60)
        elif script.end == "malformed":
            await conn.chunk(b'{"model": "m", "message": {"content": "tru\n')
        elif script.end == "raw":
            await conn.chunk(script.raw)
        elif script.end == "endless":
            while True:
                await conn.line(lines[-1])
                await asyncio.sleep(0)  # let the close watch run
        await conn.end_stream()

    def _set_running(self, name: str, *, loaded: bool) -> None:
        entry = self._find(name)
        self.running = [m for m in self.running if m.get("name") != name]
        if loaded and entry is not None:
            expires = datetime.now(timezone.utc) + timedelta(minutes=5)
            self.running.append(
                {
                    **entry,
                    "size": entry.get("size", 0),
                    "size_vram": entry.get("size", 0) // 2,
                    "expires_at": expires.isoformat().replace("+00:00", "Z"),
                    "context_length": 4096,
                }
            )

    async def _push(self, conn: _Connection, request: RecordedRequest) -> None:
        name = str((request.body or {}).get("model", ""))
        if self._find(name) is None:
            await conn.json(404, {"error": f"model '{name}' not found"})
            return
        await conn.start_stream()
        if self.signed_in_registry is False:
            await conn.line({"status": "retrieving manifest"})
            await conn.line({"status": "couldn't retrieve manifest"})
            await conn.line(
                {"error": "unauthorized: access denied: you are not authorized to push here"}
            )
            await conn.end_stream()
            return
        digest = f"sha256:{7:064x}"
        lines: list[dict[str, Any]] = [{"status": "retrieving manifest"}]
        lines += [
            {
                "status": f"pushing {digest[7:19]}",
                "digest": digest,
                "total": 1000,
                "completed": done,
            }
            for done in (0, 500, 1000)
        ]
        lines += [{"status": "pushing manifest"}, {"status": "success"}]
        for line in lines:
            await conn.line(line)
        await conn.end_stream()

    async def _create(self, conn: _Connection, request: RecordedRequest) -> None:
        body = request.body or {}
        name = str(body.get("model") or body.get("name") or "")
        if _parse_version(self.version) < (0, 5, 5):
            modelfile = str(body.get("modelfile") or "")
            base = modelfile.split("\n", 1)[0].removeprefix("FROM ").strip()
        else:
            base = str(body.get("from") or "")
            if not base and not body.get("files"):
                await conn.json(400, {"error": "neither 'from' or 'files' was specified"})
                return
        source = self._find(base)
        if source is None:
            await conn.json(404, {"error": f"model '{base}' not found"})
            return
        await conn.start_stream()
        for line in (
            {"status": "using existing layer sha256:" + "a" * 64},
            {"status": "creating new layer sha256:" + "b" * 64},
            {"status": "writing manifest"},
        ):
            await conn.line(line)
        if self.create_error is not None:
            await conn.line({"error": self.create_error})
            await conn.end_stream()
            return
        self.created[name] = body
        self.models = [m for m in self.models if m.get("name") != name]
        self.models.append({**source, "name": name, "model": name})
        await conn.line({"status": "success"})
        await conn.end_stream()

    def _vector_of(self, text: str) -> list[float]:
        # Deterministic and different per text: texts sharing letters point alike.
        counts = [float(text.lower().count(letter)) for letter in "etaoinshrd"]
        return counts if any(counts) else [1.0] + [0.0] * 9

    async def _embed(self, conn: _Connection, request: RecordedRequest) -> None:
        if _parse_version(self.version) < (0, 2, 6):
            await conn.text(404, "404 page not found")
            return
        body = request.body or {}
        model = str(body.get("model", ""))
        if self._find(model) is None:
            await conn.json(404, {"error": f"model '{model}' not found"})
            return
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        vectors = []
        for text in texts:
            raw = self._vector_of(str(text))
            norm = sum(x * x for x in raw) ** 0.5
            vectors.append([x / norm for x in raw])
        await conn.json(200, {"model": model, "embeddings": vectors})

    async def _embeddings(self, conn: _Connection, request: RecordedRequest) -> None:
        body = request.body or {}
        model = str(body.get("model", ""))
        if self._find(model) is None:
            await conn.json(404, {"error": f"model '{model}' not found"})
            return
        await conn.json(200, {"embedding": self._vector_of(str(body.get("prompt", "")))})

    async def _pull(self, conn: _Connection, request: RecordedRequest) -> None:
        name = str((request.body or {}).get("model") or (request.body or {}).get("name") or "")
        with self._lock:
            script = self._pulls.popleft() if self._pulls else _PullScript(layers=1, steps=2)
        if self.offline:
            script = _PullScript(
                error=(
                    f'pull model manifest: Get "https://registry.ollama.ai/v2/library/{name}/'
                    'manifests/latest": dial tcp: lookup registry.ollama.ai: no such host'
                ),
                error_after=1,
            )
        await conn.start_stream()
        lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
        for layer in range(script.layers):
            digest = f"sha256:{layer:064x}"
            short = digest[7:19]
            lines.append(
                {"status": f"pulling {short}", "digest": digest, "total": script.layer_size}
            )
            for step in range(1, script.steps + 1):
                lines.append(
                    {
                        "status": f"pulling {short}",
                        "digest": digest,
                        "total": script.layer_size,
                        "completed": script.layer_size * step // script.steps,
                    }
                )
        lines += [
            {"status": "verifying sha256 digest"},
            {"status": "writing manifest"},
            {"status": "success"},
        ]
        for index, line in enumerate(lines):
            if script.hold is not None and index == script.hold_after:
                while not script.hold.is_set():
                    await conn.pause(0.005)
            if script.error is not None and index == script.error_after:
                await conn.line({"error": script.error})
                await conn.end_stream()
                return
            await conn.line(line)
            if script.delay:
                await conn.pause(script.delay)
        if self._find(name) is None:
            self.models.append(_model(name if ":" in name else f"{name}:latest"))
        await conn.end_stream()
