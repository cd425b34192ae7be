"""Provides a model's request to call a tool, as it arrives on the wire and is saved.

The saved form is Ollama's own (`{"id", "function": {"index", "name", "arguments"}}`), so a
conversation file's `tool_calls` go back to the server as they came. Arguments arrive as a JSON
object; a model (or a server behind another API) may send a string instead, which is parsed
here and, when it is not a JSON object, kept as written so the model can be told so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # The config checks tool names against the lists below; the conversation model is
    # loaded only where messages are paired with calls, so `--version` stays without it.
    from .conversation import Message

BUILT_IN_TOOLS = (
    "read_file",
    "list_directory",
    "search_files",
    "write_file",
    "run_command",
    "fetch_url",
)
"""The names of the built-in tools, as the config, F4 and the model know them."""
READ_ONLY_TOOLS = ("read_file", "list_directory", "search_files")
"""Built-in tools that change nothing: the only built-in ones `auto_approve` may name."""


def shown_name(wire_name: str) -> str:
    """A tool as the user knows it: an MCP server's `NAME__tool` is `NAME.tool`, as in F4
    and the approval (the model is given the underscores: a dot breaks some templates)."""
    server, separator, tool = wire_name.partition("__")
    return f"{server}.{tool}" if separator and server and tool else wire_name


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for."""

    name: str
    arguments: Mapping[str, Any] | None
    """The arguments as an object; None when the model's were not a JSON object."""
    raw_arguments: object
    """The arguments exactly as they arrived (what is saved and shown)."""
    id: str | None = None
    """`call_…` from servers since 0.12.10: the result goes back with it as `tool_call_id`."""

    @classmethod
    def from_wire(cls, data: object) -> ToolCall:
        """A call from one item of `tool_calls`; whatever is missing or malformed is kept as
        such, for the tool loop to answer, never raised."""
        item = data if isinstance(data, dict) else {}
        function = item.get("function")
        function = function if isinstance(function, dict) else {}
        name = function.get("name")
        raw = function.get("arguments", {})
        call_id = item.get("id")
        return cls(
            name=name if isinstance(name, str) else "",
            arguments=_as_object(raw),
            raw_arguments=raw,
            id=call_id if isinstance(call_id, str) and call_id else None,
        )

    def to_wire(self) -> dict[str, Any]:
        """The call as saved: Ollama's shape, the arguments as they arrived."""
        call: dict[str, Any] = {"function": {"name": self.name, "arguments": self.raw_arguments}}
        if self.id:
            call["id"] = self.id
        return call


def _as_object(raw: object) -> Mapping[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def calls_of(message_tool_calls: object) -> list[ToolCall]:
    """The calls saved on an assistant message (a list, or anything a hand-edited file holds)."""
    if not isinstance(message_tool_calls, list):
        return []
    return [ToolCall.from_wire(item) for item in message_tool_calls]


def history_call(call: Mapping[str, Any]) -> dict[str, Any]:
    """A saved call as it goes back to the server: the arguments must be an object there (a
    string is refused with 400), so ones that were not are sent as an empty object."""
    parsed = ToolCall.from_wire(call)
    wire: dict[str, Any] = {
        "function": {"name": parsed.name, "arguments": dict(parsed.arguments or {})}
    }
    if parsed.id:
        wire["id"] = parsed.id
    return wire


def results_for(message: Message, messages: Sequence[Message]) -> list[Message]:
    """The `tool` messages that follow `message` in `messages`, up to the next other turn."""
    try:
        start = next(i for i, m in enumerate(messages) if m is message) + 1
    except StopIteration:
        return []
    from .conversation import Role  # loaded by then: `messages` are its Messages

    found: list[Message] = []
    for later in messages[start:]:
        if later.role is not Role.TOOL:
            break
        found.append(later)
    return found


def pair_results(calls: Sequence[ToolCall], results: Sequence[Message]) -> list[Message | None]:
    """Each call's result: by `tool_call_id` where there is one, else in order."""
    by_id = {r.tool_call_id: r for r in results if r.tool_call_id}
    unclaimed = [r for r in results if not r.tool_call_id]
    paired: list[Message | None] = []
    for call in calls:
        if call.id and call.id in by_id:
            paired.append(by_id[call.id])
        else:
            paired.append(unclaimed.pop(0) if unclaimed else None)
    return paired
