"""One run of each benchmark: a fresh process in a pseudo-terminal, measured from outside.

Every time is taken on one clock (time.monotonic) in this process, which also runs the fake
server and reads the pty: the server stamps a request when it has read it and each reply line
just before handing it to the kernel; the pty reader stamps each read.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.clients import Client, Size
from bench.reply import END_MARKER, markdown_tokens
from tests.fake_ollama import FakeOllama, RecordedRequest
from tests.pty_app import PtyApp

PROMPT = "go"


@dataclass(frozen=True)
class StreamSample:
    """What one reply cost, seen from outside the client."""

    start_to_ready: float
    """Seconds from the process starting until its prompt is drawn."""
    start_cpu: float
    """CPU seconds (user and system) the client used until its prompt was drawn: what start-up
    costs, which the load of a shared machine inflates far less than the time it takes."""
    enter_to_request: float
    """Seconds from the Enter byte written to the pty until the server has read the request."""
    tail_lag: float
    """Seconds from the server handing over the last token until it is on the terminal."""
    repaint_after_end: float
    """Seconds the client keeps writing after the last token is on the terminal."""
    bytes_per_token: float
    """Everything written to the terminal from Enter until it fell quiet, per token."""
    cpu: float
    """CPU seconds (user and system) of the client from Enter until it fell quiet."""
    peak_memory: float
    """The client's resident high-water mark (VmHWM) at the end, in MB."""


def _settle(app: PtyApp, client: Client) -> None:
    """Wait until the client can send a turn and has drawn its first screens (a saved tab's
    transcript, the model list): keys typed before that may go to a widget not yet focused."""
    app.wait_for(client.connected, timeout=60)
    app.wait_quiet(0.5)


def _send_prompt(app: PtyApp, server: FakeOllama) -> tuple[float, RecordedRequest]:
    """Type the prompt and press Enter; when Enter was written and the request it caused."""
    before = len(server.requests_to("/api/chat"))
    app.type_text(PROMPT)
    sent = time.monotonic()
    app.send(b"\r")
    server.wait_for(lambda: len(server.requests_to("/api/chat")) > before, timeout=60)
    return sent, server.requests_to("/api/chat")[before]


def stream_run(
    client: Client,
    server: FakeOllama,
    size: Size,
    *,
    tokens: int,
    rate: float | None,
    quiet: float,
) -> StreamSample:
    """One prompt in a fresh client, answered by `tokens` tokens of Markdown at `rate` a
    second (None: as fast as the socket takes them)."""
    server.script_reply(markdown_tokens(tokens), tokens_per_second=rate)
    with tempfile.TemporaryDirectory() as folder:
        app = client.start(server, Path(folder), size)
        try:
            ready = app.wait_for(client.ready, timeout=60) - app.started_at
            start_cpu = app.cpu_seconds()
            _settle(app, client)
            cpu_before = app.cpu_seconds()
            start = len(app.output)
            sent, request = _send_prompt(app, server)
            seen = app.wait_for(END_MARKER.encode(), start=start, timeout=300)
            last_write = app.wait_quiet(quiet, timeout=300)
            cpu = app.cpu_seconds() - cpu_before
            written = len(app.output) - start
            peak = app.peak_memory_bytes()
        finally:
            app.stop()
    return StreamSample(
        start_to_ready=ready,
        start_cpu=start_cpu,
        enter_to_request=request.received_at - sent,
        tail_lag=max(0.0, seen - request.lines_sent_at[-1]),
        repaint_after_end=max(0.0, last_write - seen),
        bytes_per_token=written / tokens,
        cpu=cpu,
        peak_memory=peak / 1024 / 1024,
    )


def ready_run(client: Client, server: FakeOllama, size: Size) -> tuple[float, float]:
    """Seconds from the process starting until its prompt is drawn, and the CPU seconds that
    took: for the floors of start-up, which chat with no one."""
    with tempfile.TemporaryDirectory() as folder:
        app = client.start(server, Path(folder), size)
        try:
            ready = app.wait_for(client.ready, timeout=60) - app.started_at
            return ready, app.cpu_seconds()
        finally:
            app.stop()


TYPED = b"QZXK"
"""Keys typed while replies stream: letters the streamed words, the footer and the status
line never hold, so their first appearance in the output is the echo."""


def keys_run(client: Client, server: FakeOllama, size: Size, *, tabs: int = 3) -> list[float]:
    """Seconds from each of 24 keystrokes to its echo, while `tabs` tabs stream at 400/s."""
    for _tab in range(tabs):
        server.script_reply(markdown_tokens(6000), tokens_per_second=400)
    with tempfile.TemporaryDirectory() as folder:
        app = client.start(server, Path(folder), size)
        try:
            _settle(app, client)
            for tab in range(tabs):
                if tab:
                    app.send(b"\x0e")  # Ctrl+N
                    # The new tab looks like the last one (the screen diff may send
                    # nothing to wait for): give it time to be built.
                    time.sleep(0.5)
                _send_prompt(app, server)
            if tabs:
                app.wait_for(b"worker", start=len(app.output))  # all are streaming
            return _type_and_time(app)
        finally:
            app.stop()


