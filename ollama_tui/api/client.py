"""Provides the async Ollama client: a thin layer on httpx with one error hierarchy.

httpx is imported at the first request, not with this module, so the app can draw its first
frame before paying for it. Streams are async context managers: leaving the block for any
reason closes the response, and closing the connection is what stops Ollama generating.
"""

from __future__ import annotations

import contextlib
import errno
import json
import socket
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..domain.conversation import Stats
from ..domain.events import StreamDone, StreamEvent, TextDelta, ThinkingDelta
from ..domain.text import sanitize_for_terminal
from .errors import (
    ConnectionLost,
    ModelNotFound,
    OllamaError,
    ProtocolError,
    RequestTimedOut,
    ResponseError,
    ServerUnavailable,
    StreamFailed,
    StreamIncomplete,
    error_for_status,
)
from .host import display_host
from .models import (
    ChatRequest,
    ChatResult,
    GenerateRequest,
    ModelEntry,
    PullProgress,
    RunningModel,
    ShowResponse,
)
from .ndjson import iter_json_lines
from .version import ServerVersion

if TYPE_CHECKING:
    import httpx

ERROR_BODY_LIMIT = 64 * 1024
_STAT_FIELDS = tuple(Stats.model_fields)


@dataclass(frozen=True)
class Timeouts:
    """Seconds; `read` is the longest wait for the next line, which covers a model load."""

    connect: float = 5.0
    read: float = 300.0
    write: float = 30.0
    pool: float = 10.0


def _stats_of(data: Mapping[str, Any]) -> Stats:
    counters = {
        name: value
        for name in _STAT_FIELDS
        if isinstance(value := data.get(name), int) and not isinstance(value, bool)
    }
    return Stats(**counters)


