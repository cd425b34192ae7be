"""Two running instances on one data dir, each in its own terminal: neither loses a write,
and a conversation open in one opens read-only in the other."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty"),
]


def _conversations(data_dir: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in (data_dir / "sessions").glob("*.json"):
        data = json.loads(path.read_text())
        found[data["messages"][0]["content"]] = data
    return found


def test_two_instances_keep_their_writes_and_share_read_only(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    args = ["--host", fake_ollama.url, "--data-dir", str(tmp_path)]
    env = {"OLLAMA_TUI_CONFIG": "/nonexistent"}
    first = PtyApp(args, env=env, cols=100, rows=30).start()
    second = PtyApp(args, env=env, cols=100, rows=30).start()
    try:
        for app, prompt in ((first, "alpha question"), (second, "beta question")):
            app.wait_for(b"connected")
            app.wait_for(b"llama3.2:latest")
            start = len(app.output)
            app.type_text(prompt)
            app.send(b"\r")
            app.wait_for(b"tok/s", start=start)

        def both_replies_saved() -> bool:
            # The reply is on screen before its save is on disk.
            found = _conversations(tmp_path)
            asked = ("alpha question", "beta question")
            return all(len(found.get(one, {}).get("messages", ())) == 2 for one in asked)

        fake_ollama.wait_for(both_replies_saved, timeout=10)
        saved = _conversations(tmp_path)
        assert saved["alpha question"]["messages"][1]["content"] == "Echo: alpha question"
        assert saved["beta question"]["messages"][1]["content"] == "Echo: beta question"
        # The second opens the first's conversation: read-only, with the reason.
        start = len(second.output)
        second.send(b"\x0f")  # Ctrl+O
        second.wait_for(b"alpha", start=start)
        second.send(b"\x1b[B")  # Down: the older of the two, newest first
        second.send(b"\r")
        second.wait_for(b"Read-only", start=start)
        # The first goes on writing to it; nothing the second holds overwrites that.
        start = len(first.output)
        first.type_text("alpha again")
        first.send(b"\r")
        first.wait_for(b"Echo: alpha again", start=start)
    finally:
        second.stop()
        first.stop()
    alpha = _conversations(tmp_path)["alpha question"]
    assert [m["content"] for m in alpha["messages"]] == [
        "alpha question",
        "Echo: alpha question",
        "alpha again",
        "Echo: alpha again",
    ]


def test_exporting_an_open_conversation_keeps_it_locked_against_the_other_instance(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    exported = tmp_path / "alpha.md"
    args = ["--host", fake_ollama.url, "--data-dir", str(data_dir)]
    env = {"OLLAMA_TUI_CONFIG": "/nonexistent"}
    first = PtyApp(args, env=env, cols=100, rows=30).start()
    second = PtyApp(args, env=env, cols=100, rows=30).start()
    try:
        first.wait_for(b"llama3.2:latest")
        start = len(first.output)
        first.type_text("alpha question")
        first.send(b"\r")
        first.wait_for(b"tok/s", start=start)
        # Ctrl+O, Ctrl+E, a path typed over the suggested one, Enter: exported.
        start = len(first.output)
        first.send(b"\x0f")
        first.wait_for(b"1 conversation", start=start)
        first.send(b"\x05")
        first.wait_for(b"Export to", start=start)
        first.send(b"\x15")  # Ctrl+U: clear the field
        first.type_text(str(exported))
        first.send(b"\r")
        first.wait_for(b"Exported to", start=start)
        first.send(b"\x1b")
        # The second instance opens it read-only: the first's tab still holds the lock.
        second.wait_for(b"llama3.2:latest")
        start = len(second.output)
        second.send(b"\x0f")
        second.wait_for(b"1 conversation", start=start)
        second.send(b"\r")
        second.wait_for(b"Read-only", start=start)
        # And the first goes on saving its turns.
        start = len(first.output)
        first.type_text("alpha again")
        first.send(b"\r")
        first.wait_for(b"Echo: alpha again", start=start)
        first.wait_quiet(0.5)
        assert b"read-only" not in first.output[start:]
    finally:
        second.stop()
        first.stop()
    assert exported.read_text().startswith('---\ntitle: "alpha question"')
    alpha = _conversations(data_dir)["alpha question"]
    assert [m["content"] for m in alpha["messages"]][-1] == "Echo: alpha again"
