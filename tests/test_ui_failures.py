"""Failures that used to stop part of the app silently: each is said, and the app goes on."""

from __future__ import annotations

from ollama_tui.domain.conversation import MessageStatus
from tests.conftest import ask, notified, screen_text, wait_until
from tests.fake_ollama.server import FakeOllama


async def test_a_bad_model_entry_is_left_out_and_said_and_the_server_watch_goes_on(
    make_app, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("huge:latest", size="huge")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: app.models is not None, message="the model list")
        assert [model.name for model in app.models] == ["llama3.2:latest", "qwen2.5:0.5b"]
        await wait_until(lambda: notified(app, "entry 3 (huge:latest)"), message="the report")
        # The watch still runs: a server that goes away is noticed.
        fake_ollama.stop()
        view = app.current_view
        reply = await ask(pilot, view, "anyone?")
        assert reply.status is MessageStatus.ERROR
        await wait_until(
            lambda: app.server_status.state.value == "offline", message="the server noticed gone"
        )
        await pilot.pause()
        assert "cannot be reached" in screen_text(app).splitlines()[-1]


async def test_a_header_that_cannot_be_sent_is_named_on_the_status_line(
    make_app, fake_ollama: FakeOllama
) -> None:
    app = make_app(headers={"X-Token": "café-secret-value"})
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_until(lambda: app.server_status.state.value == "offline", message="offline")
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        assert "header 'X-Token': its value has characters other than ASCII" in line
        assert "café-secret-value" not in screen_text(app)
    assert not fake_ollama.requests
