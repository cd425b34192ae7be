"""Provides the async Ollama client: a thin layer on httpx with one error hierarchy.

httpx is imported at the first request, not with this module, so the app can draw its first
frame before paying for it; so are pydantic and the wire models, which `prepare` loads on a
thread after that frame. Streams are async context managers: leaving the block for any
reason closes the response, and closing the connection is what stops Ollama generating.
"""

from __future__ import annotations

import contextlib
import errno
import json
import socket
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .. import __version__
from ..domain.conversation import STAT_COUNTERS, Stats
from ..domain.events import StreamDone, StreamEvent, TextDelta, ThinkingDelta, ToolCallsArrived
from ..domain.headers import header_problem
from ..domain.secrets import remember_connection
from ..domain.text import map_strings
from ..domain.tool_calls import ToolCall
from .answers import Listing, server_text
from .body import ACCEPTED_ENCODINGS, decoded_chunks
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
    validation_problem,
)
from .host import display_host
from .ndjson import DEFAULT_MAX_LINE_BYTES, iter_json_lines
from .version import ServerVersion

if TYPE_CHECKING:
    import httpx
    from pydantic import BaseModel

    from .wire import (
        ChatRequest,
        ChatResult,
        GenerateRequest,
        ModelEntry,
        PullProgress,
        RunningModel,
        ShowResponse,
    )

ModelT = TypeVar("ModelT", bound="BaseModel")

ERROR_BODY_LIMIT = 64 * 1024
"""Bytes of an error answer read (after decompression): enough for any message or page title."""
BODY_LIMIT = 16 * 1024 * 1024
"""Bytes of a whole (not streamed) answer, after decompression. `/api/tags` with hundreds of
models is well under 1 MB; a 1 MB gzip body that inflates to gigabytes stops here."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds; `read` is the longest wait for the next line, which covers a model load."""

    connect: float = 5.0
    read: float = 300.0
    write: float = 30.0
    pool: float = 10.0


