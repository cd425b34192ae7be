"""Provides the command line's display boundary: what it prints to a terminal is made inert.

Config problems name the keys a file holds, exports carry what models wrote, errors quote
files and servers: any of them can hold escape sequences, C1 controls or bidi overrides.
Written to a terminal they are made inert; written to a pipe or a file the bytes stay exact,
so `export --format json > file` is the conversation as saved.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import TextIO

from .domain.text import sanitize_for_terminal


class TerminalSafeStream(io.TextIOBase):
    """Wraps a text stream; when that stream is a terminal, every write is made inert."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        try:
            self._terminal = stream.isatty()
        except (AttributeError, ValueError):  # a closed or unusual stream: not a terminal
            self._terminal = False

    def write(self, text: str) -> int:
        self._stream.write(sanitize_for_terminal(text) if self._terminal else text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._terminal

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding


@contextlib.contextmanager
def terminal_safe_output() -> Iterator[None]:
    """Everything printed inside, by us, argparse or a traceback, passes the boundary."""
    stdout, stderr = TerminalSafeStream(sys.stdout), TerminalSafeStream(sys.stderr)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            yield
        finally:
            stdout.flush()
            stderr.flush()
