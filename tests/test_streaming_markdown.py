"""Sealing finished blocks of a streamed reply: never inside a code fence."""

from __future__ import annotations

from ollama_tui.ui.chat.message_widgets import last_block_boundary


def test_the_boundary_is_the_last_blank_line_outside_code() -> None:
    text = "one\n\ntwo\n\n```\na\n\nb\n```\n\nthree"
    assert text[last_block_boundary(text) :] == "three"
    open_fence = "one\n\n```python\nx = 1\n\ny = 2\n"
    assert open_fence[last_block_boundary(open_fence) :] == "```python\nx = 1\n\ny = 2\n"
    assert last_block_boundary("no blank line yet") == 0
    assert last_block_boundary("ends with a blank\n\n") == 0  # the next text may continue it
    tildes = "a\n\n~~~~\n~~~\n\n~~~~\n\nb"
    assert tildes[last_block_boundary(tildes) :] == "b"
