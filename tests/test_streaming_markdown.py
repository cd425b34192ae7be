"""The blocks of a streamed reply: the open last block, re-rendered as text arrives, never
starts inside a code fence (a blank line in code does not end the block)."""

from __future__ import annotations

from ollama_tui.ui.chat.render_markdown import block_spans


def _last_block(text: str) -> str:
    return text[block_spans(text)[-1].start :]


def test_the_last_block_starts_after_the_last_blank_line_outside_code() -> None:
    text = "one\n\ntwo\n\n```\na\n\nb\n```\n\nthree"
    assert _last_block(text) == "three"
    open_fence = "one\n\n```python\nx = 1\n\ny = 2\n"
    assert _last_block(open_fence) == "```python\nx = 1\n\ny = 2\n"
    assert _last_block("no blank line yet") == "no blank line yet"
    assert _last_block("ends with a blank\n\n") == "ends with a blank\n\n"  # may continue
    tildes = "a\n\n~~~~\n~~~\n\n~~~~\n\nb"
    assert _last_block(tildes) == "b"