def _type_and_time(app: PtyApp, count: int = 24) -> list[float]:
    """Seconds from each of `count` keystrokes to its echo, at a fast typist's pace."""
    latencies = []
    for index in range(count):
        key = TYPED[index % len(TYPED) : index % len(TYPED) + 1]
        start = len(app.output)
        sent = time.monotonic()
        app.send(key)
        latencies.append(app.wait_for(key, start=start) - sent)
        time.sleep(0.08)
    return latencies


COMPARED = ("llama3.2:latest", "phi3:mini", "qwen2.5:0.5b")
"""The models compared: the picker lists them in this order and opens on the first."""


def compare_keys_run(client: Client, server: FakeOllama, size: Size) -> list[float]:
    """Seconds from each of 24 keystrokes typed into the composer to its echo, while three
    compare columns (F5, three models marked) stream at 400 tokens/s each, all on screen."""
    added = [name for name in COMPARED if server.find(name) is None]
    for name in added:
        server.add_model(name)
    for _column in COMPARED:
        server.script_reply(markdown_tokens(6000), tokens_per_second=400)
    rows = size[1]
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = client.start(server, Path(folder), size)
            try:
                _settle(app, client)
                start = len(app.output)
                app.send(b"\x1b[15~")  # F5: the picker, marking models to compare
                app.wait_for(b"Space marks", start=start)
                for step in (b" ", b"\x1b[B", b" ", b"\x1b[B", b" "):  # Space, Down, ...
                    app.send(step)
                    time.sleep(0.1)
                start = len(app.output)
                app.send(b"\r")
                app.wait_for(b"side by side", start=start)  # the picker closed, said so
                before = len(server.requests_to("/api/chat"))
                app.type_text(PROMPT)
                app.send(b"\r")
                server.wait_for(
                    lambda: len(server.requests_to("/api/chat")) >= before + len(COMPARED),
                    timeout=60,
                )
                app.wait_for(b"worker", start=len(app.output))  # the columns are streaming
                # The first column has focus (its keys stop and keep replies): a click on
                # the composer's line, as a user types there meanwhile.
                x, y = 10, rows - 2
                app.send(f"\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m".encode())
                time.sleep(0.3)
                return _type_and_time(app)
            finally:
                app.stop()
    finally:
        server.models = [m for m in server.models if m.get("name") not in added]


def _saved_conversations(data_dir: Path, count: int, turns: int) -> list[str]:
    from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
    from ollama_tui.store import SessionStore, WorkspaceStore

    store = SessionStore(data_dir)
    ids = []
    reply = "".join(markdown_tokens(120))
    for number in range(count):
        conversation = Conversation(title=f"Conversation {number}")
        conversation.settings.model = "llama3.2:latest"
        for turn in range(turns):
            conversation.messages.append(Message.user(f"Question {turn}?"))
            answer = Message.assistant("llama3.2:latest")
            answer.content, answer.status = reply, MessageStatus.COMPLETE
            conversation.messages.append(answer)
        store.save(conversation)
        store.release(conversation.id)
        ids.append(conversation.id)
    store.close()
    WorkspaceStore(data_dir).update({"open_tabs": ids, "active_tab": ids[0]})
    return ids


def memory_10_tabs_run(client: Client, server: FakeOllama, size: Size) -> float:
    """Resident MB with 10 tabs open (each a saved conversation of 40 messages, every tab
    visited so that it is drawn), after one reply in each."""
    with tempfile.TemporaryDirectory() as folder:
        _saved_conversations(Path(folder) / "data", 10, 20)
        app = client.start(server, Path(folder), size)
        try:
            _settle(app, client)
            for _tab in range(10):
                start = len(app.output)
                _send_prompt(app, server)
                app.wait_for(b"Echo", start=start, timeout=60)  # the fake's short reply
                app.send(b"\x1b[6;5~")  # Ctrl+PageDown: the next tab
                app.wait_quiet(0.5)  # drawn: keys typed before would go to the last tab
            return app.rss_bytes() / 1024 / 1024
        finally:
            app.stop()


def cli_run(checkout: Path, flag: str) -> float:
    """Seconds for `ollama-tui FLAG` of `checkout` to run to its end."""
    began = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "ollama_tui", flag],
        cwd=checkout,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    )
    return time.monotonic() - began
