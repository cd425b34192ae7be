"""Built-in tools as an attacker sees them, in a real pty: a file full of escape sequences, read
by a tool, shown in the approval's arguments, the reply's block and its opened view, and a
command printing them, reach the terminal inert; the file keeps the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fake_ollama.hostile import file_marker, leaks, marker
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty"),
]


def test_a_tool_result_full_of_escape_sequences_stays_inert(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "evil.txt").write_text("before " + file_marker("file-content") + " after\n")
    (root / "evil.sh").write_text(f"printf '%s' {json.dumps(file_marker('command-output'))}\n")
    data_dir, config = tmp_path / "data", tmp_path / "config.toml"
    config.write_text(
        f"tool_roots = [{json.dumps(str(root))}]\n"
        "[defaults]\n"
        'tools = ["read_file", "run_command"]\n',
        encoding="utf-8",
    )
    fake_ollama.script_reply(
        "",
        tool_calls=[
            tool_call("read_file", {"path": "evil.txt", "note": marker("arguments")}),
            tool_call("run_command", {"command": "sh evil.sh"}),
        ],
    )
    fake_ollama.script_reply("All done.")
    env = {"OLLAMA_TUI_CONFIG": str(config), "OLLAMA_TUI_DATA_DIR": str(data_dir)}
    app = PtyApp(["--host", fake_ollama.url], env=env, cols=120, rows=40)
    app.start()
    try:
        app.wait_for(b"llama3.2:latest")
        app.type_text("read it")
        start = len(app.output)
        app.send(b"\r")
        for tool in (b"read_file", b"run_command"):
            app.wait_for(b"Run " + tool, start=start, timeout=30)
            start = len(app.output)
            app.send(b"y")
        app.wait_for(b"All done.", start=start, timeout=30)
        app.wait_quiet(0.5)
        # Open the reply's calls: the results are drawn in full.
        start = len(app.output)
        app.send(b"\x1b[Z")  # Shift+Tab: the transcript
        app.wait_quiet(0.3)
        app.send(b"\x1b[A")  # Up: the reply that called the tools
        app.wait_quiet(0.3)
        app.send(b"\r")
        # The command's output, a tool result, drawn in the opened block (at the bottom,
        # so on screen however the view scrolled to show the opened reply).
        app.wait_for(b"~HXcommand-output", start=start, timeout=10)
        app.wait_quiet(0.5)
    finally:
        app.stop(timeout=20)
    output = bytes(app.output)
    assert b"Traceback" not in output
    assert leaks(output) == [], leaks(output)
    assert b"~HXcommand-output" in output  # drawn, inert
    assert b"~HXarguments" in output
    session = next((data_dir / "sessions").glob("*.json"))
    messages = json.loads(session.read_text())["messages"]
    tools = [m for m in messages if m["role"] == "tool"]
    assert "~HXfile-content" in tools[0]["content"]
    assert "\x1b" not in tools[0]["content"] and "\x1b" not in tools[1]["content"]
