"""Untrusted text: model output, titles and model names never act as markup or escapes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ask, current_view, ready, screen_text, session_file, wait_until

HOSTILE = [
    "[bold]x[/] ",
    "a[/]b ",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]52;c;aGVsbG8=\x07",
    " [@click=app.quit]click[/]",
]


def _no_escape_bytes(text: str) -> bool:
    return not any(ch in text for ch in "\x1b\x07\x9b\x9d")


async def test_hostile_model_output_is_shown_inert(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(HOSTILE)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "be hostile")
        await pilot.pause()
        assert _no_escape_bytes("\n".join(view.transcript.text_lines()))
        text = screen_text(app)
        assert _no_escape_bytes(text)
        assert "[bold]x[/]" in text and "a[/]b" in text
        assert "␛[2J" in text
        assert app.is_running  # [@click=app.quit] did nothing
    saved = session_file(data_dir, view.conversation.id).read_text()
    assert "\\u001b" not in saved and "\x1b" not in saved


async def test_hostile_titles_and_model_names_do_not_crash(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.models.clear()
    fake_ollama.add_model("evil[/]model:latest")
    fake_ollama.add_model("\x1b]0;pwned\x07:latest")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "a[/]b [bold]title")
        await pilot.press("ctrl+l")
        await pilot.pause()
        text = screen_text(app)
        assert "evil[/]model:latest" in text
        assert _no_escape_bytes(text)
        await pilot.press("escape")
        label = str(app.tabs.get_tab(app.tabs.active).label)
        assert "a[/]b" in label


async def test_hostile_text_in_a_session_file_is_sanitised_on_load(
    make_app: MakeApp, data_dir: Path
) -> None:
    from tests.test_ui_server import _save_conversation

    conversation = _save_conversation(data_dir)
    path = session_file(data_dir, conversation.id)
    data = json.loads(path.read_text())
    data["title"] = "t\x1b]0;x\x07[/]"
    data["messages"][1]["content"] = "ok \x1b[2J done"
    data["messages"][1]["host_name"] = "gpu\x1b]0;x\x07[/]"  # the host that wrote the reply
    path.write_text(json.dumps(data))
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_until(
            lambda: current_view(app) and current_view(app).conversation.id == conversation.id
        )
        await pilot.pause()
        text = screen_text(app)
        assert _no_escape_bytes(text)
        assert "ok ␛[2J done" in text
        assert "@ gpu␛]0;x␇[/]" in text
