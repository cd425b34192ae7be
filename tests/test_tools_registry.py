"""The registry resolves what a conversation enables to tools, and survives a failing source."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from ollama_tui.services.tools.base import ToolResult, ToolSpec
from ollama_tui.services.tools.registry import ToolRegistry


def spec(name: str, source: str) -> ToolSpec:
    wire = name.replace(".", "__")
    return ToolSpec(name, wire, f"does {name}", {"type": "object"}, source, "read")


class Source:
    def __init__(self, name: str, tools: list[str], fail: bool = False) -> None:
        self.name = name
        self.tools = [spec(tool, name) for tool in tools]
        self.fail = fail
        self.listed = 0
        self.closed = False

    async def list_tools(self) -> list[ToolSpec]:
        self.listed += 1
        if self.fail:
            raise RuntimeError("server exited: boom")
        return self.tools

    async def call(self, tool: ToolSpec, arguments: Mapping[str, object]) -> ToolResult:
        return ToolResult("ok")

    async def close(self) -> None:
        self.closed = True


async def test_enabled_names_pick_built_ins_one_server_tool_and_a_whole_server() -> None:
    built_in = Source("built-in", ["read_file", "run_command"])
    files = Source("files", ["files.a", "files.b"])
    web = Source("web", ["web.get", "web.post"])
    registry = ToolRegistry([built_in, files, web])
    tools, failures = await registry.resolve(["read_file", "files.b", "web.*"])
    assert [tool.name for tool in tools] == ["read_file", "files.b", "web.get", "web.post"]
    assert failures == []


async def test_a_source_nobody_enables_is_never_asked() -> None:
    built_in = Source("built-in", ["read_file"])
    lazy = Source("lazy", ["lazy.x"])
    tools, _ = await ToolRegistry([built_in, lazy]).resolve(["read_file"])
    assert [tool.name for tool in tools] == ["read_file"]
    assert lazy.listed == 0


async def test_a_failing_or_unknown_source_is_reported_and_the_rest_still_resolve() -> None:
    registry = ToolRegistry([Source("built-in", ["read_file"]), Source("bad", [], fail=True)])
    tools, failures = await registry.resolve(["read_file", "bad.*", "gone.x"])
    assert [tool.name for tool in tools] == ["read_file"]
    assert [(f.source, f.reason) for f in failures] == [
        ("bad", "server exited: boom"),
        ("gone", "no such tool source in the config"),
    ]


async def test_close_closes_every_source() -> None:
    sources = [Source("built-in", []), Source("files", [])]
    await ToolRegistry(sources).close()
    assert all(source.closed for source in sources)


class WaitingSource(Source):
    """Lists or closes only once the other source has begun to: they must run at once."""

    def __init__(self, name: str, mine: asyncio.Event, other: asyncio.Event) -> None:
        super().__init__(name, [f"{name}.x"])
        self.mine, self.other = mine, other

    async def list_tools(self) -> list[ToolSpec]:
        self.mine.set()
        await asyncio.wait_for(self.other.wait(), 2)
        return await super().list_tools()

    async def close(self) -> None:
        self.mine.set()
        await asyncio.wait_for(self.other.wait(), 2)
        await super().close()


async def test_servers_are_started_and_stopped_at_once_not_one_after_another() -> None:
    for step in ("list", "close"):
        a, b = asyncio.Event(), asyncio.Event()
        sources = [WaitingSource("one", a, b), WaitingSource("two", b, a)]
        registry = ToolRegistry(sources)
        if step == "list":
            tools, failures = await registry.resolve(["one.*", "two.*"])
            assert [tool.name for tool in tools] == ["one.x", "two.x"] and failures == []
        else:
            await registry.close()
            assert all(source.closed for source in sources)


async def test_the_tools_listed_so_far_are_known_without_asking_again() -> None:
    files, web = Source("files", ["files.a", "files.b"]), Source("web", ["web.get"], fail=True)
    registry = ToolRegistry([files, web, Source("idle", ["idle.x"])])
    assert registry.listed_tools() == []
    await registry.resolve(["files.a", "web.*"])
    assert [tool.name for tool in registry.listed_tools()] == ["files.a", "files.b"]
    assert (files.listed, web.listed) == (1, 1)
