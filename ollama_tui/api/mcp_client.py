"""Provides one MCP server's session through the official `mcp` SDK: opened, listed, called,
closed.

The SDK's transports and its `ClientSession` are async context managers that must be entered
and left in one task, so each open session lives in a task of its own (`_hold`) until `close`.
Requests are made from the caller's task on that open session: cancelling the caller (Escape)
cancels the request, and the SDK tells the server (`notifications/cancelled`).

A server started by a command has its stderr read through a pipe into a bounded tail (never a
file: a server may print its environment), so a failure can quote its last words, masked and
inert. The SDK is imported in `open`, never at module level: users without MCP servers never
load it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..domain.secrets import mask_remembered, redact
from ..domain.text import sanitize_for_terminal

if TYPE_CHECKING:
    from mcp import ClientSession
    from mcp_types import CallToolResult

TAIL_BYTES = 4096
"""Bytes of a server's stderr kept: enough for the end of a traceback."""
TAIL_LINES = 12
"""Lines of it quoted in a message."""
RESULT_CAP = 1_000_000
"""Characters of one call's answer kept; the rest is cut and the answer says so."""
TOOLS_CAP = 256
"""Tools of one server listed; a server offering more is cut there."""
CLOSE_TIMEOUT = 6.0
"""Seconds to wait for a session to close: the SDK closes a server's input, waits 2 s, then
sends SIGTERM, waits 2 s more, then SIGKILL."""
STOPPED = "it stopped (the connection closed)"
"""Why a server cannot be reached after it exited or its connection broke."""
EXIT_GRACE = 0.5
"""Seconds to wait for a stopped server's last stderr lines before quoting them."""


MISSING_SDK = (
    "the MCP SDK is not installed: install ollama-tui[mcp] (pip install 'ollama-tui[mcp]'; "
    "make run installs it)"
)
"""Why no server can start when the optional `mcp` extra is missing."""


class McpError(Exception):
    """A failure of an MCP server, in words for the user and the model: every secret masked,
    every control character made inert, whoever wrote it (us, the SDK, the server)."""

    def __init__(self, message: str) -> None:
        self.message = sanitize_for_terminal(redact(message))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ServerStopped(McpError):
    """The server has exited or closed the connection; no request can reach it."""


@dataclass(frozen=True, repr=False)
class StdioTarget:
    """A server the app starts, speaking over its standard input and output."""

    command: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the SDK's small safe environment (HOME, PATH, SHELL, TERM, USER, LOGNAME)."""
    cwd: Path | None = None

    def __repr__(self) -> str:  # never the env: it holds tokens
        return f"StdioTarget({self.command!r})"


@dataclass(frozen=True, repr=False)
class HttpTarget:
    """A server reached at a URL over streamable HTTP."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # never the headers, nor a password in the URL
        return f"HttpTarget({redact(self.url)!r})"


McpTarget = StdioTarget | HttpTarget


@dataclass(frozen=True)
class McpTool:
    """One tool as the server lists it; `read_only` is its `readOnlyHint`."""

    name: str
    description: str
    input_schema: Mapping[str, object]
    read_only: bool


@dataclass(frozen=True)
class CallOutcome:
    text: str
    is_error: bool


class _StderrTail(asyncio.Protocol):
    """Keeps the last `TAIL_BYTES` a server wrote to stderr; reading keeps its pipe from
    filling up and stalling the server."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ended = asyncio.Event()
        self._transport: asyncio.BaseTransport | None = None
        self.attached = False
        """Whether a server was started, so there is a stderr to quote."""

    async def attach(self, read_fd: int) -> None:
        """Read the pipe's end `read_fd` (owned from here on) in the event loop."""
        pipe = os.fdopen(read_fd, "rb", buffering=0)
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.connect_read_pipe(lambda: self, pipe)
        self.attached = True

    def data_received(self, data: bytes) -> None:
        self.data += data
        del self.data[:-TAIL_BYTES]

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended.set()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self.ended.set()

    def text(self) -> str:
        lines = [line.rstrip() for line in self.data.decode("utf-8", "replace").splitlines()]
        return "\n".join([line for line in lines if line][-TAIL_LINES:])


@contextlib.asynccontextmanager
async def _spawned(transport: Any, errlog: IO[str], read_fd: int, tail: _StderrTail) -> Any:
    """Enter the stdio transport (which spawns the server), then close our copy of the stderr
    pipe's write end, so the pipe ends when the server exits, and read the other end."""
    attached = False
    try:
        async with transport as streams:
            errlog.close()
            await tail.attach(read_fd)
            attached = True
            yield streams
        # The transport has stopped the server: its last lines are on their way.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(tail.ended.wait(), EXIT_GRACE)
    finally:
        if not attached:
            errlog.close()
            os.close(read_fd)
        tail.close()


