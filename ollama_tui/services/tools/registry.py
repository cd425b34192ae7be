"""Every source of tools, and which of their tools a conversation has turned on.

A conversation names what it enables: a built-in tool ("read_file"), one tool of an MCP server
("NAME.tool") or all of a server's ("NAME.*"). A source is asked for its list only when a name
points at it, so an MCP server starts only when a conversation that enables it sends a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ollama_tui.services.tools.base import ToolSource, ToolSpec

BUILT_IN = "built-in"


def source_of(enabled_name: str) -> str:
    """The source an enabled name points at: the part before the dot, or the built-in tools."""
    server, dot, _ = enabled_name.partition(".")
    return server if dot else BUILT_IN


def matches(enabled_name: str, tool: ToolSpec) -> bool:
    """Whether one enabled name ("read_file", "NAME.tool", "NAME.*") covers the tool."""
    if enabled_name.endswith(".*"):
        return tool.source == enabled_name[:-2] and tool.source != BUILT_IN
    return tool.name == enabled_name


@dataclass(frozen=True)
class SourceFailure:
    """A source that could not list its tools: the conversation goes on without them."""

    source: str
    reason: str


class ToolRegistry:
    """The sources by name; resolves a conversation's enabled names to tools."""

    def __init__(self, sources: Iterable[ToolSource] = ()) -> None:
        self._sources: dict[str, ToolSource] = {}
        self._listed: dict[str, list[ToolSpec]] = {}
        """Each source's tools as it last listed them."""
        for source in sources:
            self.add(source)

    def add(self, source: ToolSource) -> None:
        self._sources[source.name] = source

    @property
    def source_names(self) -> list[str]:
        return list(self._sources)

    def source(self, name: str) -> ToolSource | None:
        return self._sources.get(name)

    def listed_tools(self) -> list[ToolSpec]:
        """The tools of every source that has listed them already, without asking any (so
        F4 can show a running MCP server's tools one by one without starting the others)."""
        return [tool for tools in self._listed.values() for tool in tools]

    async def all_tools(self) -> tuple[list[ToolSpec], list[SourceFailure]]:
        """Every tool of every source (F4's list); a source that fails is reported, not raised."""
        return await self._list(list(self._sources))

    async def resolve(self, enabled: Sequence[str]) -> tuple[list[ToolSpec], list[SourceFailure]]:
        """The tools the enabled names cover, in the order named, each once."""
        wanted = list(dict.fromkeys(source_of(name) for name in enabled))
        known = [name for name in wanted if name in self._sources]
        tools, failures = await self._list(known)
        failures += [
            SourceFailure(name, "no such tool source in the config")
            for name in wanted
            if name not in self._sources
        ]
        chosen: dict[str, ToolSpec] = {}
        for name in enabled:
            for tool in tools:
                if matches(name, tool):
                    chosen.setdefault(tool.wire_name, tool)
        return list(chosen.values()), failures

    async def _list(self, names: Sequence[str]) -> tuple[list[ToolSpec], list[SourceFailure]]:
        # All at once: each MCP server takes a second or more to start on first use.
        listed = await asyncio.gather(
            *(self._sources[name].list_tools() for name in names), return_exceptions=True
        )
        tools: list[ToolSpec] = []
        failures: list[SourceFailure] = []
        for name, found in zip(names, listed, strict=True):
            if isinstance(found, asyncio.CancelledError):
                raise found
            if isinstance(found, BaseException):  # any source failure is reported, never fatal
                failures.append(SourceFailure(name, str(found) or type(found).__name__))
            else:
                tools += found
                self._listed[name] = found
        return tools, failures

    async def close(self) -> None:
        """Closes every source at once (at quit: each MCP server may take a moment to stop);
        one that fails to close does not stop the others."""
        # Quitting goes on whatever a source does; each source reports its own failures.
        await asyncio.gather(
            *(source.close() for source in self._sources.values()), return_exceptions=True
        )
