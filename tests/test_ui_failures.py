"""Failures that used to stop part of the app silently: each is said, and the app goes on."""

from __future__ import annotations

import secrets
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn

import pytest
from textual.dom import DOMNode
from textual.pilot import Pilot

from ollama_tui.domain.conversation import MessageStatus
from ollama_tui.ui.kit.workers import background
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ask, current_view, notified, ready, screen_text, wait_until


async def test_a_bad_model_entry_is_left_out_and_said_and_the_server_watch_goes_on(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("huge:latest", size="huge")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: app.models is not None, message="the model list")
        assert app.models is not None
        assert [model.name for model in app.models] == ["llama3.2:latest", "qwen2.5:0.5b"]
        await wait_until(lambda: notified(app, "entry 3 (huge:latest)"), message="the report")
        # The watch still runs: a server that goes away is noticed.
        fake_ollama.stop()
        view = current_view(app)
        reply = await ask(pilot, view, "anyone?")
        assert reply.status is MessageStatus.ERROR
        await wait_until(
            lambda: app.server_status.state.value == "offline", message="the server noticed gone"
        )
        await pilot.pause()
        assert "cannot be reached" in screen_text(app).splitlines()[-1]


async def test_a_header_that_cannot_be_sent_is_named_on_the_status_line(
    make_app: MakeApp, fake_ollama: FakeOllama
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
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
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
        explode_in_a_thread(current_view(app))
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
        reply = await ask(pilot, current_view(app), "still there?")
        assert reply.status is MessageStatus.COMPLETE


async def test_a_crash_prints_one_line_not_local_variables_and_logs_the_traceback(
    make_app: MakeApp, data_dir: Path, capsys: pytest.CaptureFixture[str]
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


def _bug(*args: object, **kwargs: object) -> NoReturn:
    raise RuntimeError("a bug, not a fault the code expects")


async def _in_the_chat(pilot: Pilot[None]) -> None:
    await pilot.press(*"hello", "enter")


async def _in_the_models_screen(pilot: Pilot[None]) -> None:
    await pilot.press("f3")


async def _in_the_browser(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+o")


async def _in_the_settings(pilot: Pilot[None]) -> None:
    await pilot.press("f4")


async def _in_inspect(pilot: Pilot[None]) -> None:
    await pilot.press("f3")
    await wait_until(lambda: "llama3.2:latest" in screen_text(pilot.app), message="the table")
    await pilot.press("i")


async def _in_embed(pilot: Pilot[None]) -> None:
    await pilot.press("f3")
    await wait_until(lambda: "llama3.2:latest" in screen_text(pilot.app), message="the table")
    await pilot.press("e", *"a cat", "ctrl+s")


@pytest.mark.parametrize(
    ("where", "part", "what"),
    [
        (_in_the_chat, "reply_rounds", "Writing the reply"),
        (_in_the_models_screen, "catalogue.refresh", "Listing the models"),
        (_in_the_browser, "library.refresh", "Reading the saved conversations"),
        (_in_the_settings, "show", "Reading the model's defaults"),
        (_in_inspect, "show", "Inspecting the model"),
        (_in_embed, "embed", "Embedding the texts"),
    ],
)
async def test_a_worker_failing_in_any_screen_is_said_there_and_logged(
    make_app: MakeApp,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: Callable[[Pilot[None]], Awaitable[None]],
    part: str,
    what: str,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(app)
        holder, _, name = f"backend.{part}".rpartition(".")
        target = app
        for step in holder.split("."):
            target = getattr(target, step)
        monkeypatch.setattr(target, name, _bug)
        shown = app.screen
        await where(pilot)
        await wait_until(lambda: notified(app, f"{what} failed"), message=f"{what} said")
        assert notified(app, "RuntimeError: a bug, not a fault the code expects")
        log = (data_dir / "logs" / "failures.log").read_text()
        assert f"{what} failed" in log and "Traceback" in log
        # Still answering keys: back to the conversation.
        while app.screen is not shown:
            await pilot.press("escape")
        assert app.current_view is not None


async def test_a_model_job_failing_unexpectedly_is_said_shown_and_logged(
    make_app: MakeApp, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ollama_tui.services.jobs.pull_model", _bug)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(app)
        await pilot.press("f3")
        await wait_until(lambda: "llama3.2:latest" in screen_text(app), message="the table")
        await pilot.press("p", *"tiny:1b", "enter")
        await wait_until(lambda: notified(app, "The pull of tiny:1b failed"), message="said")
        await wait_until(
            lambda: "pull tiny:1b · failed unexpectedly (RuntimeError" in screen_text(app),
            message="the job's line",
        )
        log = (data_dir / "logs" / "failures.log").read_text()
        assert "The pull of tiny:1b failed" in log and "Traceback" in log