def _load_sdk() -> None:
    """Import the SDK (about 2 s on a busy machine: it brings pydantic models for every MCP
    message, an HTTP library and a web framework), in a thread so the screen keeps drawing.

    Its loggers are silenced: it logs transport noise (and may quote a URL); the screen is the
    app's, and every failure that matters reaches the user as an exception.
    """
    import logging

    try:
        import httpx2  # noqa: F401
        import mcp
        import mcp.client.stdio
        import mcp.client.streamable_http  # noqa: F401
    except ImportError:
        raise McpError(MISSING_SDK) from None

    logger = logging.getLogger("mcp")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


def _leaf(error: BaseException) -> BaseException:
    """The first real error inside the SDK's task-group exception groups."""
    # Duck-typed: Python 3.10 has no BaseExceptionGroup (anyio brings a backport's).
    while isinstance(inner := getattr(error, "exceptions", None), tuple) and inner:
        error = inner[0]
    return error


def _describe(error: BaseException, target: McpTarget) -> str:
    error = _leaf(error)
    if isinstance(error, McpError):
        return error.message
    if isinstance(target, StdioTarget):
        if isinstance(error, FileNotFoundError):
            return f"cannot run {target.command!r}: no such program (looked in PATH)"
        if isinstance(error, PermissionError):
            return f"cannot run {target.command!r}: not allowed to (is it executable?)"
    if _connection_closed(error):
        return STOPPED
    message = f"{' '.join(str(error).split()) or type(error).__name__} ({type(error).__name__})"
    if isinstance(target, HttpTarget):
        return f"cannot reach {target.url}: {message}"
    return message


def _connection_closed(error: BaseException) -> bool:
    """The SDK's word for a server that exited, or a connection that broke."""
    return type(error).__name__ == "MCPError" and str(error) == "Connection closed"


