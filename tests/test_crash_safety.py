"""Killing the app (SIGKILL, no chance to clean up) at random moments while it streams, 50
times: every session file still parses, every finished reply is whole, and an unfinished
one lacks at most the last two seconds of text."""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from ollama_tui.domain.conversation import Conversation, MessageStatus
from ollama_tui.services.chat_turn import CHECKPOINT_INTERVAL
from ollama_tui.store import SessionStore
from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pty and SIGKILL"),
]

KILLS = 50
WORKERS = 3
RATE = 100.0
"""Tokens a second from the fake server."""
TOKENS = [f"t{n:03d} " for n in range(150)]
FULL = "".join(TOKENS)


def _kill_runs(
    server: FakeOllama, data_dir: Path, runs: int, worker: int, killed_at: dict[str, float]
) -> None:
    """Start the app on `data_dir`, send a prompt, kill it at a random moment; repeat.
    Each run's prompt names it; `killed_at` gets the moment of each kill."""
    rng = random.Random(worker)
    for run in range(runs):
        prompt = f"run{worker}x{run}"
        app = PtyApp(
            ["--host", server.url, "--data-dir", str(data_dir)],
            env={"OLLAMA_TUI_CONFIG": "/nonexistent"},
            cols=80,
            rows=24,
        ).start()
        try:
            app.wait_for(b"connected")
            app.wait_for(b"llama3.2:latest")
            # The tabs open at the kill come back (the workspace is kept as drafts are typed),
            # so each run asks in a new tab of its own, as a user starting afresh would.
            app.send(b"\x0e")  # Ctrl+N
            app.type_text(prompt)
            app.send(b"\r")
            # Anywhere from before the request leaves to after the reply has ended.
            time.sleep(rng.uniform(0.0, len(TOKENS) / RATE + 0.5))
            os.kill(app.pid, signal.SIGKILL)
            killed_at[prompt] = time.monotonic()
        finally:
            os.waitpid(app.pid, 0)


def test_sigkill_at_random_moments_never_corrupts_or_loses_more_than_two_seconds(
    tmp_path: Path,
) -> None:
    with FakeOllama() as server:
        for _ in range(KILLS + WORKERS):
            server.script_reply(TOKENS, tokens_per_second=RATE)
        dirs = [tmp_path / f"data{n}" for n in range(WORKERS)]
        runs = [KILLS // WORKERS + (n < KILLS % WORKERS) for n in range(WORKERS)]
        killed_at: dict[str, float] = {}
        threads = [
            threading.Thread(target=_kill_runs, args=(server, dirs[n], runs[n], n, killed_at))
            for n in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        requests = {r.body["messages"][-1]["content"]: r for r in server.requests_to("/api/chat")}
    assert len(killed_at) == KILLS
    # Every file parses, and the store reads each one back (a reply the kill left
    # `streaming` reads back as `interrupted`).
    conversations: dict[str, Conversation] = {}
    for folder in dirs:
        for path in (folder / "sessions").glob("*.json"):
            Conversation.read(json.loads(path.read_text()))
        store = SessionStore(folder)
        summaries, unreadable = store.list_sessions()
        assert unreadable == []
        for summary in summaries:
            conversation = store.load(summary.id).conversation
            store.release(summary.id)
            conversations[conversation.messages[0].content] = conversation
        store.close()
    assert len(requests) >= KILLS // 2, "too few runs got as far as sending"
    allowed_loss = (CHECKPOINT_INTERVAL + 0.5) * RATE  # tokens; 0.5 s for a busy machine
    for prompt, request in requests.items():
        # The prompt is on disk before the request leaves.
        assert prompt in conversations, f"{prompt} reached the server but was not saved"
        messages = conversations[prompt].messages
        if len(messages) == 1:
            continue  # killed before the reply's first save: nothing shown was lost
        reply = messages[1]
        assert FULL.startswith(reply.content), "a saved reply is not what was sent"
        if reply.status is MessageStatus.COMPLETE:
            assert reply.content == FULL
            continue
        assert reply.status is MessageStatus.INTERRUPTED
        sent = min(len(TOKENS), (killed_at[prompt] - request.received_at) * RATE)
        saved = len(reply.content) // len(TOKENS[0])
        assert saved >= sent - allowed_loss, f"{prompt}: {saved} of {sent:.0f} tokens saved"
