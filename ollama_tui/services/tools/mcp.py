"""Provides each configured MCP server as a source of tools.

A server is started when a conversation that enables one of its tools first sends a request
(its tool list is needed for that request), and stopped at quit. One that fails to start, or
stops, is reported with the end of its stderr and not started again in this run: the
conversation goes on without its tools, and a call of one of them is answered with the reason.

Names: a server's tool `search` is `NAME.search` on screen and `NAME__search` on the wire.
Kinds: a tool whose `readOnlyHint` is true is "read" (so the config may auto-approve it); any
other is "write", since a server's hints are all it says about what a tool does.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Mapping

from ...api.mcp_client import HttpTarget, McpConnection, McpError, McpTarget, McpTool, StdioTarget
from ...config import McpServerConfig
from .base import ToolResult, ToolSpec

WIRE_SEPARATOR = "__"
"""Between a server's name and its tool's on the wire: some model templates reject dots."""
TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
"""The characters MCP allows in a tool name; a tool named otherwise is not offered."""
DESCRIPTION_CAP = 2000
"""Characters of a tool's description sent to the model and shown."""
SCHEMA_CAP = 64_000
"""Bytes of a tool's argument schema (as JSON); a tool with a larger one is not offered."""


def target_of(config: McpServerConfig) -> McpTarget:
    if config.url is not None:
        return HttpTarget(config.url, dict(config.headers))
    assert config.command is not None  # the config keeps only servers with one or the other
    return StdioTarget(config.command, config.args, dict(config.env), config.cwd)


class McpToolSource:
    """One `[mcp.NAME]` server's tools (a `ToolSource`)."""

    def __init__(self, config: McpServerConfig) -> None:
        self.name = config.name
        self._config = config
        self._connection: McpConnection | None = None
        self._failure: str | None = None
        """Why the server cannot be used in this run, once it cannot."""
        self._closed = False
        self._lock = asyncio.Lock()
        self.skipped: list[str] = []
        """Tools the server listed that are not offered, each with the reason."""

    async def _connected(self) -> McpConnection:
        async with self._lock:
            if self._closed:
                raise McpError("it was stopped (the app is quitting)")
            if self._failure is not None:
                raise McpError(self._failure)
            if self._connection is None:
                connection = McpConnection(target_of(self._config))
                self._connection = connection
                try:
                    await connection.open(self._config.start_timeout)
                except McpError as error:
                    self._failure = error.message
                    raise
            return self._connection

    async def list_tools(self) -> list[ToolSpec]:
        """Starts the server on first use; asks it for its tools on every request.

        Raises:
            McpError: it could not be started, or has stopped (the message says why).
        """
        connection = await self._connected()
        try:
            tools = await connection.list_tools(self._config.start_timeout)
        except McpError as error:
            if connection.stopped:
                self._failure = error.message
            raise
        return self._specs(tools)

    def _specs(self, tools: Iterable[McpTool]) -> list[ToolSpec]:
        specs: dict[str, ToolSpec] = {}
        self.skipped = []
        for tool in tools:
            reason = _refusal(tool)
            wire_name = f"{self.name}{WIRE_SEPARATOR}{tool.name.replace('.', '_')}"
            if reason is None and wire_name in specs:
                reason = f"its wire name {wire_name} is taken by another tool"
            if reason is not None:
                self.skipped.append(f"{self.name}: a tool is not offered: {reason}")
                continue
            description = tool.description
            if len(description) > DESCRIPTION_CAP:
                description = description[: DESCRIPTION_CAP - 1] + "…"
            specs[wire_name] = ToolSpec(
                name=f"{self.name}.{tool.name}",
                wire_name=wire_name,
                description=description,
                parameters=tool.input_schema,
                source=self.name,
                kind="read" if tool.read_only else "write",
            )
        return list(specs.values())

    async def call(self, tool: ToolSpec, arguments: Mapping[str, object]) -> ToolResult:
        """One call; a server that cannot be reached is an error result, never an exception
        (the model is told and the turn goes on). Cancelling cancels the request too."""
        name = tool.name.removeprefix(f"{self.name}.")
        try:
            connection = await self._connected()
            outcome = await connection.call_tool(name, arguments, self._config.call_timeout)
        except McpError as error:
            if self._connection is not None and self._connection.stopped:
                self._failure = self._failure or error.message
            return ToolResult(
                f"The MCP server {self.name} could not run {tool.name}: {error.message}",
                is_error=True,
            )
        return ToolResult(outcome.text, outcome.is_error)

    async def close(self) -> None:
        """Stops the server (its process is gone when this returns); never started again."""
        self._closed = True
        if self._connection is not None:
            await self._connection.close()


def _refusal(tool: McpTool) -> str | None:
    if not TOOL_NAME.match(tool.name):
        return "its name is not letters, digits, _ . - (up to 64)"
    try:
        size = len(json.dumps(tool.input_schema))
    except (TypeError, ValueError):
        return f"the schema of {tool.name} is not JSON"
    if size > SCHEMA_CAP:
        return f"the schema of {tool.name} is larger than {SCHEMA_CAP:,} bytes"
    return None


def mcp_sources(configs: Iterable[McpServerConfig]) -> list[McpToolSource]:
    """A source per configured server; none is started until a conversation needs it."""
    return [McpToolSource(config) for config in configs]
