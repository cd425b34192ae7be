"""The programs a benchmark runs in a pseudo-terminal: ollama-tui from a checkout, the bare
loop that is the floor of the instrument, and the floors of start-up."""

from __future__ import annotations

import compileall
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

ROOT = Path(__file__).resolve().parents[1]

Size = tuple[int, int]
"""Columns and rows of the pseudo-terminal."""


@dataclass(frozen=True)
class Client:
    label: str
    """The column title in the tables: 'bare loop', 'now (abc1234)', 'before (main~3)'."""
    checkout: Path | None
    """The tree whose ollama_tui runs; None for a program of bench/ (`script`)."""
    ready: bytes
    """Bytes that first appear when the prompt can be typed into."""
    connected: bytes
    """Bytes that appear once the client can send a chat turn."""
    ssh: bool = False
    """Whether the client is told it runs in an SSH session (the app then lowers its frame
    rate and stops animating); otherwise it is told it does not, whatever this shell is."""
    script: tuple[str, ...] = ("bare_loop.py",)
    """Without a checkout: the program in bench/ and its arguments (the server's URL follows)."""
    start_only: bool = False
    """A floor of start-up: it draws a first screen and chats with no one."""

    @property
    def is_app(self) -> bool:
        return self.checkout is not None

    def start(self, server: FakeOllama, data_dir: Path, size: Size) -> PtyApp:
        """A fresh process in a pty of `size`, as a truecolor xterm, its files in `data_dir`."""
        session = "127.0.0.1 50022 127.0.0.1 22" if self.ssh else ""
        env = {
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            **{name: session for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")},
        }
        cols, rows = size
        if self.checkout is None:
            program, *arguments = self.script
            return PtyApp(
                [*arguments, server.url],
                env=env,
                cols=cols,
                rows=rows,
                program=[sys.executable, str(ROOT / "bench" / program)],
            ).start()
        # The checkout comes first on the path (it is the working directory of `-m`), ahead of
        # the editable install of this one; its config directory is empty.
        env["XDG_CONFIG_HOME"] = str(data_dir / "config")
        return PtyApp(
            ["--host", server.url, "--data-dir", str(data_dir / "data")],
            env={**env, "PYTHONPATH": str(self.checkout)},
            cols=cols,
            rows=rows,
            cwd=self.checkout,
        ).start()


PROMPT_SHOWN = b"sk anything"
"""The placeholder of a prompt that can be typed into, as it reaches the terminal: without its
first letter, which a focused prompt draws in the colours of its cursor (the bytes of a style
change come between it and the rest)."""

BARE_LOOP = Client("bare loop", None, PROMPT_SHOWN, b"Ask anything")
TEXTUAL_FLOOR = Client(
    "Textual floor", None, PROMPT_SHOWN, b"", script=("start_floor.py",), start_only=True
)
"""The app's first screen drawn by Textual alone."""


def compile_checkout(checkout: Path) -> None:
    """Compile the checkout's package to bytecode, as an install does (pip does): a checkout
    run where PYTHONDONTWRITEBYTECODE is set would compile every module at every start
    instead, ~90 ms of CPU of start-up (a quarter of the imports) that no user pays."""
    compileall.compile_dir(checkout / "ollama_tui", quiet=1)


def app_client(label: str, checkout: Path, *, ssh: bool = False) -> Client:
    compile_checkout(checkout)
    return Client(label, checkout, PROMPT_SHOWN, b"connected", ssh)


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def describe_checkout(checkout: Path) -> str:
    """The short commit id, with '+changes' when the work tree differs from it."""
    commit = git("rev-parse", "--short", "HEAD", cwd=checkout)
    dirty = git("status", "--porcelain", "--untracked-files=no", cwd=checkout)
    return commit + ("+changes" if dirty else "")


@contextlib.contextmanager
def checked_out(revision: str) -> Iterator[Path]:
    """`revision` in a temporary worktree of this repository, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="ollama-tui-bench-") as folder:
        tree = Path(folder) / "tree"
        git("worktree", "add", "--detach", str(tree), revision)
        try:
            yield tree
        finally:
            git("worktree", "remove", "--force", str(tree))
