"""Provides Script: what the fake Ollama holds and will answer, and the API tests call to set it.

Tests set the state directly (`models`, `running`, `version`, `offline`, `hostile`, ...) and
queue behaviours (`script_reply`, `script_pull`, `fail_next`, `answer_next`); they read back
`requests`. The routes take the queued behaviours with the `next_*` methods. The server's
thread and the test's thread both touch the queues and the request list, under one lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from .hostile import undress
from .transport import RecordedRequest

ReplyEnd = Literal["done", "error", "eof", "disconnect", "stall", "malformed", "raw", "endless"]


def model_entry(name: str, **fields: Any) -> dict[str, Any]:
    """An entry of /api/tags as Ollama sends it, with `fields` in place of the defaults."""
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


def model_capabilities(entry: dict[str, Any]) -> list[str]:
    """What /api/show lists for a model: `_show_capabilities=[...]` given to `add_model` (a
    server before 0.30, whose list says nothing of them), else its `capabilities`, else a
    model that completes and calls tools."""
    found = entry.get("_show_capabilities", entry.get("capabilities"))
    return list(found) if isinstance(found, list) else ["completion", "tools"]


ToolCallsIn = Literal["chunk", "chunks", "final"]


def tool_call(name: str, arguments: object, call_id: str | None = None) -> dict[str, Any]:
    """One scripted tool call, in Ollama's shape (`arguments` as given: a string is sent as a
    string, as a model behind another API may)."""
    call: dict[str, Any] = {"function": {"index": 0, "name": name, "arguments": arguments}}
    if call_id:
        call["id"] = call_id
    return call


def parse_version(raw: str) -> tuple[int, ...]:
    parts = []
    for piece in raw.split("-")[0].split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


@dataclass
class ReplyScript:
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
    final_text: str = ""
    """Text carried by the streamed reply's last line (the one with `done`), as a runner can."""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """Tool calls the reply asks for, each `{"function": {"name", "arguments"}, "id"?}`."""
    tool_calls_in: ToolCallsIn = "chunk"
    """Where they arrive: together in one chunk after the text, one chunk each, or in the final
    line (as servers from 0.11 send them)."""


@dataclass
class PullScript:
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
class CannedAnswer:
    """An answer given instead of the route's own: a failure, or exact bytes."""

    status: int
    body: str | dict[str, Any] | bytes | None
    content_type: str | None
    headers: dict[str, str] = field(default_factory=dict)


class Script:
    """The fake's state and queued behaviours, and the scripting API over them."""

    def __init__(self, *, version: str = "0.12.3") -> None:
        self.version = version
        self.models: list[dict[str, Any]] = [
            model_entry("llama3.2:latest"),
            model_entry(
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
        self.parallel = 0
        """How many replies the server generates at once (0: no limit). With 1 it queues
        them, as Ollama with OLLAMA_NUM_PARALLEL=1: a request waits, before any answer, until
        the one ahead of it has ended."""
        self.model_speeds: dict[str, float] = {}
        """Model name -> the tokens per second its replies stream at (and report in
        `eval_duration`), unless a scripted reply sets its own."""
        self.most_at_once = 0
        """The most replies that were being generated at the same moment."""
        self.requests: list[RecordedRequest] = []
        self._generating = 0
        self._slots: asyncio.Semaphore | None = None
        self._slots_for = 0
        self._replies: deque[ReplyScript] = deque()
        self._pulls: deque[PullScript] = deque()
        self._canned: dict[str, deque[CannedAnswer]] = {}
        self._lock = threading.Lock()

    # -- what tests call ------------------------------------------------------------------

    def add_model(self, name: str, **fields: Any) -> None:
        self.models.append(model_entry(name, **fields))

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
        final_text: str = "",
        tool_calls: list[dict[str, Any]] | None = None,
        tool_calls_in: ToolCallsIn = "chunk",
    ) -> None:
        """Queue how the next /api/chat or /api/generate request is answered. `end="raw"`
        sends `raw` as it is after the chunks; `end="endless"` repeats the last chunk until
        the client goes. `tool_calls`: calls the reply asks for (see `tool_call`)."""
        with self._lock:
            self._replies.append(
                ReplyScript(
                    [chunks] if isinstance(chunks, str) else list(chunks),
                    list(thinking or []),
                    tokens_per_second,
                    end,
                    error,
                    done_reason,
                    hold,
                    hold_after,
                    raw,
                    final_text,
                    list(tool_calls or []),
                    tool_calls_in,
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
                PullScript(layers, layer_size, steps, error, error_after, delay, hold, hold_after)
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
            self._canned.setdefault(path, deque()).append(CannedAnswer(status, body, content_type))

    def answer_next(self, path: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        """The next request to `path` gets exactly these bytes and headers (for example a
        gzip body with `Content-Encoding: gzip`)."""
        with self._lock:
            self._canned.setdefault(path, deque()).append(CannedAnswer(status, body, None, headers))

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

    # -- what the transport and the routes call -------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @contextlib.asynccontextmanager
    async def generating(self) -> AsyncIterator[None]:
        """Held while a reply is generated: waits for a free slot when `parallel` is set.
        Runs on the server's loop only, where the semaphore is made (again when a test
        changed `parallel`)."""
        if self.parallel > 0 and self._slots_for != self.parallel:
            self._slots, self._slots_for = asyncio.Semaphore(self.parallel), self.parallel
        slots = self._slots if self.parallel > 0 else None
        async with slots if slots is not None else contextlib.nullcontext():
            self._generating += 1
            self.most_at_once = max(self.most_at_once, self._generating)
            try:
                yield
            finally:
                self._generating -= 1

    def speed_of(self, model: str, script: ReplyScript) -> float | None:
        """Tokens per second for this reply: its own, else its model's, else as fast as
        the connection goes."""
        if script.tokens_per_second:
            return script.tokens_per_second
        entry = self.find(model)
        name = str(entry.get("name", model)) if entry is not None else model
        return self.model_speeds.get(name) or self.model_speeds.get(undress(model))

    def next_canned(self, path: str) -> CannedAnswer | None:
        with self._lock:
            queue = self._canned.get(path)
            return queue.popleft() if queue else None

    def next_reply(self, prompt: str) -> ReplyScript:
        """The queued reply, or an echo of the prompt word by word."""
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        words = f"Echo: {prompt}".split(" ")
        return ReplyScript([word if i == 0 else " " + word for i, word in enumerate(words)])

    def next_pull(self) -> PullScript:
        with self._lock:
            return self._pulls.popleft() if self._pulls else PullScript(layers=1, steps=2)

    def find(self, name: str) -> dict[str, Any] | None:
        name = undress(name)
        for entry in self.models:
            if name in (entry.get("name"), entry.get("model")):
                return entry
        if ":" not in name:
            return self.find(f"{name}:latest")
        return None

    def set_running(self, name: str, *, loaded: bool) -> None:
        entry = self.find(name)
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
