"""Failures that used to stop part of the app silently: each is said, and the app goes on."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest
from textual.dom import DOMNode

from ollama_tui.domain.conversation import MessageStatus
from ollama_tui.ui.kit.workers import background
from tests.fake_ollama.server import FakeOllama
from tests.pilot import ask, notified, ready, screen_text, wait_until


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


async def test_a_failed_worker_is_said_logged_without_secrets_and_the_app_goes_on(
    make_app, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    secret = f"sk-{secrets.token_hex(8)}"

    @background("Checking the thing", group="test")
    async def explode(node: DOMNode) -> None:
        raise RuntimeError(f"boom with token {secret}")

    @background("Reading the other thing", group="test-thread", thread=True)
    def explode_in_a_thread(node: DOMNode) -> None:
        raise OSError(f"disk said no to {secret}")

    app = make_app(headers={"X-Key": secret})
    async with app.run_test(size=(160, 30)) as pilot:
        await ready(app)
        explode(app)
        await wait_until(lambda: notified(app, "Checking the thing failed"), message="the toast")
        explode_in_a_thread(app.current_view)
        await wait_until(lambda: notified(app, "Reading the other thing failed"), message="toast")
        assert notified(app, "RuntimeError: boom with token ***")
        assert notified(app, "(RuntimeError: boom with token ***); the app carries on. Details:")
        log = data_dir / "logs" / "failures.log"
        assert notified(app, str(log))
        text = log.read_text()
        assert "Checking the thing failed" in text and "Traceback" in text
        assert "RuntimeError: boom with token ***" in text and "explode_in_a_thread" in text
        assert secret not in text
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
        # Still answering.
        reply = await ask(pilot, app.current_view, "still there?")
        assert reply.status is MessageStatus.COMPLETE


async def test_a_crash_prints_one_line_not_local_variables_and_logs_the_traceback(
    make_app, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = f"sk-{secrets.token_hex(8)}"
    app = make_app(headers={"X-Key": secret})

    def crash() -> None:
        headers = app.backend.settings.headers  # a local Textual would print
        raise RuntimeError(f"nothing handled this ({len(headers)} header)")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(app)
            app.call_later(crash)
            await pilot.pause(0.5)
    assert app.return_code == 1
    err = capsys.readouterr().err
    assert secret not in err and "headers" not in err  # Textual printed every frame's locals
    log = data_dir / "logs" / "failures.log"
    assert app.crash_report == (
        f"ollama-tui failed (RuntimeError: nothing handled this (1 header)). Details: {log}"
    )
    text = log.read_text()
    assert "Traceback" in text and "in crash" in text and secret not in text


def test_every_worker_of_the_app_is_started_through_the_one_helper() -> None:
    package = Path(__file__).resolve().parents[1] / "ollama_tui"
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        if path.name != "workers.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "@work" in line or "run_worker(" in line
    ]
    assert offenders == []