def _connect_reason(error: BaseException) -> str:
    """The cause of a failed connection in a few words, from the OSError underneath."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "unknown host name"
        if isinstance(seen, OSError) and seen.errno is not None:
            if seen.errno == errno.ECONNREFUSED:
                return "connection refused"
            if seen.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                return "network unreachable"
            return seen.strerror or str(seen)
        seen = seen.__cause__ or seen.__context__
    return str(error) or type(error).__name__


class OllamaClient:
    """One server, one connection pool. Use `async with` or call `aclose()`."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeouts: Timeouts = Timeouts(),
        trust_env: bool = False,
        verify_tls: bool = True,
        max_line_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self._base_url = base_url
        self._verify_tls = verify_tls
        self._headers = dict(headers or {})
        self._timeouts = timeouts
        self._trust_env = trust_env
        self._max_line_bytes = max_line_bytes
        self._host = display_host(base_url)
        self._http: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        return self._base_url

    async def __aenter__(self) -> OllamaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            timeouts = self._timeouts
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                headers={"User-Agent": f"ollama-tui/{__version__}", **self._headers},
                timeout=httpx.Timeout(
                    connect=timeouts.connect,
                    read=timeouts.read,
                    write=timeouts.write,
                    pool=timeouts.pool,
                ),
                # Proxy variables must not capture 127.0.0.1; opt in from the config.
                trust_env=self._trust_env,
                verify=self._verify_tls,
            )
        return self._http

    @contextlib.contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """Map httpx's exceptions onto ours, with the host and what to do in the message."""
        import httpx

        host, timeouts = self._host, self._timeouts
        try:
            yield
        except httpx.ConnectTimeout:
            raise RequestTimedOut(
                f"Ollama at {host} did not accept a connection within {timeouts.connect:g} s."
            ) from None
        except httpx.ReadTimeout:
            raise RequestTimedOut(
                f"Ollama at {host} sent nothing for {timeouts.read:g} s (a large model may "
                "still be loading; --read-timeout allows longer)."
            ) from None
        except httpx.WriteTimeout:
            raise RequestTimedOut(
                f"Sending the request to Ollama at {host} took over {timeouts.write:g} s."
            ) from None
        except httpx.PoolTimeout:
            raise RequestTimedOut(
                f"Too many requests to Ollama at {host} are waiting for a connection."
            ) from None
        except httpx.ConnectError as error:
            raise ServerUnavailable(host, _connect_reason(error)) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise ConnectionLost(
                f"The connection to Ollama at {host} was lost ({error or type(error).__name__})."
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise OllamaError(f"{host} is not a usable Ollama address ({error}).") from None
        except httpx.HTTPError as error:
            raise OllamaError(f"Talking to Ollama at {host} failed: {error}") from None

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        """Send, retrying once when a pooled keep-alive connection turns out to be dead (the
        server restarted since the last request): nothing reached the server then."""
        import httpx

        client = self._client()
        with self._translated_errors():
            try:
                return await client.send(request, stream=stream)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                return await client.send(request, stream=stream)

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        """A non-streamed request; returns the parsed JSON, or None for an empty 200."""
        response = await self._send(
            self._client().build_request(method, path, json=body), stream=False
        )
        if response.status_code >= 400:
            raise error_for_status(
                response.status_code,
                response.content[:ERROR_BODY_LIMIT],
                response.headers.get("content-type", ""),
            )
        if not response.content.strip():
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            raise ProtocolError(
                f"The server at {self._host} answered {path} with something that is not "
                "Ollama's JSON; is this the right host?"
            ) from None

    async def _request_object(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        data = await self._request(method, path, body)
        if not isinstance(data, dict):
            raise ProtocolError(f"The server at {self._host} answered {path} without an object.")
        if isinstance(data.get("error"), str):
            raise StreamFailed(data["error"])
        return data

    @contextlib.asynccontextmanager
    async def _open_stream(self, path: str, body: dict[str, Any]) -> AsyncIterator[httpx.Response]:
        response = await self._send(
            self._client().build_request("POST", path, json=body), stream=True
        )
        try:
            if response.status_code >= 400:
                with self._translated_errors():
                    raw = bytearray()
                    async for chunk in response.aiter_bytes():
                        raw += chunk
                        if len(raw) >= ERROR_BODY_LIMIT:
                            break
                raise error_for_status(
                    response.status_code, bytes(raw), response.headers.get("content-type", "")
                )
            yield response
        finally:
            await response.aclose()

    async def _lines(self, response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
        async def chunks() -> AsyncIterator[bytes]:
            with self._translated_errors():
                async for chunk in response.aiter_bytes():
                    yield chunk

        async for data in iter_json_lines(chunks(), max_line_bytes=self._max_line_bytes):
            if "error" in data:
                raise StreamFailed(str(data["error"]))
            yield data

    async def _reply_events(
        self, response: httpx.Response, *, chat: bool
    ) -> AsyncGenerator[StreamEvent, None]:
        async for data in self._lines(response):
            source = data.get("message") if chat else data
            if not isinstance(source, dict):
                source = {}
            thinking = source.get("thinking")
            if isinstance(thinking, str) and thinking:
                yield ThinkingDelta(sanitize_for_terminal(thinking))
            text = source.get("content" if chat else "response")
            if isinstance(text, str) and text:
                yield TextDelta(sanitize_for_terminal(text))
            if data.get("done") is True:
                reason = data.get("done_reason")
                yield StreamDone(
                    done_reason=reason if isinstance(reason, str) else None,
                    stats=_stats_of(data),
                    model=str(data.get("model", "")),
                )
                return
        raise StreamIncomplete(
            "The reply ended without its final line: the model stopped early or the server "
            "cut it short."
        )

    @contextlib.asynccontextmanager
    async def _event_stream(
        self, path: str, body: dict[str, Any], *, chat: bool
    ) -> AsyncIterator[AsyncIterator[StreamEvent]]:
        async with self._open_stream(path, body) as response:
            events = self._reply_events(response, chat=chat)
            async with contextlib.aclosing(events):
                yield events

    # -- the API --------------------------------------------------------------------------

    async def version(self) -> ServerVersion:
        data = await self._request_object("GET", "/api/version")
        raw = data.get("version")
        if not isinstance(raw, str):
            raise ProtocolError(f"The server at {self._host} reported no version; is it Ollama?")
        return ServerVersion.parse(raw)

    async def tags(self) -> list[ModelEntry]:
        data = await self._request_object("GET", "/api/tags")
        return [
            ModelEntry.model_validate(item)
            for item in data.get("models") or []
            if isinstance(item, dict)
        ]

    async def ps(self) -> list[RunningModel]:
        data = await self._request_object("GET", "/api/ps")
        return [
            RunningModel.model_validate(item)
            for item in data.get("models") or []
            if isinstance(item, dict)
        ]

    async def show(self, model: str, *, verbose: bool = False) -> ShowResponse:
        body: dict[str, Any] = {"model": model}
        if verbose:
            body["verbose"] = True
        return ShowResponse.model_validate(await self._request_object("POST", "/api/show", body))

    async def copy(self, source: str, destination: str) -> None:
        await self._request("POST", "/api/copy", {"source": source, "destination": destination})

    async def delete(self, model: str) -> None:
        await self._request("DELETE", "/api/delete", {"model": model})

    async def chat(self, request: ChatRequest) -> ChatResult:
        data = await self._request_object("POST", "/api/chat", request.to_body(stream=False))
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        return self._result(data, message or {}, "content")

    async def generate(self, request: GenerateRequest) -> ChatResult:
        data = await self._request_object("POST", "/api/generate", request.to_body(stream=False))
        return self._result(data, data, "response")

    @staticmethod
    def _result(data: dict[str, Any], source: dict[str, Any], text_key: str) -> ChatResult:
        reason = data.get("done_reason")
        return ChatResult(
            content=sanitize_for_terminal(str(source.get(text_key) or "")),
            thinking=sanitize_for_terminal(str(source.get("thinking") or "")),
            done_reason=reason if isinstance(reason, str) else None,
            stats=_stats_of(data),
            model=str(data.get("model", "")),
        )

    def chat_stream(
        self, request: ChatRequest
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[StreamEvent]]:
        """`async with client.chat_stream(req) as events: async for event in events: ...`"""
        return self._event_stream("/api/chat", request.to_body(stream=True), chat=True)

    def generate_stream(
        self, request: GenerateRequest
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[StreamEvent]]:
        return self._event_stream("/api/generate", request.to_body(stream=True), chat=False)

    @contextlib.asynccontextmanager
    async def _progress_stream(
        self, path: str, body: dict[str, Any]
    ) -> AsyncIterator[AsyncIterator[PullProgress]]:
        async def progress(response: httpx.Response) -> AsyncGenerator[PullProgress, None]:
            async for data in self._lines(response):
                yield PullProgress.model_validate(data)

        async with self._open_stream(path, body) as response:
            lines = progress(response)
            async with contextlib.aclosing(lines):
                yield lines

    def pull_stream(
        self, model: str, *, insecure: bool = False
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[PullProgress]]:
        """Progress lines of a pull; leaving the block cancels it (a later pull resumes)."""
        body: dict[str, Any] = {"model": model, "stream": True}
        if insecure:
            body["insecure"] = True
        return self._progress_stream("/api/pull", body)

    def push_stream(
        self, model: str
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[PullProgress]]:
        """Progress lines of a push to a registry, keyed by layer digest like a pull's."""
        return self._progress_stream("/api/push", {"model": model, "stream": True})

    def create_stream(
        self, body: dict[str, Any]
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[PullProgress]]:
        """Status lines of `/api/create`; `body` is in the form the server's version takes
        (see `services.models.create_body`)."""
        return self._progress_stream("/api/create", {**body, "stream": True})

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """One vector per text, from `/api/embed`, or `/api/embeddings` (one request per text)
        on servers older than 0.2.6 that answer the former with a plain-text 404."""
        try:
            data = await self._request_object(
                "POST", "/api/embed", {"model": model, "input": texts}
            )
        except ResponseError as error:
            if error.status != 404 or isinstance(error, ModelNotFound):
                raise
            return [await self._legacy_embedding(model, text) for text in texts]
        vectors = data.get("embeddings")
        if not isinstance(vectors, list) or len(vectors) != len(texts):
            raise ProtocolError(f"The server at {self._host} sent no embedding for each text.")
        return [self._vector(vector) for vector in vectors]

    async def _legacy_embedding(self, model: str, text: str) -> list[float]:
        data = await self._request_object(
            "POST", "/api/embeddings", {"model": model, "prompt": text}
        )
        return self._vector(data.get("embedding"))

    def _vector(self, raw: object) -> list[float]:
        if not isinstance(raw, list) or not all(isinstance(x, (int, float)) for x in raw):
            raise ProtocolError(
                f"The server at {self._host} sent an embedding that is not numbers."
            )
        return [float(x) for x in raw]

    async def load(self, model: str, keep_alive: float | str | None = None) -> None:
        """Load a model into memory now (an empty prompt), kept for `keep_alive`."""
        body: dict[str, Any] = {"model": model, "prompt": "", "stream": False}
        if keep_alive is not None:
            body["keep_alive"] = keep_alive
        await self._request_object("POST", "/api/generate", body)

    async def unload(self, model: str) -> None:
        """Free a model's memory now (`keep_alive: 0` with an empty prompt)."""
        await self.load(model, keep_alive=0)