def _stats_of(data: Mapping[str, Any]) -> Stats:
    counters: dict[str, Any] = {
        name: value
        for name in STAT_COUNTERS
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
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_body_bytes: int = BODY_LIMIT,
    ) -> None:
        self._base_url = base_url
        self._verify_tls = verify_tls
        self._headers = dict(headers or {})
        remember_connection(base_url, self._headers)
        self._header_problem = next(
            (
                f"header {name!r}: {problem}"
                for name, value in self._headers.items()
                if (problem := header_problem(name, value))
            ),
            None,
        )
        """A header h11 or httpx would refuse: every request fails with it, named."""
        self._max_body_bytes = max_body_bytes
        self._timeouts = timeouts
        self._trust_env = trust_env
        self._max_line_bytes = max_line_bytes
        self._host = display_host(base_url)
        self._http: httpx.AsyncClient | None = None
        self._building = threading.Lock()
        """Held while the HTTP client is built: `prepare` may build it on a thread."""

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

    def prepare(self) -> None:
        """Load the wire models and build their validators, and build the HTTP client, now:
        importing pydantic and httpx and making httpx's SSL context take a few tenths of a
        second, which a thread can spend instead of the loop."""
        from .wire import build_models

        build_models()
        self._client()

    def _client(self) -> httpx.AsyncClient:
        with self._building:
            if self._http is None:
                self._http = self._built()
            return self._http

    def _built(self) -> httpx.AsyncClient:
        import httpx

        from . import chunked

        chunked.install()
        timeouts = self._timeouts
        return httpx.AsyncClient(
            base_url=self._base_url,
            headers={
                "User-Agent": f"ollama-tui/{__version__}",
                "Accept-Encoding": ACCEPTED_ENCODINGS,
                **self._headers,
            },
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
        except httpx.LocalProtocolError as error:
            # h11 quotes the refused header value here; OllamaError masks it.
            raise OllamaError(
                f"The request to Ollama at {host} could not be sent ({error}); check the "
                "headers in the config and --header."
            ) from None
        except UnicodeEncodeError:
            raise OllamaError(
                f"The request to Ollama at {host} could not be sent: a header has "
                "characters other than ASCII."
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise ConnectionLost(
                f"The connection to Ollama at {host} was lost ({error or type(error).__name__})."
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise OllamaError(f"{host} is not a usable Ollama address ({error}).") from None
        except httpx.HTTPError as error:
            raise OllamaError(f"Talking to Ollama at {host} failed: {error}") from None

    async def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        """Send and return the streamed response, retrying once when a pooled keep-alive
        connection turns out to be dead (the server restarted since the last request):
        nothing reached the server then."""
        import httpx

        if self._header_problem:
            raise OllamaError(
                f"No request is sent to Ollama at {display_host(self._base_url)}: "
                f"{self._header_problem}."
            )
        client = self._client()
        with self._translated_errors():
            request = client.build_request(method, path, json=body)
            try:
                return await client.send(request, stream=True)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                return await client.send(request, stream=True)

    def _answered(self, path: str) -> str:
        return f"The server at {self._host} answered {path}"

    async def _read(self, response: httpx.Response, path: str, limit: int) -> bytes:
        """The body, decompressed, read no further than `limit` bytes.

        Raises:
            ProtocolError: the body is longer than `limit`.
        """
        raw = bytearray()
        with self._translated_errors():
            async for chunk in decoded_chunks(response, self._answered(path)):
                raw += chunk
                if len(raw) > limit:
                    raise ProtocolError(
                        f"The server at {self._host} answered {path} with over "
                        f"{limit / (1024 * 1024):g} MB; it was not read (the cap for one answer)."
                    )
        return bytes(raw)

    @contextlib.asynccontextmanager
    async def _open(self, method: str, path: str, body: Any) -> AsyncIterator[httpx.Response]:
        """The response of a request with a success status; an error status is raised as
        the matching error, from at most `ERROR_BODY_LIMIT` bytes of its body."""
        response = await self._send(method, path, body)
        try:
            if response.status_code >= 400:
                raw = bytearray()
                with self._translated_errors():
                    async for chunk in decoded_chunks(response, self._answered(path)):
                        raw += chunk
                        if len(raw) >= ERROR_BODY_LIMIT:
                            break
                raise error_for_status(
                    response.status_code,
                    bytes(raw[:ERROR_BODY_LIMIT]),
                    response.headers.get("content-type", ""),
                )
            yield response
        finally:
            await response.aclose()

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        """A non-streamed request; returns the parsed JSON, or None for an empty 200."""
        async with self._open(method, path, body) as response:
            content = await self._read(response, path, self._max_body_bytes)
        if not content.strip():
            return None
        try:
            return json.loads(content)
        except RecursionError:
            raise ProtocolError(
                f"The server at {self._host} answered {path} with JSON nested too deeply to read."
            ) from None
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

    def _validated(self, model: type[ModelT], data: object, path: str) -> ModelT:
        """`data` as `model`, or a ProtocolError naming the endpoint and the field."""
        from pydantic import ValidationError

        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise ProtocolError(
                f"The server at {self._host} answered {path} with {validation_problem(error)}."
            ) from None

    def _entries(self, model: type[ModelT], data: dict[str, Any], path: str) -> Listing[ModelT]:
        """The `models` list of an answer: an entry that cannot be read is left out and
        reported, so one bad entry never hides the others."""
        from pydantic import ValidationError

        items = data.get("models")
        if items is None:
            return Listing()
        if not isinstance(items, list):
            raise ProtocolError(f"The server at {self._host} answered {path} without a list.")
        listing: Listing[ModelT] = Listing()
        for number, item in enumerate(items, start=1):
            try:
                listing.append(model.model_validate(item))
            except ValidationError as error:
                name = item.get("name") if isinstance(item, dict) else None
                which = f"entry {number}" + (f" ({name})" if isinstance(name, str) else "")
                listing.skipped.append(
                    ProtocolError(
                        f"{self._answered(path)} with {which} that cannot be read "
                        f"({validation_problem(error)}); it is left out."
                    )
                )
        return listing

    async def _lines(self, response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
        async def chunks() -> AsyncIterator[bytes]:
            with self._translated_errors():
                async for chunk in decoded_chunks(response, self._answered(response.url.path)):
                    yield chunk

        source = f"The server at {self._host}, answering {response.url.path},"
        lines = iter_json_lines(chunks(), max_line_bytes=self._max_line_bytes, source=source)
        async for data in lines:
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
                yield ThinkingDelta(server_text(thinking))
            text = source.get("content" if chat else "response")
            if isinstance(text, str) and text:
                yield TextDelta(server_text(text))
            calls = source.get("tool_calls")
            if isinstance(calls, list) and calls:
                # Whole calls, in a chunk of their own or in the final one (from 0.11);
                # every string in them is made inert as any text from a server is.
                yield ToolCallsArrived(
                    tuple(ToolCall.from_wire(map_strings(call, server_text)) for call in calls)
                )
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
        async with self._open("POST", path, body) as response:
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

    async def tags(self) -> Listing[ModelEntry]:
        """Installed models; `skipped` holds an error for each entry that could not be read."""
        from .wire import ModelEntry

        return self._entries(
            ModelEntry, await self._request_object("GET", "/api/tags"), "/api/tags"
        )

    async def ps(self) -> Listing[RunningModel]:
        """Loaded models; `skipped` as for `tags`."""
        from .wire import RunningModel

        data = await self._request_object("GET", "/api/ps")
        return self._entries(RunningModel, data, "/api/ps")

    async def show(self, model: str, *, verbose: bool = False) -> ShowResponse:
        from .wire import ShowResponse

        body: dict[str, Any] = {"model": model}
        if verbose:
            body["verbose"] = True
        data = await self._request_object("POST", "/api/show", body)
        return self._validated(ShowResponse, data, "/api/show")

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
        from .wire import ChatResult

        reason = data.get("done_reason")
        return ChatResult(
            content=server_text(str(source.get(text_key) or "")),
            thinking=server_text(str(source.get("thinking") or "")),
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
        from .wire import PullProgress

        async def progress(response: httpx.Response) -> AsyncGenerator[PullProgress, None]:
            async for data in self._lines(response):
                yield self._validated(PullProgress, data, path)

        async with self._open("POST", path, body) as response:
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
        (see `services.model_admin.create_body`)."""
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
            raise ProtocolError(
                f"The server at {self._host} answered /api/embed without an embedding per text."
            )
        return [self._vector(vector, "/api/embed") for vector in vectors]

    async def _legacy_embedding(self, model: str, text: str) -> list[float]:
        data = await self._request_object(
            "POST", "/api/embeddings", {"model": model, "prompt": text}
        )
        return self._vector(data.get("embedding"), "/api/embeddings")

    def _vector(self, raw: object, path: str) -> list[float]:
        if not isinstance(raw, list) or not all(isinstance(x, (int, float)) for x in raw):
            raise ProtocolError(
                f"The server at {self._host} answered {path} with an embedding that is not numbers."
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
