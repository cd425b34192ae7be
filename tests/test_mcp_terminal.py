"""MCP servers as an attacker sees them, in a real pty: a tool's description and result full of
escape sequences stay inert on the terminal; secrets in a server's env, headers and URL appear
in no byte of the terminal, no file of the data dir and no log, even when a server prints or
returns them; servers that cannot start are named; quitting stops every server's process."""

from __future__ import annotations

import json
import re
import secrets
import sys
from pathlib import Path

import pytest

from tests.fake_ollama.hostile import leaks
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp
from tests.test_mcp import SERVER, process_gone
from tests.test_secrets import _files_holding

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty"),
]


def test_hostile_servers_stay_inert_keep_their_secrets_and_stop_at_quit(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    token, printed, header, password = (f"s{secrets.token_hex(8)}" for _ in range(4))
    planted = [token, printed, header, password]
    data_dir, config, log = tmp_path / "data", tmp_path / "config.toml", tmp_path / "server.log"
    python = json.dumps(sys.executable)
    config.write_text(
        "[mcp.t]\n"
        f"command = {python}\n"
        f"args = [{json.dumps(SERVER)}, 'stdio']\n"
        f"env = {{ MCP_TEST_TOKEN = '{token}', MCP_TEST_LOG = {json.dumps(str(log))} }}\n"
        "[mcp.broken]\n"
        f"command = {python}\n"
        f"args = [{json.dumps(SERVER)}, 'exit']\n"
        f"env = {{ MCP_TEST_TOKEN = '{printed}' }}\n"
        "[mcp.far]\n"
        f"url = 'http://alice:{password}@127.0.0.1:1/mcp'\n"
        f"headers = {{ Authorization = 'Bearer {header}' }}\n"
        "[defaults]\n"
        'tools = ["t.*", "broken.*", "far.*"]\n',
        encoding="utf-8",
    )
    fake_ollama.script_reply(
        "",
        tool_calls=[
            tool_call("t__escapes", {}),
            tool_call("t__env", {"name": "MCP_TEST_TOKEN"}),
            tool_call("t__pid", {}),
        ],
    )
    fake_ollama.script_reply("All done.")
    env = {"OLLAMA_TUI_CONFIG": str(config), "OLLAMA_TUI_DATA_DIR": str(data_dir)}
    app = PtyApp(["--host", fake_ollama.url], env=env, cols=120, rows=40)
    app.start()
    try:
        app.wait_for(b"llama3.2:latest")
        app.type_text("go")
        start = turn_start = len(app.output)
        app.send(b"\r")
        for tool in (b"t.escapes", b"t.env", b"t.pid"):
            app.wait_for(b"Run " + tool, start=start, timeout=60)
            start = len(app.output)
            app.send(b"y")
        app.wait_for(b"All done.", start=start, timeout=30)
        # The servers that could not start are named during the turn: on a loaded machine
        # that can come before the last approval, so look from the turn's start.
        app.wait_for(b"refuses to start", start=turn_start, timeout=30)
        app.wait_for(b"127.0.0.1:1/mcp", start=turn_start, timeout=30)
    finally:
        app.stop(timeout=20)  # Ctrl+Q, as a user quits
    output = bytes(app.output)
    assert b"Traceback" not in output
    assert leaks(output) == [], leaks(output)
    assert b"~HXmcp-description" in output  # the description was drawn, inert
    # Named, not hidden: each toast line is drawn whole, between cursor moves.
    drawn = re.sub(rb"\x1b\[[0-9;?<>]*[A-Za-z]", b"", output)
    assert b"The tools of broken are not available" in drawn
    assert b"fatal: the test server refuses to start" in drawn
    assert b"reach http://***@127.0.0.1:1/mcp" in drawn
    for needle in planted:
        assert needle.encode() not in output, needle
    session = next((data_dir / "sessions").glob("*.json"))
    messages = json.loads(session.read_text())["messages"]
    results = {message.get("tool_name"): message for message in messages}
    assert "~HXmcp-result" in results["t__escapes"]["content"]
    assert results["t__env"]["content"] == "***"
    assert process_gone(int(results["t__pid"]["content"])), "the MCP server outlived the app"
    assert _files_holding(data_dir, planted) == []
