"""Provides the typed events of a streamed reply, as the client yields them."""

from __future__ import annotations

from dataclasses import dataclass

from .conversation import Stats
from .tool_calls import ToolCall


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A fragment of reply text, already sanitised."""

    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """A fragment of the model's reasoning, already sanitised."""

    text: str


@dataclass(frozen=True, slots=True)
class StreamDone:
    """The final line: why the reply ended and its counters."""

    done_reason: str | None
    stats: Stats
    model: str = ""


@dataclass(frozen=True, slots=True)
class ToolCallsArrived:
    """Calls the model asked for, whole: in a chunk before the end, or in the final one."""

    calls: tuple[ToolCall, ...]


@dataclass(frozen=True, slots=True)
class ReplyHost:
    """Which host writes the reply, once the stream is open (a conversation on `auto` learns
    it only then); `notes`: what the choice left out and why (a host that failed, or one
    that answers again), to be told to the user once."""

    name: str
    url: str
    notes: tuple[str, ...] = ()


StreamEvent = TextDelta | ThinkingDelta | ToolCallsArrived | StreamDone | ReplyHost
