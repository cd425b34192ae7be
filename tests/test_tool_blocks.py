"""The block of a reply's tool calls: one line per call, opened in full, hostile text inert."""

from __future__ import annotations

import re

from ollama_tui.domain.conversation import Approval, Message, MessageStatus
from ollama_tui.domain.tool_calls import results_for
from ollama_tui.ui.chat.render import RenderPalette, render_message
from ollama_tui.ui.chat.tool_blocks import OPEN_LINES, describe_tool_calls

PALETTE = RenderPalette.default()
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "\x1b]52;c;UFdORUQ=\x1b\\\x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202e [/]"


def reply(*calls: dict[str, object]) -> Message:
    message = Message.assistant("llama3.2")
    message.status = MessageStatus.COMPLETE
    message.tool_calls = list(calls)
    return message


def call(name: str, arguments: object, call_id: str | None = None) -> dict[str, object]:
    found: dict[str, object] = {"function": {"name": name, "arguments": arguments}}
    if call_id:
        found["id"] = call_id
    return found


def result(
    text: str, approval: Approval | None, ms: int | None = 12, call_id: str | None = None
) -> Message:
    return Message.tool(
        text, tool_name="read_file", tool_call_id=call_id, approval=approval, duration_ms=ms
    )


def test_each_call_is_one_line_with_its_decision_time_and_size() -> None:
    message = reply(
        call("read_file", {"path": "notes.txt"}),
        call("run_command", {"command": "rm -rf /"}),
        call("fetch_url", {"url": "https://example.com"}),
    )
    results = [result("x" * 1500, Approval.ONCE), result("no", Approval.DENIED, None)]
    block = describe_tool_calls(message, results)
    assert block is not None
    assert block.plain.splitlines() == [
        '↳ tool read_file path="notes.txt" · allowed once · 12 ms · 1.5 KB',
        '↳ tool run_command command="rm -rf /" · denied',
        '↳ tool fetch_url url="https://example.com" · waiting for approval',
        "  (Enter on the selected reply opens)",
    ]


def test_a_call_running_says_escape_stops_it_and_one_not_asked_says_not_run() -> None:
    message = reply(call("run_command", {"command": "make"}), call("nope", "{bad"))
    results = [result("", Approval.AUTO, None), result("bad arguments", None)]
    block = describe_tool_calls(message, results)
    assert block is not None
    lines = block.plain.splitlines()
    assert lines[0].endswith("auto-approved · running… (Esc stops)")
    assert lines[1] == "↳ tool nope (not JSON) {bad · not run"


def test_results_pair_by_call_id_whatever_their_order() -> None:
    message = reply(call("a", {}, "call_1"), call("b", {}, "call_2"))
    results = [
        result("second", Approval.ONCE, 2, "call_2"),
        result("first", Approval.ONCE, 1, "call_1"),
    ]
    block = describe_tool_calls(message, results, expanded=True)
    assert block is not None
    text = block.plain
    assert text.index("first") < text.index("second")


def test_opened_shows_arguments_and_a_bounded_result() -> None:
    long = "\n".join(f"line {n}" for n in range(500))
    message = reply(call("read_file", {"path": "big.log"}))
    block = describe_tool_calls(message, [result(long, Approval.ONCE)], expanded=True)
    assert block is not None
    text = block.plain
    assert '"path": "big.log"' in text
    assert "line 0" in text and f"line {OPEN_LINES - 1}" in text
    assert f"line {OPEN_LINES}\n" not in text
    assert f"… {500 - OPEN_LINES} more lines (the whole is in the conversation file)" in text


def test_hostile_names_arguments_and_results_are_inert() -> None:
    message = reply(call(f"read{HOSTILE}", {HOSTILE: HOSTILE}))
    results = [result(HOSTILE, Approval.ONCE)]
    for expanded in (False, True):
        block = describe_tool_calls(message, results, expanded=expanded)
        assert block is not None
        assert not UNSAFE.search(block.plain)


def test_a_reply_without_calls_has_no_block() -> None:
    assert describe_tool_calls(reply(), []) is None


def test_results_for_takes_the_tool_messages_after_the_reply() -> None:
    user = Message.user("hi")
    first = reply(call("a", {}))
    answer = result("r", Approval.ONCE)
    second = Message.assistant("m")
    messages = [user, first, answer, second]
    assert results_for(first, messages) == [answer]
    assert results_for(second, messages) == []


def test_the_transcript_lines_draw_the_block_under_the_reply() -> None:
    message = reply(call("read_file", {"path": "notes.txt"}))
    message.content = "Let me look."
    lines = render_message(
        message, 60, PALETTE, tool_results=[result("plum", Approval.ONCE)], tools_open=True
    )
    text = ["".join(segment.text for segment in strip) for strip in lines.strips]
    joined = "\n".join(text)
    assert joined.index("Let me look.") < joined.index("↳ tool read_file")
    assert "    plum" in joined
    assert all(strip.cell_length == 60 for strip in lines.strips)


def test_an_mcp_tool_is_named_as_the_user_knows_it() -> None:
    block = describe_tool_calls(reply(call("files__read", {})), [])
    assert block is not None
    assert block.plain.splitlines()[0] == "↳ tool files.read · waiting for approval"
