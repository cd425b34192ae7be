"""What every source of tools offers: the built-in tools are one source, each MCP server another.

The chat turn sees only these types, so a tool from an MCP server and a built-in one are asked
for, approved, run, shown and saved the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

# What a call can do to the world. Only "read" may be auto-approved from the config: a command,
# a write or a network call always asks first.
ToolKind = Literal["read", "write", "command", "network"]


@dataclass(frozen=True)
class ToolSpec:
    """One tool as the user and the model see it."""

    # As the user sees it: "read_file", or "NAME.tool" for an MCP server's tool.
    name: str
    # As the model sees it: "read_file", or "NAME__tool" (a dot breaks some model templates).
    wire_name: str
    description: str
    # The JSON Schema of the arguments, sent as the tool's "parameters".
    parameters: Mapping[str, object]
    # "built-in", or the MCP server's name.
    source: str
    kind: ToolKind


@dataclass(frozen=True)
class ToolResult:
    """What a call gave back."""

    # What goes back to the model; the caller caps it for the wire and saves the full text.
    text: str
    is_error: bool = False


class ToolSource(Protocol):
    """A set of tools that can be listed, called and shut down."""

    name: str

    async def list_tools(self) -> list[ToolSpec]:
        """The tools this source offers now."""
        ...

    async def call(self, tool: ToolSpec, arguments: Mapping[str, object]) -> ToolResult:
        """Runs one call; cancelling the task (Escape) stops it."""
        ...

    async def close(self) -> None:
        """Stops whatever the source started (a server process, a connection)."""
        ...
