"""Provides the drawing of a reply's tool calls: one line per call, or opened in full.

Pure: a reply and the `tool` messages that answer it in, a `Content` out, so any transcript
(widgets or lines) draws them the same way. Arguments and results came from a model and from
tools: every string is made inert here, and the screen shows a bounded part of each (the whole
is in the conversation file).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from textual.content import Content

from ...domain.conversation import Approval, Message
from ...domain.quantities import format_size
from ...domain.text import sanitize_for_terminal
from ...domain.tool_calls import ToolCall, calls_of, pair_results, shown_name
from ..kit.safe_text import plain

SHORT_ARGUMENTS = 60
"""Characters of the arguments on a call's one line."""
OPEN_LINES = 20
"""Lines of the arguments, and of the result, shown when a call is opened."""
OPEN_LINE_WIDTH = 400

_DECISIONS = {
    Approval.ONCE.value: "allowed once",
    Approval.CONVERSATION.value: "allowed for this conversation",
    Approval.AUTO.value: "auto-approved",
    Approval.DENIED.value: "denied",
}


def short_arguments(call: ToolCall) -> str:
    if call.arguments is None:
        text = f"(not JSON) {call.raw_arguments!s}"
    else:
        text = ", ".join(
            f"{key}={json.dumps(value, ensure_ascii=False, default=str)}"
            for key, value in call.arguments.items()
        )
    text = " ".join(sanitize_for_terminal(text).split())
    return text if len(text) <= SHORT_ARGUMENTS else text[: SHORT_ARGUMENTS - 1] + "…"


def _state(result: Message | None) -> Content:
    if result is None:
        return Content.styled("waiting for approval", "$warning")
    decision = _DECISIONS.get(result.approval or "")
    if decision is None:
        return Content.styled("not run", "$warning")
    if result.approval == Approval.DENIED.value:
        return Content.styled(decision, "$error")
    parts = [Content(decision)]
    if result.duration_ms is None and not result.content:
        parts.append(Content.styled("running… (Esc stops)", "$warning"))
    elif result.duration_ms is None:
        # Read back from a file the app left mid-call (see `domain.unfinished`): said as a
        # stopped reply is.
        parts.append(Content.styled("stopped", "$warning"))
    else:
        parts.append(Content(_duration(result.duration_ms)))
        parts.append(Content(format_size(len(result.content.encode()))))
    return Content(" · ").join(parts)


def _duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _bounded(text: str) -> Content:
    lines = sanitize_for_terminal(text).splitlines() or [""]
    shown = [
        line if len(line) <= OPEN_LINE_WIDTH else line[:OPEN_LINE_WIDTH] + "…"
        for line in lines[:OPEN_LINES]
    ]
    body = Content("\n").join(Content("    ") + Content(line) for line in shown)
    if len(lines) > OPEN_LINES:
        more = len(lines) - OPEN_LINES
        body = body + Content.styled(
            f"\n    … {more} more lines (the whole is in the conversation file)", "$text-muted"
        )
    return body


def describe_tool_calls(
    message: Message, results: Sequence[Message], *, expanded: bool = False
) -> Content | None:
    """The block under a reply that called tools (None for one that did not): per call, the
    tool, its arguments in short, the decision, the time and the result's size; `expanded`
    adds each call's arguments and result."""
    calls = calls_of(message.tool_calls)
    if not calls:
        return None
    blocks: list[Content] = []
    for call, result in zip(calls, pair_results(calls, results), strict=True):
        name = sanitize_for_terminal(shown_name(call.name)) or "(no name)"
        arguments = short_arguments(call)
        line = (
            Content.styled("↳ tool ", "$accent")
            + Content.styled(name, "bold")
            + (Content(" ") + plain(arguments) if arguments else Content(""))
            + Content(" · ")
            + _state(result)
        )
        if expanded:
            written = (
                json.dumps(call.raw_arguments, indent=2, ensure_ascii=False, default=str)
                if not isinstance(call.raw_arguments, str)
                else call.raw_arguments
            )
            line = line + Content("\n  arguments:\n") + _bounded(written)
            if result is not None and result.content:
                line = line + Content("\n  result:\n") + _bounded(result.content)
        blocks.append(line)
    hint = "Enter closes" if expanded else "Enter on the selected reply opens"
    return Content("\n").join(blocks) + Content.styled(f"\n  ({hint})", "$text-muted")
