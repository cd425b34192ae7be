"""Benchmarks against the budgets of DESIGN.md section 7, in a real pseudo-terminal.

Prints a table of medians (with min and max) and writes bench/results/latest.json.
Run with `make bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_ollama.server import FakeOllama  # noqa: E402
from tests.pty_app import PtyApp  # noqa: E402

READY_MARKER = b"Ask anything"
CONNECTED_MARKER = b"connected"
END_MARKER = "ZQXEND"


def _median_row(name: str, values: list[float], unit: str, budget: str) -> dict[str, object]:
    return {
        "measure": name,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "unit": unit,
        "budget": budget,
        "runs": len(values),
    }


def _app(server: FakeOllama, data_dir: Path) -> PtyApp:
    return PtyApp(["--host", server.url, "--data-dir", str(data_dir)]).start()


def bench_startup(server: FakeOllama, runs: int) -> list[dict[str, object]]:
    first_frame: list[float] = []
    connected: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            app = _app(server, Path(folder))
            try:
                first_frame.append(app.wait_for(READY_MARKER) - app.started_at)
                connected.append(app.wait_for(CONNECTED_MARKER) - app.started_at)
            finally:
                app.stop()
    return [
        _median_row(
            "start to first usable frame", [v * 1000 for v in first_frame], "ms", "< 600 ms"
        ),
        _median_row("start to server connected", [v * 1000 for v in connected], "ms", "-"),
    ]


def bench_cli(runs: int) -> list[dict[str, object]]:
    import subprocess

    rows = []
    for flag in ("--version", "--help"):
        times = []
        for _ in range(runs):
            began = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "ollama_tui", flag], capture_output=True, check=True
            )
            times.append((time.monotonic() - began) * 1000)
        rows.append(_median_row(f"ollama-tui {flag}", times, "ms", "< 150 ms"))
    return rows


def bench_stream(
    server: FakeOllama,
    runs: int,
    *,
    tokens: int,
    rate: float | None,
    label: str,
    latency_budget: str,
    extra_budgets: dict[str, str] | None = None,
) -> list[dict[str, object]]:
    extra = extra_budgets or {}
    latency, cpu_per_token, bytes_per_token, cpu_total, bytes_total = [], [], [], [], []
    for _ in range(runs):
        chunks = [f"word{n % 50} " + ("\n\n" if n % 40 == 39 else "") for n in range(tokens - 1)]
        chunks.append(END_MARKER)
        server.script_reply(chunks, tokens_per_second=rate)
        with tempfile.TemporaryDirectory() as folder:
            app = _app(server, Path(folder))
            try:
                app.wait_for(CONNECTED_MARKER)
                app.type_text("go")
                start = len(app.output)
                cpu_before = app.cpu_seconds()
                app.send(b"\r")
                seen = app.wait_for(END_MARKER.encode(), start=start, timeout=120)
                request = server.requests_to("/api/chat")[-1]
                server.wait_for(lambda r=request: r.finished_at is not None)
                assert request.finished_at is not None
                cpu = app.cpu_seconds() - cpu_before
                written = len(app.output) - start
                latency.append(max(0.0, seen - request.finished_at) * 1000)
                cpu_per_token.append(cpu / tokens * 1000)
                bytes_per_token.append(written / tokens)
                cpu_total.append(cpu)
                bytes_total.append(written / 1024)
            finally:
                app.stop()
    return [
        _median_row(
            f"{label}: last token on screen after the server sent it", latency, "ms", latency_budget
        ),
        _median_row(f"{label}: CPU per token", cpu_per_token, "ms", "-"),
        _median_row(f"{label}: CPU in all", cpu_total, "s", extra.get("cpu", "-")),
        _median_row(f"{label}: bytes to the terminal per token", bytes_per_token, "B", "-"),
        _median_row(
            f"{label}: bytes to the terminal in all", bytes_total, "KB", extra.get("bytes", "-")
        ),
    ]


TYPED = b"QZXK"
"""Keys typed while replies stream: letters the streamed words, the footer and the status
line never hold, so their first appearance in the output is the echo."""


def bench_keys_while_streaming(server: FakeOllama, runs: int) -> list[dict[str, object]]:
    """Keystroke to echo on screen while three tabs stream at 400 tokens/s each."""
    medians, worst = [], []
    for _ in range(runs):
        for _tab in range(3):
            server.script_reply(
                [f"word{n % 50} " + ("\n\n" if n % 40 == 39 else "") for n in range(6000)],
                tokens_per_second=400,
            )
        with tempfile.TemporaryDirectory() as folder:
            app = _app(server, Path(folder))
            try:
                app.wait_for(CONNECTED_MARKER)
                for tab in range(int(os.environ.get("BENCH_TABS", "3"))):
                    if tab:
                        app.send(b"\x0e")  # Ctrl+N
                        # The new tab looks like the last one (the screen diff may send
                        # nothing to wait for): give it time to be built.
                        time.sleep(0.5)
                    before = len(server.requests_to("/api/chat"))
                    app.type_text("go")
                    app.send(b"\r")
                    server.wait_for(lambda b=before: len(server.requests_to("/api/chat")) > b)
                if os.environ.get("BENCH_TABS", "3") != "0":
                    app.wait_for(b"word49", start=len(app.output))  # all are streaming
                latencies = []
                for index in range(24):
                    key = TYPED[index % len(TYPED) : index % len(TYPED) + 1]
                    start = len(app.output)
                    sent = time.monotonic()
                    app.send(key)
                    latencies.append((app.wait_for(key, start=start) - sent) * 1000)
                    time.sleep(0.08)  # a fast typist's pace
                medians.append(statistics.median(latencies))
                worst.append(max(latencies))
            finally:
                app.stop()
    return [
        _median_row("keystroke to screen, 3 tabs streaming at 400/s: median", medians, "ms", "-"),
        _median_row(
            "keystroke to screen, 3 tabs streaming at 400/s: worst", worst, "ms", "< 50 ms"
        ),
    ]


def _saved_conversations(data_dir: Path, count: int, turns: int) -> list[str]:
    from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
    from ollama_tui.store import SessionStore, WorkspaceState, WorkspaceStore

    store = SessionStore(data_dir)
    ids = []
    reply = (
        "Here is how:\n\n1. First **step** with `code`\n2. Second step\n\n"
        "```python\nfor item in items:\n    print(item)\n```\n\nAnd a closing paragraph. " * 2
    )
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
    WorkspaceStore(data_dir).save(WorkspaceState(open_tabs=ids, active_tab=ids[0], last_model=None))
    return ids


def bench_memory(server: FakeOllama, runs: int) -> list[dict[str, object]]:
    """Resident memory with 10 tabs open (each a saved conversation of 40 messages, every
    tab visited so that it is drawn), after one reply in each."""
    resident = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            _saved_conversations(Path(folder), 10, 20)
            app = _app(server, Path(folder))
            try:
                app.wait_for(CONNECTED_MARKER)
                for _tab in range(10):
                    before = len(server.requests_to("/api/chat"))
                    app.type_text("hi")
                    app.send(b"\r")
                    server.wait_for(lambda b=before: len(server.requests_to("/api/chat")) > b)
                    time.sleep(0.3)  # the reply is short; let it land before moving on
                    app.send(b"\x1b[6;5~")  # Ctrl+PageDown: the next tab
                    time.sleep(0.3)
                resident.append(app.rss_bytes() / 1024 / 1024)
            finally:
                app.stop()
    return [_median_row("resident memory, 10 tabs open", resident, "MB", "< 120 MB")]


def main() -> None:
    quick = "--quick" in sys.argv
    # `--only WORD`: run the steps whose name holds WORD (while profiling one, say).
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    runs = 3 if quick else 5
    rows: list[dict[str, object]] = []
    steps: list[tuple[str, Callable[[], list[dict[str, object]]]]] = []
    with FakeOllama() as server:
        steps = [
            ("cli", lambda: bench_cli(runs * 2)),
            ("startup", lambda: bench_startup(server, runs * 2)),
            (
                "stream-50",
                lambda: bench_stream(
                    server,
                    runs,
                    tokens=300,
                    rate=50,
                    label="300 tokens at 50/s",
                    latency_budget="< 33 ms",
                    extra_budgets={"cpu": "< 1.5 s", "bytes": "< 300 KB"},
                ),
            ),
            (
                "stream-400",
                lambda: bench_stream(
                    server,
                    runs,
                    tokens=2000,
                    rate=400,
                    label="2,000 tokens at 400/s",
                    latency_budget="< 50 ms",
                ),
            ),
            (
                "stream-unthrottled",
                lambda: bench_stream(
                    server,
                    runs,
                    tokens=2000,
                    rate=None,
                    label="2,000 tokens unthrottled",
                    latency_budget="< 100 ms",
                ),
            ),
            ("keys-3-tabs", lambda: bench_keys_while_streaming(server, runs)),
            ("memory-10-tabs", lambda: bench_memory(server, runs)),
        ]
        for name, step in steps:
            if only not in name:
                continue
            new_rows = step()
            for row in new_rows:
                print(
                    f"{row['measure']:<62} {row['median']:>9.2f} {row['unit']:<3} "
                    f"({row['min']:.2f}-{row['max']:.2f})  budget {row['budget']}",
                    flush=True,
                )
            rows.extend(new_rows)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, indent=2))
    print()
    print("| measure | median | min-max | budget |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['measure']} | {row['median']:.2f} {row['unit']} | "
            f"{row['min']:.2f}-{row['max']:.2f} | {row['budget']} |"
        )


if __name__ == "__main__":
    main()
