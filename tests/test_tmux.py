"""A smoke test in a real terminal: the app in tmux at 80x24 with 16 colours, driven with the
bytes a keyboard sends (Ctrl+J a new line, Enter send, Escape stop, Ctrl+Q quit)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
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

    def screen(self, *, colours: bool = False) -> str:
        flags = ["-e"] if colours else []
        return self.run("capture-pane", "-p", *flags, "-t", "app", check=False).stdout

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


def _settled(tmux: Tmux) -> str:
    """The screen, colours included, once it has stopped changing."""
    before = tmux.screen(colours=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.3)  # the app's frames come at least every 1/60 s while it draws
        now = tmux.screen(colours=True)
        if now == before:
            return now
        before = now
    raise AssertionError(f"the screen keeps changing:\n{before}")


def _paragraph_rows(screen: str, width: int) -> list[str]:
    """The transcript's rows between its first and last numbered paragraph: their left
    half, where the paragraphs are (a notification covers the right half)."""
    rows = [line[: width // 2 - 3].strip() for line in screen.splitlines()]
    numbered = [index for index, row in enumerate(rows) if row.startswith("P0")]
    return rows[numbered[0] : numbered[-1] + 1] if numbered else []


def _out_of_order(rows: list[str], paragraphs: list[str]) -> str:
    """Rows that are not numbered paragraphs one after another, each followed by one blank
    row (a row the terminal scrolled wrongly shows up as a gap, a repeat or a doubled
    blank), shown; empty when they are."""
    first = paragraphs.index(rows[0]) if rows and rows[0] in paragraphs else -1
    expected = [row for paragraph in paragraphs[first:] for row in (paragraph, "")]
    return "" if first >= 0 and rows == expected[: len(rows)] else "\n".join(rows)


def _same_as_a_full_repaint(tmux: Tmux, cols: int) -> None:
    """Every cell, colours and scrollbar included, is what a full repaint draws: a resize
    and back makes the app draw the whole screen again."""
    drawn = _settled(tmux)
    tmux.run("set-option", "-t", "app", "window-size", "manual")
    tmux.run("resize-window", "-t", "app", "-x", str(cols + 1))
    wait_for(lambda: tmux.screen(colours=True) != drawn, "the repaint at the new size")
    tmux.run("resize-window", "-t", "app", "-x", str(cols))
    assert _settled(tmux) == drawn


@pytest.mark.parametrize(("cols", "lines"), [(100, 30), (70, 20)])
def test_a_followed_reply_scrolls_with_every_row_right(
    tmux: Tmux, fake_ollama: FakeOllama, tmp_path: Path, cols: int, lines: int
) -> None:
    """The view follows a long reply by moving the terminal's rows (a scroll region) and
    drawing only the new ones: every capture while it streams shows the paragraphs in order
    (a notification over the view included), halfway through and at the end the screen is
    what a full repaint draws."""
    config = tmp_path / "config.toml"
    config.write_text("follow_step = 1\n")
    repo = Path(__file__).resolve().parents[1]
    env = {
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "OLLAMA_TUI_CONFIG": str(config),
        "PYTHONPATH": str(repo),
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }
    command = " ".join(
        [
            "env",
            # The test process may carry a size (COLUMNS, LINES) the app would take over the pane's.
            "-u COLUMNS -u LINES",
            *(f"{key}={value}" for key, value in env.items()),
            sys.executable,
            "-m",
            "ollama_tui",
            "--host",
            fake_ollama.url,
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    # Long enough for the notification to come and go while the reply streams.
    # Double-width characters: a refresh of the end of a line never starts in one.
    paragraphs = [f"P{index:04d} 漢字 beta 語 gamma" for index in range(360)]
    tokens = [piece for paragraph in paragraphs for piece in (paragraph[:8], paragraph[8:], "\n\n")]
    halfway = threading.Event()
    fake_ollama.script_reply(tokens, tokens_per_second=150, hold=halfway, hold_after=180)
    tmux.run("new-session", "-d", "-s", "app", "-x", str(cols), "-y", str(lines), command)
    wait_for(lambda: "connected" in tmux.screen(), "the app to connect")
    tmux.type("go")
    tmux.keys("Enter")
    captures = 0

    def check_while(done: Callable[[], bool]) -> None:
        nonlocal captures
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:
            rows = _paragraph_rows(tmux.screen(), cols)
            if len(rows) <= 4:
                continue
            # The last two rows may be a paragraph being drawn.
            wrong = _out_of_order(rows[:-2], paragraphs)
            for _look in range(5):
                if not wrong:
                    break
                # A frame tmux has only begun to read shows its first rows over the last
                # frame's for a moment; a row drawn wrongly stays until it scrolls away.
                time.sleep(0.02)
                wrong = _out_of_order(_paragraph_rows(tmux.screen(), cols)[:-2], paragraphs)
            assert not wrong, wrong
            captures += 1

    check_while(lambda: paragraphs[59] in tmux.screen())
    _same_as_a_full_repaint(tmux, cols)
    halfway.set()
    # A notification over the view: the rows under it must not move with the view's.
    tmux.type("/show nothing")
    tmux.keys("Enter")
    check_while(lambda: "Usage: /show" in tmux.screen())
    check_while(lambda: "Usage: /show" not in tmux.screen())
    assert paragraphs[-1] not in tmux.screen()  # it went while the reply streamed
    check_while(lambda: paragraphs[-1] in tmux.screen())
    assert captures > 10
    wait_for(lambda: "tok/s" in tmux.screen(), "the reply's end")
    rows = _paragraph_rows(tmux.screen(), cols)
    assert not _out_of_order(rows, paragraphs)
    assert rows[-1] == paragraphs[-1] and len(rows) > lines // 3
    _same_as_a_full_repaint(tmux, cols)
