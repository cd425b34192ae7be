"""The command line's display boundary: inert on a terminal, exact bytes in a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ollama_tui.domain.conversation import Conversation, Message
from ollama_tui.services.library import export_json
from ollama_tui.store import SessionStore
from tests.pty_app import PtyApp

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty"),
]

HOSTILE = "\x1b]0;PWNED\x07 \x9b31m \u202eexe.txt"


def _in_a_terminal(*args: str, until: bytes) -> bytes:
    app = PtyApp(list(args), cols=200, rows=30).start()
    try:
        app.wait_for(until)
        return bytes(app.output)
    finally:
        app.stop()


def _saved(data_dir: Path) -> Conversation:
    conversation = Conversation(title="t " + HOSTILE)
    conversation.messages.append(Message.user("ask " + HOSTILE))
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    return conversation


def test_config_problems_are_printed_inert_to_a_terminal(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('"odd\\u001b]0;PWNED\\u0007\\u009b31m\\u202e" = 1\n')
    output = _in_a_terminal(
        "--config", str(config), "--data-dir", str(tmp_path / "data"), "list", until=b"typo"
    )
    assert b"unknown key" in output
    assert b"\x1b]0;PWNED" not in output and b"\xc2\x9b" not in output
    assert "\u202e".encode() not in output
    assert "␛]0;PWNED".encode() in output


def test_a_json_export_is_inert_on_a_terminal_and_exact_in_a_pipe(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    args = ["--data-dir", str(tmp_path), "export", conversation.id, "--format", "json"]
    shown = _in_a_terminal(*args, until=b"\r\n}\r\n")  # the end of the document
    assert b"\xc2\x9b" not in shown and "\u202e".encode() not in shown
    assert b"PWNED" in shown
    piped = subprocess.run(
        [sys.executable, "-m", "ollama_tui", *args], capture_output=True, check=True
    ).stdout
    saved = SessionStore(tmp_path).read(conversation.id)
    assert piped == export_json(saved).encode("utf-8")
    assert b"\xc2\x9b" in piped and "\u202e".encode() in piped
