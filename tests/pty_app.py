"""Provides a real pseudo-terminal running ollama-tui (or another program), for tests and
benchmarks that read its bytes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import threading
import time
from collections.abc import Mapping
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class PtyApp:
    """ollama-tui in a pty of a given size; every byte it writes is kept with its arrival time."""

    def __init__(
        self,
        args: list[str],
        *,
        env: Mapping[str, str] | None = None,
        cols: int = 100,
        rows: int = 30,
        program: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = args
        self.program = program or [sys.executable, "-m", "ollama_tui"]
        """What runs before `args`: the app of this checkout unless told otherwise."""
        self.cwd = cwd
        # COLUMNS and LINES would override the pty's size (Textual reads them), and a test
        # process may hold stale ones: something in a pytest worker set 80x24.
        inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        self.env = {**inherited, "TERM": "xterm-256color", **(env or {})}
        self.cols = cols
        self.rows = rows
        self.output = bytearray()
        self._arrivals: list[tuple[float, int]] = []  # (time, length of output after the read)
        self._changed = threading.Condition()
        self.started_at = 0.0
        self.pid = 0
        self.fd = -1
        self._reader: threading.Thread | None = None

    def start(self) -> PtyApp:
        self.started_at = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the app
            try:
                # The size is set here, before exec: set from the parent it raced the app,
                # which on a busy machine read the pty's default 80x24 first.
                size = struct.pack("HHHH", self.rows, self.cols, 0, 0)
                fcntl.ioctl(pty.STDIN_FILENO, termios.TIOCSWINSZ, size)
                if self.cwd is not None:
                    os.chdir(self.cwd)
                os.execvpe(self.program[0], [*self.program, *self.args], self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            with self._changed:
                if chunk:
                    self.output += chunk
                    self._arrivals.append((time.monotonic(), len(self.output)))
                else:
                    self._arrivals.append((time.monotonic(), -1))
                self._changed.notify_all()
            if not chunk:
                return

    def wait_for(self, marker: bytes, *, start: int = 0, timeout: float = 30.0) -> float:
        """The time the output first held `marker` at or after byte `start`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                index = self.output.find(marker, start)
                if index >= 0:
                    end = index + len(marker)
                    for arrived, length in self._arrivals:
                        if length >= end:
                            return arrived
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self._arrivals and self._arrivals[-1][1] == -1):
                    raise TimeoutError(f"{marker!r} did not appear within {timeout} s")
                self._changed.wait(remaining)

    def wait_quiet(self, quiet: float, *, timeout: float = 60.0) -> float:
        """Wait until nothing has been written for `quiet` seconds; the time of the last write."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                last = next(
                    (arrived for arrived, length in reversed(self._arrivals) if length >= 0),
                    self.started_at,
                )
                now = time.monotonic()
                if now - last >= quiet or (self._arrivals and self._arrivals[-1][1] == -1):
                    return last
                if now >= deadline:
                    raise TimeoutError(f"still writing after {timeout} s")
                self._changed.wait(min(quiet - (now - last), deadline - now))

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def type_text(self, text: str) -> None:
        for char in text:
            self.send(char.encode())
            time.sleep(0.005)  # a human's pace, so the terminal parser sees separate keys

    def cpu_seconds(self) -> float:
        """User plus system CPU the app has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_bytes(self) -> int:
        return self._status_bytes("VmRSS:")

    def peak_memory_bytes(self) -> int:
        """The most resident memory the app has had so far (the kernel's high-water mark)."""
        return self._status_bytes("VmHWM:")

    def _status_bytes(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self, timeout: float = 10.0) -> None:
        """Quit with Ctrl+Q as a user would; kill only if it does not go."""
        if not self.pid:
            return
        with contextlib.suppress(OSError):
            self.send(b"\x11")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        self.pid = 0
        with contextlib.suppress(OSError):
            os.close(self.fd)
