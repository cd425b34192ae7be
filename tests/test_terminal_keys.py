"""Keys as a terminal sends them, written into a real pty: several keys in one read (fast
typing, a slow SSH link, a paste of keystrokes), and Alt+digit as ESC followed by the digit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty"),
]

F3 = b"\x1bOR"


def _start(fake_ollama: FakeOllama, data_dir: Path) -> PtyApp:
    app = PtyApp(
        ["--host", fake_ollama.url, "--data-dir", str(data_dir)],
        env={"OLLAMA_TUI_CONFIG": "/nonexistent"},
        cols=100,
        rows=30,
    )
    app.start()
    app.wait_for(b"connected")
    app.wait_for(b"llama3.2:latest")  # the default model is set: ready to send
    return app


def _send_prompt(app: PtyApp, prompt: str) -> None:
    app.type_text(prompt)
    start = len(app.output)
    app.send(b"\r")
    app.wait_for(f"Echo: {prompt}".encode(), start=start)
    app.wait_for(b"tok/s", start=start)


def _user_prompts(data_dir: Path) -> list[str]:
    return [
        message["content"]
        for path in (data_dir / "sessions").glob("*.json")
        for message in json.loads(path.read_text())["messages"]
        if message["role"] == "user"
    ]


def test_alt_digit_as_esc_digit_goes_to_that_tab_and_types_nothing(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    app = _start(fake_ollama, tmp_path)
    try:
        _send_prompt(app, "alpha")
        start = len(app.output)
        app.send(b"\x0e")  # Ctrl+N
        app.wait_for(b"New conversation", start=start)
        _send_prompt(app, "bravo")
        # Alt+1 as tmux, xterm, GNOME Terminal, iTerm2 ("Esc+") and macOS Terminal ("Option
        # as Meta") send it; a tab not shown draws nothing, so its transcript on the
        # screen says which tab is shown.
        start = len(app.output)
        app.send(b"\x1b1")
        app.wait_for(b"Echo: alpha", start=start)
        start = len(app.output)
        app.send(b"\x1b2")
        app.wait_for(b"Echo: bravo", start=start)
        app.send(b"\x1b[49;3u")  # Alt+1 in the kitty keyboard protocol (kitty, foot, WezTerm)
        app.wait_for(b"Echo: alpha", start=start)
        # Nothing was typed into either prompt: a typed character would be drawn, and a
        # prompt sent now would carry it.
        app.send(b"ok\r")
        app.wait_for(b"Echo: ok", start=start)
        output = bytes(app.output)
    finally:
        app.stop()
    for glyph in "¡™":
        assert glyph.encode() not in output
    assert sorted(_user_prompts(tmp_path)) == ["alpha", "bravo", "ok"]


def test_backspaces_and_letters_in_one_read_reach_the_prompt_in_order(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    app = _start(fake_ollama, tmp_path)
    try:
        app.type_text("hello")
        app.wait_for(b"hello")
        start = len(app.output)
        app.send(b"\x7f\x7fxy")  # one write: the app reads it in one go
        app.wait_for(b"helxy", start=start)
        app.send(b"a\x7fb\r")
        app.wait_for(b"Echo: helxyb", start=start)
    finally:
        app.stop()
    assert _user_prompts(tmp_path) == ["helxyb"]


def test_backspaces_and_letters_in_one_read_reach_an_input_in_order(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    app = _start(fake_ollama, tmp_path)
    try:
        app.send(F3)
        app.wait_for(b"qwen2.5:0.5b")  # the list has come: a model is highlighted
        start = len(app.output)
        app.send(b"l")  # load the highlighted model: a dialog with "5m" in its field
        app.wait_for(b"keep it for", start=start)
        start = len(app.output)
        app.send(b"\x7f\x7f2m\r")  # the field's "5m" becomes "2m", and Enter loads
        app.wait_for(b"is loaded", start=start)
    finally:
        app.stop()
    (load,) = [
        request
        for request in fake_ollama.requests_to("/api/generate")
        if request.body and "keep_alive" in request.body
    ]
    assert load.body is not None and load.body["keep_alive"] == "2m"
