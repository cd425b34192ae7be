"""Chatting in one tab: sending, streaming, stopping, the composer, the saved file."""

from __future__ import annotations

import json
import stat
import sys
import threading
from pathlib import Path

import pytest
from rich.style import Style
from textual import events

from ollama_tui.domain.conversation import Role
from ollama_tui.ui.app import OllamaTuiApp
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    ask_until_text,
    current_view,
    drawn,
    last_reply,
    notified,
    ready,
    screen_strips,
    screen_text,
    session_file,
    wait_until,
)


async def test_enter_sends_and_the_reply_streams_into_the_session_file(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(["Rayleigh ", "**scattering**", "\n\n```python\nprint(1)\n```\n"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await pilot.press(*"Why is the sky blue?")
        await pilot.press("enter")
        await wait_until(lambda: not view.is_streaming and len(view.conversation.messages) == 2)
        await pilot.pause()
        assert view.composer.text == ""
        assert [m.role for m in view.transcript.shown] == [Role.USER, Role.ASSISTANT]
        meta = drawn(view, last_reply(view)).splitlines()[-1]
        assert "llama3.2:latest" in meta and "tok/s" in meta
        text = screen_text(app)
        # The code block is rendered as a block, not as literal backticks.
        assert "print(1)" in text and "```" not in text
        assert "Rayleigh scattering" in text
        assert "Why is the sky blue?" in text
        tab_label = str(app.tabs.get_tab(app.tabs.active).label)
        assert "Why is the sky blue?" in tab_label

    data = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert data["schema"] == "ollama-tui/session" and data["version"] == 1
    assert data["title"] == "Why is the sky blue?"
    user, assistant = data["messages"]
    assert user["role"] == "user" and user["content"] == "Why is the sky blue?"
    assert assistant["content"] == "Rayleigh **scattering**\n\n```python\nprint(1)\n```\n"
    assert assistant["model"] == "llama3.2:latest"
    assert assistant["status"] == "complete" and assistant["done_reason"] == "stop"
    assert assistant["stats"]["eval_count"] > 0
    body = fake_ollama.requests_to("/api/chat")[-1].body
    assert body["model"] == "llama3.2:latest"
    assert body["messages"] == [{"role": "user", "content": "Why is the sky blue?"}]


async def test_files_are_private(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        view = await ready(app)
        await ask(pilot, view, "hi")
    path = session_file(data_dir, view.conversation.id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_escape_stops_the_reply_keeps_the_text_and_closes_the_connection(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["partial ", "answer ", "never sent"], hold=hold, hold_after=2)
    app = make_app()
    try:
        async with app.run_test() as pilot:
            view = await ready(app)
            reply = await ask_until_text(pilot, view, "tell me", "answer")
            await pilot.press("escape")
            await wait_until(lambda: not view.is_streaming)
            await fake_ollama.async_disconnect_time("/api/chat")
            assert view.composer.text == ""  # Escape never clears the composer
            await pilot.pause()
            assert "stopped" in drawn(view, reply).splitlines()[-1]
            assert "stopped" in screen_text(app)
    finally:
        hold.set()
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assistant = saved["messages"][-1]
    assert assistant["status"] == "interrupted"
    assert assistant["content"] == "partial answer "


async def test_ctrl_j_adds_a_line_and_paste_keeps_lines(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        view = await ready(app)
        await pilot.press(*"first", "ctrl+j", *"second")
        assert view.composer.text == "first\nsecond"
        assert not fake_ollama.requests_to("/api/chat")
        view.composer.clear()
        # As the terminal delivers it: one bracketed paste, to the app, which routes it.
        app.post_message(events.Paste("line one\nline two\n"))
        await pilot.pause()
        assert view.composer.text == "line one\nline two\n"
        assert not fake_ollama.requests_to("/api/chat")
        await pilot.press("enter")
        await wait_until(lambda: fake_ollama.requests_to("/api/chat"))
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][-1]["content"] == "line one\nline two\n"


async def test_keys_arriving_in_one_burst_keep_their_order(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test():
        await ready(app)
        # As a terminal delivers typed-ahead keys: all queued before any is handled.
        for key in [*"ab", "ctrl+j", *"cd", "enter"]:
            character = key if len(key) == 1 else ("\n" if key == "ctrl+j" else "\r")
            app.post_message(events.Key(key, character))
        await wait_until(lambda: fake_ollama.requests_to("/api/chat"))
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][-1]["content"] == "ab\ncd"


async def test_ctrl_g_edits_the_prompt_in_the_editor(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path).read()\n"
        "open(path, 'w').write(text + ' and more\\nfrom the editor\\n')\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    app = make_app()
    async with app.run_test() as pilot:
        view = await ready(app)
        await pilot.press(*"draft")
        await pilot.press("ctrl+g")
        await wait_until(lambda: "editor" in view.composer.text)
        assert view.composer.text == "draft and more\nfrom the editor"


async def test_a_prompt_that_cannot_be_sent_stays_in_the_composer(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.models.clear()
    app = make_app()
    async with app.run_test() as pilot:
        await wait_until(lambda: app.models is not None)
        view = current_view(app)
        assert view.conversation.settings.model is None
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        assert view.composer.text == "hello"
        assert not view.conversation.messages
        assert notified(app, "Ctrl+L")


async def test_a_failed_reply_keeps_the_prompt_and_shows_the_error(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(
        ["half a rep"], end="error", error="model runner has unexpectedly stopped"
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "question")
        await pilot.pause()
        assert "model runner has unexpectedly stopped" in screen_text(app)
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][0]["content"] == "question"
    assert saved["messages"][1]["status"] == "error"
    assert saved["messages"][1]["content"] == "half a rep"
    assert "unexpectedly stopped" in saved["messages"][1]["error"]


async def test_following_the_bottom_stops_when_scrolled_up(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply([f"line {n}\n\n" for n in range(40)])
    fake_ollama.script_reply([f"more {n}\n\n" for n in range(40)], hold=hold, hold_after=20)
    fake_ollama.script_reply([f"again {n}\n\n" for n in range(40)])
    app = make_app()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            view = await ready(app)
            transcript = view.transcript

            async def settled(turns: int) -> None:
                await wait_until(
                    lambda: not view.is_streaming and len(view.conversation.messages) == turns
                )
                await pilot.pause()

            await pilot.press(*"long please", "enter")
            await settled(2)
            await wait_until(lambda: transcript.scroll_y == transcript.max_scroll_y)
            # The second reply stops half-way; the user reads back meanwhile.
            await pilot.press(*"more", "enter")
            await wait_until(lambda: len(view.transcript.shown) == 4)
            await wait_until(lambda: "more 19" in drawn(view, last_reply(view)))
            await pilot.press("pageup")
            await pilot.pause()
            reading_at = transcript.scroll_y
            assert reading_at < transcript.max_scroll_y
            hold.set()
            await settled(4)
            # The rest of the reply arrived below; the view stayed where the user was.
            assert transcript.scroll_y == reading_at
            assert transcript.max_scroll_y > reading_at
            # Ctrl+End jumps to the end and follows new text again.
            await pilot.press("ctrl+end")
            await wait_until(lambda: transcript.scroll_y == transcript.max_scroll_y)
            await pilot.press(*"again", "enter")
            await settled(6)
            await wait_until(lambda: transcript.scroll_y == transcript.max_scroll_y)
    finally:
        hold.set()


async def test_thinking_is_shown_apart_from_the_answer_in_both_server_generations(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    # 0.9.0 and later: a separate `thinking` field. Before: `<think>` inline in the content.
    fake_ollama.script_reply(["The ", "answer"], thinking=["weighing ", "options"])
    fake_ollama.script_reply(["<thi", "nk>\npondering", " deeply\n</think>", "\n\nInline answer"])
    fake_ollama.script_reply(["<", "3 is not a tag"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        for turns, prompt in ((2, "one"), (4, "two"), (6, "three")):
            await pilot.press(*prompt, "enter")
            await wait_until(
                lambda turns=turns: (
                    not view.is_streaming and len(view.conversation.messages) == turns
                )
            )
        await pilot.pause()
        first, second, third = (m for m in view.transcript.shown if m.role is Role.ASSISTANT)
        # The answers are drawn without the thinking, which is folded under a header.
        assert "The answer" in drawn(view, first) and "weighing" not in drawn(view, first)
        assert "Thinking" in drawn(view, first)
        assert "Inline answer" in drawn(view, second) and "pondering" not in drawn(view, second)
        assert "<think>" not in drawn(view, second) and "Thinking" in drawn(view, second)
        assert "<3 is not a tag" in drawn(view, third) and "Thinking" not in drawn(view, third)
        # Opened from the keyboard on a selected reply, the thinking is shown apart.
        await pilot.press("shift+tab", "up", "up", "up", "up", "h")
        await wait_until(lambda: "weighing options" in drawn(view, first))
        assert "weighing options" not in drawn(view, second)
        await pilot.press("down", "down", "h")
        await wait_until(lambda: "pondering deeply" in drawn(view, second))
        assert "The answer" in drawn(view, first) and "Inline answer" in drawn(view, second)
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    replies = [m for m in saved["messages"] if m["role"] == "assistant"]
    assert [(m["thinking"], m["content"]) for m in replies] == [
        ("weighing options", "The answer"),
        ("pondering deeply", "Inline answer"),
        ("", "<3 is not a tag"),
    ]


def _rows(app: OllamaTuiApp) -> list[str]:
    return screen_text(app).splitlines()


def _row_after(rows: list[str], text: str) -> str:
    """The screen row just below the last row holding `text` (the first may be the tab's)."""
    index = max(i for i, row in enumerate(rows) if text in row)
    return rows[index + 1]


async def test_a_prompt_is_drawn_as_typed_with_its_lines_and_indentation(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply("ok")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        await pilot.press(*"first line", "ctrl+j", *"second line", "ctrl+j")
        await pilot.press(*"    indented(code);  # kept", "ctrl+j", *"*not* a # heading")
        await ask(pilot, view, "")
        await pilot.pause()
        rows = _rows(app)
        assert view.conversation.messages[0].content == (
            "first line\nsecond line\n    indented(code);  # kept\n*not* a # heading"
        )
        first = [row for row in rows if "first line" in row][-1]
        assert "second line" not in first
        margin = first.index("first line")
        assert _row_after(rows, "first line")[margin:].rstrip() == "second line"
        assert _row_after(rows, "second line")[margin:].rstrip() == "    indented(code);  # kept"
        assert _row_after(rows, "indented(code)")[margin:].rstrip() == "*not* a # heading"


async def test_a_pasted_code_fence_in_a_prompt_keeps_its_lines_and_is_highlighted(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply("ok")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        await pilot.press(*"Why does this fail?", "ctrl+j")
        app.post_message(events.Paste("```python\ndef f(x):\n    return x + 1\n```"))
        await pilot.pause()
        await ask(pilot, view, "")
        await pilot.pause()
        rows = _rows(app)
        margin = [row for row in rows if "Why does" in row][-1].index("Why does")
        assert _row_after(rows, "Why does")[margin:].rstrip() == "```python"
        assert _row_after(rows, "```python")[margin:].rstrip() == "def f(x):"
        assert _row_after(rows, "def f(x)")[margin:].rstrip() == "    return x + 1"
        assert _row_after(rows, "return x + 1")[margin:].rstrip() == "```"
        # The code is coloured as code; the question around it is not.
        strips = screen_strips(app)
        styles = {
            segment.text.strip(): segment.style or Style.null()
            for strip in strips
            for segment in strip
            if segment.text.strip() in ("def", "Why does this fail?")
        }
        assert styles["def"].color != styles["Why does this fail?"].color