class McpConnection:
    """One server's session: `open`, then `list_tools` and `call_tool`, then `close`."""

    def __init__(self, target: McpTarget) -> None:
        self.target = target
        self._session: ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._stderr = _StderrTail()
        self._stopped: str | None = None
        """Why no request can reach the server any more, once it is so."""

    @property
    def stopped(self) -> bool:
        return self._stopped is not None

    async def open(self, timeout: float) -> None:
        """Start (or reach) the server and shake hands with it.

        Raises:
            McpError: it could not be started or reached, or did not answer within `timeout`
                seconds; the message quotes the end of its stderr.
        """
        await asyncio.to_thread(_load_sdk)  # ours, not the server's: before its clock starts
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._hold(ready), name="mcp session")
        try:
            await asyncio.wait_for(asyncio.shield(ready), timeout)
        except asyncio.TimeoutError:
            await self.close()
            raise McpError(
                f"it did not start within {timeout:g} s{await self._last_words()}"
            ) from None
        except McpError as error:
            await self.close()
            raise McpError(f"{error.message}{await self._last_words()}") from None
        except BaseException:
            await self.close()
            raise

    async def _hold(self, ready: asyncio.Future[None]) -> None:
        """Enter the transport and the session, hand the session over, and keep both open
        until `close` (all in this one task, as the SDK's context managers require)."""
        try:
            from mcp import ClientSession

            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport())
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                self._session = session
                ready.set_result(None)
                await self._closing.wait()
        except Exception as error:
            self._stopped = _describe(error, self.target)
            if not ready.done():
                ready.set_exception(McpError(self._stopped))
        finally:
            self._session = None
            self._stopped = self._stopped or "it was closed"
            if not ready.done():
                ready.set_exception(ServerStopped(self._stopped))
                ready.exception()  # retrieved: `open` may already have given up on it

    def _transport(self) -> Any:
        if isinstance(self.target, HttpTarget):
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            # Proxies from the environment are not used: they often capture 127.0.0.1, and a
            # configured server is reached as written (the Ollama client does the same).
            client = httpx2.AsyncClient(
                headers=dict(self.target.headers),
                timeout=httpx2.Timeout(30.0, read=300.0),
                trust_env=False,
            )
            return streamable_http_client(self.target.url, http_client=client)
        return self._stdio()

    def _stdio(self) -> Any:
        from mcp import StdioServerParameters, stdio_client

        target = self.target
        assert isinstance(target, StdioTarget)
        if target.cwd is not None and not target.cwd.is_dir():
            raise McpError(f"its folder {str(target.cwd)!r} (cwd) does not exist")
        params = StdioServerParameters(
            command=target.command,
            args=list(target.args),
            env=dict(target.env),
            cwd=target.cwd,
            encoding_error_handler="replace",
        )
        read_fd, write_fd = os.pipe()
        errlog = os.fdopen(write_fd, "w")
        return _spawned(stdio_client(params, errlog=errlog), errlog, read_fd, self._stderr)

    async def _last_words(self) -> str:
        """The end of the server's stderr, as a sentence to add to a message."""
        if isinstance(self.target, HttpTarget):
            return ""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stderr.ended.wait(), EXIT_GRACE)
        if not self._stderr.attached:
            return ""  # never started: it wrote nothing
        tail = self._stderr.text()  # masked with the rest of the message (McpError)
        return f"; the end of its stderr:\n{tail}" if tail else "; it wrote nothing to stderr"

    async def _session_or_raise(self) -> ClientSession:
        session = self._session
        if session is None or self._stopped is not None:
            raise ServerStopped(f"{self._stopped or 'it is not running'}{await self._last_words()}")
        return session

    async def _request(self, coroutine: Any, timeout: float, what: str) -> Any:
        """Await one request; a closed connection marks the server stopped."""
        try:
            return await asyncio.wait_for(coroutine, timeout)
        except asyncio.TimeoutError:
            raise McpError(f"{what} took longer than {timeout:g} s and was cancelled") from None
        except Exception as error:
            if _connection_closed(error):
                self._stopped = STOPPED
                raise ServerStopped(f"{self._stopped}{await self._last_words()}") from None
            raise McpError(f"{what} failed: {_describe(error, self.target)}") from None

    async def list_tools(self, timeout: float) -> list[McpTool]:
        """The server's tools, up to `TOOLS_CAP`, every page of them."""
        session = await self._session_or_raise()
        tools: list[McpTool] = []
        cursor: str | None = None
        from mcp_types import PaginatedRequestParams

        while len(tools) < TOOLS_CAP:
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await self._request(session.list_tools(params=params), timeout, "listing tools")
            for tool in page.tools[: TOOLS_CAP - len(tools)]:
                hints = tool.annotations
                tools.append(
                    McpTool(
                        name=tool.name,
                        description=mask_remembered(tool.description or tool.title or ""),
                        input_schema=tool.input_schema,
                        read_only=bool(hints and hints.read_only_hint),
                    )
                )
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    async def call_tool(
        self, name: str, arguments: Mapping[str, object], timeout: float
    ) -> CallOutcome:
        """One call; cancelling the caller cancels the request at the server too.

        Raises:
            ServerStopped: the server is gone (the message quotes its stderr's end).
            McpError: the call timed out or the server refused it.
        """
        session = await self._session_or_raise()
        result = await self._request(
            session.call_tool(name, dict(arguments)), timeout, f"the call of {name}"
        )
        return CallOutcome(_result_text(result), bool(result.is_error))

    async def close(self) -> None:
        """Leave the session and stop the server (its process is gone when this returns, or
        `CLOSE_TIMEOUT` has passed and it was killed)."""
        self._closing.set()
        task = self._task
        if task is None or task.done():
            return
        if self._session is None:
            # Still starting: stop waiting for its handshake (the SDK still stops the process).
            task.cancel()
        # asyncio.wait: the task's own end (cancelled, say) is not raised here.
        _, pending = await asyncio.wait({task}, timeout=CLOSE_TIMEOUT)
        if pending:
            task.cancel()
            await asyncio.wait({task})


def _result_text(result: CallToolResult) -> str:
    """What the model is told: the text blocks, a line for anything else, masked and capped."""
    from mcp_types import AudioContent, ImageContent, ResourceLink, TextContent

    parts: list[str] = []
    for block in result.content:
        if isinstance(block, TextContent):
            parts.append(block.text)
        elif isinstance(block, ImageContent | AudioContent):
            size = len(block.data) * 3 // 4
            parts.append(f"[{block.type} {block.mime_type}, {size} bytes, not shown]")
        elif isinstance(block, ResourceLink):
            parts.append(f"[resource {block.uri}]")
        else:
            resource = block.resource
            text = getattr(resource, "text", None)
            parts.append(text if isinstance(text, str) else f"[resource {resource.uri}, binary]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    text = "\n".join(parts)
    if len(text) > RESULT_CAP:
        text = text[:RESULT_CAP] + f"\n[cut at {RESULT_CAP:,} characters]"
    return mask_remembered(text)
