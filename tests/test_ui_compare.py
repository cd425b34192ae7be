"""Comparing models as a user does: F5, Space marks models in the picker, Enter; the next
prompt's replies stream side by side; a number keeps one, the others stay as its versions."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ollama_tui.config import HostConfig
from ollama_tui.domain.text import sanitize_for_terminal
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.compare_view import CompareView
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    current_view,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

LLAMA, QWEN = "llama3.2:latest", "qwen2.5:0.5b"
FIRST = ["Rayleigh ", "scattering: ", "blue ", "light ", "scatters ", "more."]
SECOND = ["Short ", "wavelengths ", "scatter ", "most."]


async def _compare_two(app: OllamaTuiApp, pilot: Pilot[None], prompt: str) -> CompareView:
    """F5, mark the first two models (the picker opens on the conversation's), send."""
    await ready(app)
    picker = await press_for(pilot, "f5", ModelPickerScreen)
    await wait_until(lambda: QWEN in screen_text(app))
    await pilot.press("space", "down", "space")
    await wait_until(lambda: "[2]" in screen_text(app), message="the second model marked")
    assert picker.shown[0] is not None and picker.shown[0].name == LLAMA
    await pilot.press("enter")
    await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
    await pilot.press(*prompt, "enter")
    view = current_view(app)
    await wait_until(lambda: view.compare_view is not None, message="the compare view")
    assert view.compare_view is not None
    return view.compare_view


def _saved(data_dir: Path, app: OllamaTuiApp) -> dict[str, Any]:
    path = session_file(data_dir, current_view(app).conversation.id)
    saved: dict[str, Any] = json.loads(path.read_text())
    return saved


async def test_two_models_stream_side_by_side_and_the_second_is_kept(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.model_speeds.update({LLAMA: 20, QWEN: 20})  # long enough to overlap under load
    fake_ollama.script_reply(FIRST)
    fake_ollama.script_reply(SECOND)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await _compare_two(app, pilot, "Why is the sky blue?")
        await wait_until(lambda: not compare.running, timeout=10, message="both replies")
        text = screen_text(app)
        assert "1  llama3.2:latest · 127.0.0.1" in text and "2  qwen2.5:0.5b · 127.0.0.1" in text
        assert "Rayleigh scattering: blue light scatters more." in text
        assert "Short wavelengths scatter most." in text
        assert "first token" in text and "tok/s" in text and "load 0.01 s" in text
        assert fake_ollama.most_at_once == 2  # written at the same time
        bodies = [r.body for r in fake_ollama.requests_to("/api/chat")]
        assert sorted(b["model"] for b in bodies) == [LLAMA, QWEN]
        assert bodies[0]["messages"] == bodies[1]["messages"]
        await pilot.press("2")
        view = current_view(app)
        await wait_until(lambda: view.compare_view is None, message="the reply kept")
        saved = _saved(data_dir, app)
        reply = saved["messages"][-1]
        assert reply["model"] == QWEN and reply["version"] == 1
        assert reply["alternatives"][0][0]["model"] == LLAMA
        assert saved["settings"]["model"] == QWEN  # the conversation goes on with it
        await wait_until(lambda: "version 2 of 2" in screen_text(app))
        # Flipping back shows the first model's reply.
        await pilot.press("shift+tab", "left")
        await wait_until(lambda: "Rayleigh scattering" in screen_text(app))
        await pilot.press("escape")
        await pilot.press(*"And at sunset?", "enter")
        await fake_ollama.async_wait_for(lambda: len(fake_ollama.requests_to("/api/chat")) == 3)
        assert fake_ollama.requests_to("/api/chat")[-1].body["model"] == QWEN


async def test_a_missing_model_fails_in_its_column_and_the_other_ends(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        picker = await press_for(pilot, "f5", ModelPickerScreen)
        await wait_until(lambda: QWEN in screen_text(app))
        await pilot.press("space", "down", "space", "enter")
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        assert picker.shown
        fake_ollama.models = [m for m in fake_ollama.models if m["name"] != QWEN]  # deleted
        await pilot.press(*"hello", "enter")
        view = current_view(app)
        await wait_until(lambda: view.compare_view is not None)
        compare = view.compare_view
        assert compare is not None
        await wait_until(lambda: not compare.running, timeout=10)
        text = screen_text(app)
        assert "Echo: hello" in text and 'model "qwen2.5:0.5b" not found' in text


async def test_one_reply_stops_and_the_other_goes_on(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["held ", "back"], hold=hold, hold_after=1)
    fake_ollama.script_reply(["goes ", "on"], hold=hold, hold_after=1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await _compare_two(app, pilot, "hi")
        await wait_until(lambda: "held" in screen_text(app) and "goes" in screen_text(app))
        await pilot.press("x")  # the first column has focus
        await fake_ollama.async_wait_for(
            lambda: any(r.disconnected_at for r in fake_ollama.requests_to("/api/chat"))
        )
        assert compare.running
        hold.set()
        await wait_until(lambda: not compare.running, timeout=10)
        messages = _saved(data_dir, app)["messages"]
        assert messages[-1]["status"] == "interrupted" and messages[-1]["content"] == "held "
        assert messages[-1]["alternatives"][0][0]["content"] == "goes on"


async def test_escape_stops_every_reply_and_keeps_what_they_wrote(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["one ", "two"], hold=hold, hold_after=1)
    fake_ollama.script_reply(["three ", "four"], hold=hold, hold_after=1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await _compare_two(app, pilot, "hi")
        await wait_until(lambda: "one" in screen_text(app) and "three" in screen_text(app))
        await pilot.press("escape")
        await wait_until(lambda: not compare.running, timeout=10)
        hold.set()
        reply = _saved(data_dir, app)["messages"][-1]
        assert reply["status"] == "interrupted" and reply["content"] == "one "
        assert reply["alternatives"][0][0]["status"] == "interrupted"
        await pilot.press("escape")  # once ended: the first is kept
        view = current_view(app)
        await wait_until(lambda: view.compare_view is None)


async def test_replies_growing_past_their_columns_never_lay_the_screen_out_again(
    make_app: MakeApp, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A column's scroll bar that came once its reply reached the bottom laid out the whole
    # screen (three times: the view, its bar, the bar's size); keys typed meanwhile waited
    # ~100 ms at 160x48. The bar is there from the start, and text growing while it still
    # fits (a few rows a flush) does not lay anything out either.
    hold = threading.Event()
    for _column in range(2):
        fake_ollama.script_reply(
            ["line\n\n"] * 60, tokens_per_second=60, end="endless", hold=hold, hold_after=1
        )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await _compare_two(app, pilot, "hi")
        transcripts = [column.transcript for column in compare.columns]
        await wait_until(lambda: "line" in screen_text(app), message="the replies begin")
        await pilot.pause()
        screen = app.screen
        layouts: list[bool] = []
        refresh_layout = screen._refresh_layout

        def counted(*args: Any, **kwargs: Any) -> None:
            layouts.append(True)
            refresh_layout(*args, **kwargs)

        monkeypatch.setattr(screen, "_refresh_layout", counted)
        hold.set()
        await wait_until(
            lambda: all(view.scroll_y > 0 for view in transcripts),
            timeout=10,
            message="both replies past the bottom of their columns",
        )
        await pilot.pause()
        monkeypatch.undo()
        assert layouts == []
        await pilot.press("escape")
        await wait_until(lambda: not compare.running, timeout=10)


async def test_models_on_two_hosts_are_compared_each_on_its_own(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    with FakeOllama() as gpu:
        gpu.models = [{**gpu.models[0], "name": "big:70b", "model": "big:70b"}]
        gpu.script_reply("From the GPU.")
        app = make_app(other_hosts=(HostConfig("gpu", gpu.url),))
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(app)
            picker = await press_for(pilot, "f5", ModelPickerScreen)
            await wait_until(lambda: "big:70b" in screen_text(app))
            await pilot.press("space")  # the conversation's model, on the default host
            await pilot.press(*"big")
            await wait_until(lambda: any(c is not None and c.host == "gpu" for c in picker.shown))
            await pilot.press("down", "space", "enter")  # `auto` is listed first: then gpu
            await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
            await pilot.press(*"hi", "enter")
            view = current_view(app)
            await wait_until(lambda: view.compare_view is not None)
            compare = view.compare_view
            assert compare is not None
            await wait_until(lambda: not compare.running, timeout=10)
            assert "2  big:70b · 127.0.0.1" in screen_text(app)
            assert gpu.requests_to("/api/chat")[-1].body["model"] == "big:70b"
            assert fake_ollama.requests_to("/api/chat")[-1].body["model"] == LLAMA
            await pilot.press("2")
            await wait_until(lambda: view.compare_view is None)
            assert view.conversation.host_name == "gpu"  # it goes on where the kept one ran
            saved = _saved(data_dir, app)
            assert saved["messages"][-1]["content"] == "From the GPU."


LONG = "hf.co/bartowski/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M-imatrix-long"
HOSTILE = "evil\x1b]0;pwned\x07\x1b[31m-model:latest"


def _picker_row(app: OllamaTuiApp, text: str) -> str:
    """The picker's row holding `text`, inside its border."""
    return next(row for row in screen_text(app).splitlines() if text in row and "│" in row)


async def test_the_compare_picker_shows_long_names_whole_when_the_terminal_has_room(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model(LONG, size=19_851_336_256)
    fake_ollama.add_model(HOSTILE)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await press_for(pilot, "f5", ModelPickerScreen)
        await wait_until(lambda: "imatrix" in screen_text(app))
        await pilot.pause()
        # At 140 columns the dialog grows past its usual 100: the whole name, no ellipsis,
        # and its facts on its row.
        row = _picker_row(app, "hf.co/")
        assert f"{LONG}  " in row and "…" not in row[: row.index("19 GB")], row
        assert "Q4_K_M" in row, row
        # A hostile name is shown inert, whole, on one row.
        assert "\x1b" not in screen_text(app) and "\x07" not in screen_text(app)
        assert sanitize_for_terminal(HOSTILE) in _picker_row(app, "evil")
        # At 80 columns the name gives way, with an ellipsis; its facts stay on its row.
        await pilot.resize_terminal(80, 24)
        await wait_until(lambda: LONG not in _picker_row(app, "hf.co/"), message="the name cut")
        row = _picker_row(app, "hf.co/")
        assert "…" in row[: row.index("19 GB")] and "Q4_K_M" in row, row
        await pilot.resize_terminal(140, 40)
        await wait_until(lambda: LONG in _picker_row(app, "hf.co/"), message="the name whole")
        # Typing finds each by its name; Space marks it.
        await pilot.press(*"imatrix", "space", *["backspace"] * 7, *"llama3.2", "space")
        await wait_until(lambda: "[2]" in screen_text(app), message="the second model marked")
        await pilot.press(*["backspace"] * 8)
        await wait_until(lambda: "[1]" in _picker_row(app, "hf.co/"))
        assert "[2]" in _picker_row(app, LLAMA)
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        await pilot.press(*"hi", "enter")
        await wait_until(lambda: len(fake_ollama.requests_to("/api/chat")) == 2, timeout=10)
        asked = sorted(request.body["model"] for request in fake_ollama.requests_to("/api/chat"))
        assert asked == sorted([LONG, LLAMA])


async def test_while_replies_wait_to_be_kept_the_prompt_says_so(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(FIRST)
    fake_ollama.script_reply(SECOND)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        compare = await _compare_two(app, pilot, "Why is the sky blue?")
        await wait_until(lambda: not compare.running, timeout=10, message="both replies")
        # The prompt invited typing ("Ask anything") while the keys went to the replies:
        # what was typed went nowhere. It says what comes first.
        await wait_until(lambda: "Keep a reply first (1/2)" in screen_text(app))
        assert "Ask anything" not in screen_text(app)
        await pilot.press(*"abc")
        view = current_view(app)
        assert view.draft == ""
        # Clicked, it takes the next prompt; Enter says what comes first and keeps it.
        region = view.composer.region
        await pilot.click(offset=(region.x + 2, region.y))
        await pilot.press(*"And at sunset?", "enter")
        await wait_until(
            lambda: notified(app, "Keep one of the compared replies first: 1/2"),
            message="the refusal",
        )
        assert view.draft == "And at sunset?"
        assert len(fake_ollama.requests_to("/api/chat")) == 2
        # Shift+Tab goes back to the replies, where 2 keeps the second.
        await pilot.press("shift+tab", "2")
        await wait_until(lambda: view.compare_view is None, message="the reply kept")
        await wait_until(lambda: "And at sunset?" in screen_text(app), message="the draft kept")


def _footer(app: OllamaTuiApp) -> str:
    """The footer's row: the last but one of the screen (the status line is the last)."""
    return screen_text(app).splitlines()[-2]


async def test_the_footer_says_what_escape_does_while_replies_run_and_once_they_ended(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["one ", "two"], hold=hold, hold_after=1)
    fake_ollama.script_reply(["three ", "four"], hold=hold, hold_after=1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await _compare_two(app, pilot, "hi")
        await wait_until(lambda: "one" in screen_text(app) and "three" in screen_text(app))
        await wait_until(lambda: "esc Stop all" in _footer(app), message="Esc stops while running")
        assert "Keep 1" not in _footer(app)
        hold.set()
        await wait_until(lambda: not compare.running, timeout=10, message="both replies")
        # Esc keeps the first reply now: the footer says so, and no longer offers to stop.
        await wait_until(lambda: "esc Keep 1" in _footer(app), message="Esc keeps once ended")
        assert "Stop all" not in _footer(app) and "Stop this" not in _footer(app)
        await pilot.press("escape")
        view = current_view(app)
        await wait_until(lambda: view.compare_view is None, message="the first reply kept")
