"""A smoke test in a real terminal: the app in tmux at 80x24 with 16 colours, driven with the
bytes a keyboard sends (Ctrl+J a new line, Enter send, Escape stop, Ctrl+Q quit)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_ollama.server import FakeOllama

pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Tmux:
    """One tmux server of our own (its own socket), one window running the app."""

    def __init__(self) -> None:
        self.socket = f"ollama-tui-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=check,
        )

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app", check=False).stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "app", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "app", "-l", text)

    def app_exited(self) -> bool:
        """Whether the app's process has ended (the pane stays, showing it is dead)."""
        dead = self.run("display-message", "-p", "-t", "app", "#{pane_dead}", check=False)
        return dead.returncode != 0 or dead.stdout.strip() == "1"


def wait_for(predicate: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    session = Tmux()
    yield session
    session.run("kill-server", check=False)


def only_session(data_dir: Path) -> dict[str, Any]:
    files = list((data_dir / "sessions").glob("*.json"))
    return json.loads(files[0].read_text()) if len(files) == 1 else {}


def test_typing_sending_stopping_and_quitting_in_a_real_terminal(
    tmux: Tmux, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    repo = Path(__file__).resolve().parents[1]
    env = {
        "TERM": "xterm-256color",
        "TEXTUAL_COLOR_SYSTEM": "standard",  # 16 colours
        "OLLAMA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "PYTHONPATH": str(repo),
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }
    command = " ".join(
        [
            "env",
            *(f"{key}={value}" for key, value in env.items()),
            sys.executable,
            "-m",
            "ollama_tui",
            "--host",
            fake_ollama.url,
            "--data-dir",
            str(data_dir),
        ]
    )
    tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
    tmux.run("set-option", "-t", "app", "remain-on-exit", "on")
    wait_for(lambda: "connected" in tmux.screen(), "the app to connect")

    tmux.type("hello")
    tmux.keys("C-j")
    tmux.type("world")
    tmux.keys("Enter")
    wait_for(
        lambda: (
            len(only_session(data_dir).get("messages", [])) == 2
            and only_session(data_dir)["messages"][1]["status"] == "complete"
        ),
        "the first reply to be saved",
    )
    assert only_session(data_dir)["messages"][0]["content"] == "hello\nworld"
    wait_for(lambda: "Echo: hello" in tmux.screen(), "the reply on screen")

    fake_ollama.script_reply([f"word{i} " for i in range(400)], tokens_per_second=20)
    tmux.type("slow")
    tmux.keys("Enter")
    wait_for(lambda: "word3" in tmux.screen(), "the slow reply to start")
    tmux.keys("Escape")
    wait_for(
        lambda: (
            len(only_session(data_dir).get("messages", [])) == 4
            and only_session(data_dir)["messages"][3]["status"] == "interrupted"
        ),
        "the reply to be stopped and saved",
    )
    reply = only_session(data_dir)["messages"][3]["content"]
    assert reply.startswith("word0 word1") and "word399" not in reply
    screen = tmux.screen()
    assert "Traceback" not in screen
    assert all(len(line) <= 80 for line in screen.splitlines())

    tmux.keys("C-q")
    try:
        wait_for(
            tmux.app_exited,
            "the app to quit",
            timeout=30,  # a loaded CI machine: the quit saves and closes connections first
        )
    except AssertionError:
        raise AssertionError(f"the app did not quit; its screen:\n{tmux.screen()}") from None
    status = tmux.run("display-message", "-p", "-t", "app", "#{pane_dead_status}", check=False)
    assert status.stdout.strip() in ("0", "")
