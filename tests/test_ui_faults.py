"""Server faults as a user meets them: a clear message, the partial reply kept with the
right status, and an app that still answers (the next prompt gets its reply)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ollama_tui.domain.conversation import MessageStatus
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ask, current_view, ready, screen_text, session_file, wait_until

PARTIAL = ["Half ", "a ", "reply"]


def _fail_with_status(server: FakeOllama, status: int, body: object, kind: str | None) -> None:
    server.fail_next("/api/chat", status, body, content_type=kind)  # type: ignore[arg-type]


FAULTS: dict[str, tuple[Callable[[FakeOllama], None], MessageStatus, str]] = {
    "reset mid-stream": (
        lambda s: s.script_reply(PARTIAL, end="disconnect"),
        MessageStatus.ERROR,
        "connection",
    ),
    "malformed line": (
        lambda s: s.script_reply(PARTIAL, end="malformed"),
        MessageStatus.ERROR,
        "not JSON",
    ),
    "error line mid-stream": (
        lambda s: s.script_reply(PARTIAL, end="error", error="CUDA error: out of memory"),
        MessageStatus.ERROR,
        "CUDA error: out of memory",
    ),
    "end without a final line": (
        lambda s: s.script_reply(PARTIAL, end="eof"),
        MessageStatus.INCOMPLETE,
        "without its final line",
    ),
    "stalls mid-stream": (
        lambda s: s.script_reply(PARTIAL, end="stall"),
        MessageStatus.ERROR,
        "sent nothing for 0.5 s",
    ),
    "HTML page with 500": (
        lambda s: _fail_with_status(
            s, 500, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
        ),
        MessageStatus.ERROR,
        "HTTP 500 with a web page instead of Ollama's answer (502 Bad Gateway)",
    ),
    "503 busy": (
        lambda s: _fail_with_status(
            s,
            503,
            {"error": "server busy, please try again.  maximum pending requests exceeded"},
            None,
        ),
        MessageStatus.ERROR,
        "server busy",
    ),
    "headers never come": (
        lambda s: _fail_with_status(s, -1, None, None),
        MessageStatus.ERROR,
        "sent nothing for 0.5 s",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_fault_is_explained_the_partial_reply_kept_and_the_app_answers(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, fault: str
) -> None:
    arrange, status, words = FAULTS[fault]
    arrange(fake_ollama)
    app = make_app(read_timeout=0.5)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        reply = await ask(pilot, view, "first")
        assert reply.status is status
        assert words.casefold() in (reply.error or "").casefold(), reply.error
        if fault.endswith("mid-stream") or fault in ("malformed line", "end without a final line"):
            assert reply.content == "Half a reply"  # what was shown is kept
        await pilot.pause()
        # The message is on screen under the reply (wrapped: compare words, not lines).
        shown = " ".join(screen_text(app).split())
        assert " ".join((reply.error or "").split()[:5]) in shown
        # Still answering: the next prompt gets its reply.
        second = await ask(pilot, view, "second")
        assert second.status is MessageStatus.COMPLETE and second.content == "Echo: second"
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][1]["status"] == status.value
    assert saved["messages"][1]["content"] == reply.content


async def test_an_enormous_reply_is_kept_whole_and_the_app_answers(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    line = "A fairly long line of a very long reply, repeated to make five megabytes. " * 10
    chunks = [line + "\n\n"] * (5 * 1024 * 1024 // (len(line) + 2))
    fake_ollama.script_reply(chunks)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await pilot.press(*"big", "enter")
        await wait_until(
            lambda: len(view.conversation.messages) == 2 and not view.is_streaming, timeout=60
        )
        reply = view.conversation.messages[-1]
        assert reply.status is MessageStatus.COMPLETE
        assert len(reply.content) == len("".join(chunks))
        await pilot.pause()
        assert "MB more of this message is not drawn here" in screen_text(app).replace("\n", " ")
        await pilot.press("shift+tab", "c")
        await wait_until(lambda: app.clipboard == reply.content)  # all of it
        await pilot.press("escape")
        second = await ask(pilot, view, "small")
        assert second.content == "Echo: small"
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert len(saved["messages"][1]["content"]) == len("".join(chunks))


async def test_an_older_server_without_ps_still_lists_and_chats(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.fail_next("/api/ps", 404, "404 page not found", content_type="text/plain")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        assert app.models and not any(model.loaded for model in app.models)
        reply = await ask(pilot, current_view(app), "hello")
        assert reply.status is MessageStatus.COMPLETE


async def test_a_server_restarted_between_two_prompts_is_not_noticed(
    make_app: MakeApp, data_dir: Path
) -> None:
    with FakeOllama() as first:
        port = int(first.url.rsplit(":", 1)[1].strip("/"))
        app = make_app(host=first.url)
        async with app.run_test(size=(100, 30)) as pilot:
            view = await ready(app)
            await ask(pilot, view, "before")
            first.stop()
            with FakeOllama(port=port):
                reply = await ask(pilot, view, "after")
                assert reply.status is MessageStatus.COMPLETE and reply.content == "Echo: after"
