"""End to end in a real pseudo-terminal: hostile model output never reaches it as escapes."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty"),
]

END = "ENDOFHOSTILE"


def test_escape_sequences_from_the_model_never_reach_the_terminal(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.script_reply(
        [
            "title \x1b]0;pwned-title\x07 ",
            "clip \x1b]52;c;aGVsbG8=\x07 ",
            "clear \x1b[2J ",
            "c1 \x9b31m ",
            "markup [bold]x[/] a[/]b ",
            END,
        ]
    )
    app = PtyApp(["--host", fake_ollama.url, "--data-dir", str(tmp_path)], cols=120, rows=30)
    app.start()
    try:
        app.wait_for(b"connected")
        app.wait_for(b"llama3.2:latest")  # the default model is set: ready to send
        app.type_text("go")
        start = len(app.output)
        clears_before = app.output.count(b"\x1b[2J")
        app.send(b"\r")
        app.wait_for(END.encode(), start=start)
        app.wait_for(b"tok/s", start=start)
        output = bytes(app.output)
    finally:
        app.stop()
    assert b"pwned-title" in output  # the text itself is shown...
    assert b"\x1b]0;pwned" not in output  # ...but never as a window-title sequence
    assert b"\x1b]52;" not in output
    assert output.count(b"\x1b[2J") == clears_before
    assert b"\xc2\x9b" not in output
    assert "␛[2J".encode() in output
    assert b"[bold]x[/]" in output


def _written_while_idle(app: PtyApp) -> bytes:
    # The screen settles first (the search index is checked a second in); an app that writes
    # periodically never falls quiet and fails here.
    app.wait_quiet(1.5, timeout=15)
    seen = len(app.output)
    time.sleep(3)  # a measurement window, not synchronisation
    return bytes(app.output[seen:])


def test_the_idle_app_writes_nothing_to_the_terminal(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    # Over SSH, where every byte crosses the network: no blinking cursor, no animation, no
    # redraw while nothing changes — at the prompt, and with a dialog's field focused (the
    # settings' system prompt, the picker's filter), where Textual's own fields blink.
    env = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22", "OLLAMA_TUI_CONFIG": "/nonexistent"}
    app = PtyApp(
        ["--host", fake_ollama.url, "--data-dir", str(tmp_path)], env=env, cols=80, rows=24
    )
    app.start()
    try:
        app.wait_for(b"connected")
        app.wait_for(b"llama3.2:latest")
        at_prompt = _written_while_idle(app)
        mark = len(app.output)
        app.send(b"\x1bOS")  # F4, as xterm sends it
        app.wait_for(b"System prompt", start=mark)
        in_settings = _written_while_idle(app)
        mark = len(app.output)
        app.send(b"\x1b")
        # The tabs are drawn again once the dialog has gone: Ctrl+L sent sooner would reach
        # the dialog (where tab keys do nothing), or follow Esc in one read as Ctrl+Alt+L.
        app.wait_for(b"llama3.2:latest", start=mark)
        app.wait_quiet(0.5, timeout=15)
        mark = len(app.output)
        app.send(b"\x0c")  # Ctrl+L: the picker, its filter focused
        app.wait_for(b"qwen2.5", start=mark)
        in_picker = _written_while_idle(app)
    finally:
        app.stop()
    assert (at_prompt, in_settings, in_picker) == (b"", b"", b"")


HOSTILE_CORPUS = [
    "dcs \x1bPq#0;2;0;0;0#1!10~\x1b\\ ",  # DCS (sixel)
    "apc \x1b_Gf=100;AAAA\x1b\\ ",  # APC (kitty graphics)
    "osc8 \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 ",
    "c1 \x9d0;t\x9c \x90q\x9c ",  # C1 OSC, ST, DCS
    "bidi \u202egnp.exe\u202c \u2066x\u2069 ",
    "nul \x00 bell \x07 backspace \x08\x08 ",
    "surrogate \ud800 ",
    "\n\n" + "> " * 300 + "deep quote\n\n",
    "".join(f"{'  ' * level}- level {level}\n" for level in range(120)),
    "\n\n" + "x" * (1024 * 1024) + "\n\n",  # a 1 MB line
    END,
]


def test_a_hostile_corpus_is_drawn_inert_and_the_app_keeps_answering(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.script_reply(HOSTILE_CORPUS)
    app = PtyApp(["--host", fake_ollama.url, "--data-dir", str(tmp_path)], cols=100, rows=30)
    app.start()
    try:
        app.wait_for(b"connected")
        app.wait_for(b"llama3.2:latest")
        app.type_text("go")
        start = len(app.output)
        app.send(b"\r")
        app.wait_for(b"tok/s", start=start, timeout=60)
        app.type_text("QZX")  # still answering: the keys are echoed
        app.wait_for(b"QZX", start=start, timeout=30)
        output = bytes(app.output[start:])
    finally:
        app.stop()
    for sequence in (b"\x1bP", b"\x1b_", b"\x1b]", b"\x00", b"\xc2\x9b", b"\xc2\x9d", b"\xc2\x90"):
        assert sequence not in output, sequence
    assert "\u202e".encode() not in output and "\u2066".encode() not in output
    assert "␛P".encode() in output  # the text of the sequence is shown, inert
    # And all of it is saved (a lone surrogate once made the save fail, losing the reply).
    (saved,) = (tmp_path / "sessions").glob("*.json")
    reply = json.loads(saved.read_text())["messages"][1]
    assert reply["status"] == "complete" and reply["content"].endswith(END)


def test_a_hostile_session_file_is_drawn_inert(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    from tests.test_ui_server import _save_conversation

    conversation = _save_conversation(tmp_path)
    path = tmp_path / "sessions" / f"{conversation.id}.json"
    data = json.loads(path.read_text())
    data["title"] = "title \x1b]0;pwned\x07 \x1b[2J"
    data["messages"][0]["content"] = "ask \x1bP+q\x1b\\ \u202eexe.txt"
    data["messages"][1]["content"] = "reply \x9b31m \x1b]52;c;aGk=\x07 " + END
    data["messages"][1]["model"] = "model\x1b[5m"
    path.write_text(json.dumps(data))
    app = PtyApp(
        ["--host", fake_ollama.url, "--data-dir", str(tmp_path), "--session", conversation.id],
        env={"OLLAMA_TUI_CONFIG": "/nonexistent"},
        cols=100,
        rows=30,
    )
    app.start()
    try:
        app.wait_for(END.encode())
        app.wait_for(b"connected")
        output = bytes(app.output)
    finally:
        app.stop()
    for sequence in (b"\x1b]0;pwned", b"\x1b]52;", b"\x1bP", b"\xc2\x9b", b"\x1b[5m"):
        assert sequence not in output, sequence
    assert "\u202e".encode() not in output
    assert "␛]0;pwned".encode() in output  # shown as text


SCROLL_REGION = re.compile(rb"\x1b\[\d+;\d+r")
"""DECSTBM: the app moves the rows the terminal shows instead of drawing them again."""


def test_following_a_reply_moves_the_rows_unless_something_covers_them(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    # The view follows by scrolling the terminal's own rows (a scroll region) and draws only
    # the rows that come in; while a notification covers part of the view the rows under it
    # would move too, so the view is drawn as before, and after it the rows move again.
    config = tmp_path / "config.toml"
    config.write_text("follow_step = 1\n")
    tokens = [piece for index in range(400) for piece in (f"P{index:04d} ", "words\n\n")]
    fake_ollama.script_reply(tokens, tokens_per_second=100)
    app = PtyApp(
        ["--host", fake_ollama.url, "--data-dir", str(tmp_path / "data")],
        env={"OLLAMA_TUI_CONFIG": str(config), "SSH_CONNECTION": "", "SSH_TTY": ""},
        cols=100,
        rows=30,
    )
    app.start()
    try:
        app.wait_for(b"llama3.2:latest")
        app.type_text("go")
        start = len(app.output)
        app.send(b"\r")
        app.wait_for(b"P0060", start=start)
        before = bytes(app.output[start:])
        app.type_text("/show nothing")
        mark = len(app.output)
        app.send(b"\r")
        shown = app.wait_for(b"Usage: /show", start=mark)
        toast_at = app.output.find(b"Usage: /show", mark)
        # The notification stays 5 s or more: the first second of it, the reply streaming on.
        while time.monotonic() < shown + 1.0:
            time.sleep(0.05)
        covered = bytes(app.output[toast_at : len(app.output)])
        app.wait_for(b"P0399", start=mark, timeout=60)
        after = bytes(app.output[len(before) + start + len(covered) :])
    finally:
        app.stop()
    assert len(SCROLL_REGION.findall(before)) > 10
    assert re.search(rb"P0\d\d\d", covered) and not SCROLL_REGION.search(covered)
    assert len(SCROLL_REGION.findall(after)) > 10
