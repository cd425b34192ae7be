"""The models screen (F3), driven by keys against the fake server."""

from __future__ import annotations

import threading

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.basic import ConfirmDialog, TextDialog
from ollama_tui.ui.dialogs.create_model import CreateDialog
from ollama_tui.ui.dialogs.embeddings import EmbedDialog
from ollama_tui.ui.dialogs.inspect_model import InspectScreen
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from ollama_tui.ui.screens.models import ModelsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    current_view,
    notifications,
    notified,
    press_for,
    ready,
    screen_text,
    wait_until,
)


async def _models(app: OllamaTuiApp, pilot: Pilot[None]) -> ModelsScreen:
    await ready(app)
    screen = await press_for(pilot, "f3", ModelsScreen)
    await wait_until(lambda: screen.models, message="the models listed")
    return screen


async def _create_from(pilot: Pilot[None], screen: ModelsScreen, base: str) -> CreateDialog:
    """Open the create dialog on `base` and name the new model `pirate`."""
    _row_of(screen, base)
    dialog = await press_for(pilot, "c", CreateDialog)
    await pilot.press(*"pirate")
    return dialog


def _row_of(screen: ModelsScreen, name: str) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(name), animate=False)


async def test_the_table_lists_models_and_what_is_loaded(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        text = screen_text(app)
        assert "llama3.2:latest" in text and "qwen2.5:0.5b" in text and "494.03M" in text
        assert "Q4_K_M" in text and "397 MB" in text
        _row_of(screen, "qwen2.5:0.5b")
        await press_for(pilot, "l", TextDialog)
        await pilot.press("enter")  # the default keep-alive, 5m
        await wait_until(lambda: any(m.loaded for m in screen.models), message="loaded")
        assert fake_ollama.requests_to("/api/generate")[-1].body["keep_alive"] == "5m"
        await wait_until(lambda: "● qwen2.5:0.5b" in screen_text(app))
        text = screen_text(app)
        assert "49%" in text and "4,096" in text  # on the GPU, and the runtime context
        assert "4:5" in text or "5:00" in text  # the countdown to unloading
        await pilot.press("x")
        await wait_until(lambda: not any(m.loaded for m in screen.models))
        assert fake_ollama.requests_to("/api/generate")[-1].body["keep_alive"] == 0
        await pilot.press("s")  # sorted by size now: the bigger model first
        await wait_until(lambda: "sorted by size" in screen_text(app))
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ModelsScreen))


async def test_enter_starts_a_conversation_with_the_model(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        tabs_before = len(app.chat_views())
        _row_of(screen, "qwen2.5:0.5b")
        await pilot.press("enter")
        # The tab appears first, then gets the model: wait for both.
        await wait_until(
            lambda: (
                len(app.chat_views()) == tabs_before + 1
                and current_view(app).conversation.settings.model == "qwen2.5:0.5b"
            )
        )
        screen = await _models(app, pilot)
        _row_of(screen, "llama3.2:latest")
        await pilot.press("u")
        await wait_until(lambda: current_view(app).conversation.settings.model == "llama3.2:latest")
        assert len(app.chat_views()) == tabs_before + 1


async def test_pull_checks_the_name_shows_progress_and_cancels(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    # Long enough (24 s) that even a loaded machine cancels it before its end.
    fake_ollama.script_pull(layers=2, steps=600, delay=0.02)
    fake_ollama.script_pull(layers=1, steps=2)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        await press_for(pilot, "p", TextDialog)
        await pilot.press(*"bad name", "enter")
        await wait_until(lambda: "A model name is" in screen_text(app))
        assert isinstance(app.screen, TextDialog)  # refused
        app.screen.query_one(Input).value = "big:70b"
        await pilot.press("enter")
        jobs = app.backend.jobs
        await wait_until(lambda: jobs.jobs and jobs.jobs[0].state.completed > 0)
        await wait_until(lambda: "pull big:70b" in screen_text(app) and "%" in screen_text(app))
        assert "layer 1" in screen_text(app) or "layer 2" in screen_text(app)
        await press_for(pilot, "p", TextDialog)
        app.screen.query_one(Input).value = "tiny:1b"
        await pilot.press("enter")
        await wait_until(lambda: "tiny:1b" in [m.name for m in screen.models], message="listed")
        assert jobs.jobs[0].running  # the big one still goes on
        await pilot.press("ctrl+x")
        await wait_until(lambda: jobs.jobs[0].cancelled)
        big = [r for r in fake_ollama.requests_to("/api/pull") if r.body["model"] == "big:70b"]
        await wait_until(
            lambda: big[0].disconnected_at is not None, timeout=15, message="connection closed"
        )
        await wait_until(lambda: "cancelled" in screen_text(app))


async def test_a_pull_failing_midway_shows_the_servers_words(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.offline = True
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await _models(app, pilot)
        await press_for(pilot, "p", TextDialog)
        await pilot.press(*"llama9", "enter")
        await wait_until(lambda: "no such host" in screen_text(app))


async def test_create_copy_and_delete(make_app: MakeApp, fake_ollama: FakeOllama) -> None:
    app = make_app()
    async with app.run_test(size=(140, 48)) as pilot:
        screen = await _models(app, pilot)
        dialog = await _create_from(pilot, screen, "llama3.2:latest")
        dialog.query_one("#system", TextArea).text = "Talk like a pirate."
        dialog.query_one("#temperature", Input).value = "hot"
        await pilot.pause()
        assert "temperature takes a number" in screen_text(app)
        dialog.query_one("#temperature", Input).value = "0.2"
        dialog.query_one("#stop", TextArea).text = "Arr!\nUser:"
        await pilot.press("ctrl+s")
        await wait_until(lambda: "pirate" in fake_ollama.created)
        assert fake_ollama.created["pirate"] == {
            "model": "pirate",
            "from": "llama3.2:latest",
            "system": "Talk like a pirate.",
            "parameters": {"temperature": 0.2, "stop": ["Arr!", "User:"]},
            "stream": True,
        }
        await wait_until(lambda: "pirate" in [m.name for m in screen.models])
        await wait_until(lambda: "create pirate · done" in screen_text(app))
        # Copy it, then delete the copy; a model an open conversation uses is called out.
        _row_of(screen, "pirate")
        await press_for(pilot, "y", TextDialog)
        app.screen.query_one(Input).value = "pirate2"
        await pilot.press("enter")
        await wait_until(lambda: "pirate2" in [m.name for m in screen.models])
        _row_of(screen, "llama3.2:latest")
        await press_for(pilot, "d", ConfirmDialog)
        assert "1 open conversation uses llama3.2:latest" in screen_text(app)
        await pilot.press("escape")
        _row_of(screen, "pirate2")
        await press_for(pilot, "d", ConfirmDialog)
        assert "Delete pirate2" in screen_text(app)
        await pilot.press("enter")
        await wait_until(lambda: "pirate2" not in [m.name for m in screen.models])
        assert fake_ollama.requests_to("/api/delete")[-1].body == {"model": "pirate2"}


async def test_create_on_an_old_server_sends_a_modelfile(make_app: MakeApp) -> None:
    with FakeOllama(version="0.5.4") as old:
        app = make_app(host=old.url)
        async with app.run_test(size=(140, 48)) as pilot:
            screen = await _models(app, pilot)
            dialog = await _create_from(pilot, screen, "llama3.2:latest")
            dialog.query_one("#system", TextArea).text = "Arr."
            await pilot.press("ctrl+s")
            await wait_until(lambda: "pirate" in old.created)
        assert old.created["pirate"]["modelfile"] == 'FROM llama3.2:latest\nSYSTEM """Arr."""\n'


async def test_inspect_embed_and_push(make_app: MakeApp, fake_ollama: FakeOllama) -> None:
    app = make_app()
    async with app.run_test(size=(140, 48)) as pilot:
        screen = await _models(app, pilot)
        _row_of(screen, "llama3.2:latest")
        await press_for(pilot, "i", InspectScreen)
        await wait_until(lambda: "context length: 131,072" in screen_text(app))
        text = screen_text(app)
        assert "embedding length: 3,072" in text and "LLAMA 3.2 COMMUNITY" in text
        assert "temperature: 0.7" in text
        await pilot.press("ctrl+y")
        assert app.clipboard.startswith("FROM llama3.2:latest")
        await pilot.press("escape")
        await press_for(pilot, "e", EmbedDialog)
        app.screen.query_one(TextArea).text = "the cat sat\nthe cat sat\nzzz"
        await pilot.press("ctrl+s")
        await wait_until(lambda: "Cosine similarity" in screen_text(app))
        assert "1 and 2: 1.0000" in screen_text(app) and "10 dimensions" in screen_text(app)
        await pilot.press("escape")
        await press_for(pilot, "P", ConfirmDialog)  # Shift+P, as a terminal sends it
        await pilot.press("enter")
        await wait_until(lambda: "ollama.com account" in screen_text(app))


async def test_at_80_columns_the_inspect_hint_is_whole(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _models(app, pilot)
        _row_of(screen, "llama3.2:latest")
        await press_for(pilot, "i", InspectScreen)
        await wait_until(lambda: "context length" in screen_text(app))
        hint = next(row for row in screen_text(app).splitlines() if "Ctrl+Y" in row)
        assert "scroll · Ctrl+Y copies the Modelfile · Esc closes" in hint, hint


async def test_a_failed_job_is_cleared_with_ctrl_x_and_stays_cleared(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_pull(layers=1, steps=4, error="pull failed: no space left", error_after=1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _models(app, pilot)
        await press_for(pilot, "p", TextDialog)
        await pilot.press(*"llama9", "enter")
        await wait_until(lambda: "no space left" in screen_text(app), message="the failure")
        await pilot.press("ctrl+x")
        await wait_until(lambda: "no space left" not in screen_text(app), message="cleared")
        assert notified(app, "Cleared 1 finished job")
        await pilot.press("escape")
        await _models(app, pilot)
        assert "llama9" not in screen_text(app)
        await pilot.press("ctrl+x")  # nothing left to stop or clear, and it says so
        assert notified(app, "No jobs to stop or clear")


async def test_ctrl_x_stops_a_running_job_first_and_clears_it_after(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_pull(layers=2, steps=600, delay=0.02)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _models(app, pilot)
        await press_for(pilot, "p", TextDialog)
        await pilot.press(*"big:70b", "enter")
        await wait_until(lambda: "pull big:70b" in screen_text(app) and "%" in screen_text(app))
        await pilot.press("ctrl+x")
        await wait_until(lambda: "cancelled" in screen_text(app), timeout=15)
        await pilot.press("ctrl+x")
        await wait_until(lambda: "big:70b" not in screen_text(app), message="cleared")


def _model_work_settled(app: OllamaTuiApp) -> bool:
    return not any(
        worker.group in ("models", "models-list", "models-change") and worker.is_running
        for worker in app.workers
    )


async def test_a_delete_lists_the_models_once_for_every_screen(
    make_app: MakeApp, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No poll in between: every /api/tags counted is one the delete caused.
    monkeypatch.setattr("ollama_tui.ui.screens.models.POLL_SECONDS", 3600.0)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        _row_of(screen, "qwen2.5:0.5b")
        await press_for(pilot, "d", ConfirmDialog)
        await wait_until(lambda: _model_work_settled(app), message="the screen's first listing")
        before = len(fake_ollama.requests_to("/api/tags"))
        await pilot.press("enter")
        await wait_until(lambda: "qwen2.5:0.5b" not in screen_text(app), message="deleted")
        await wait_until(lambda: _model_work_settled(app), message="the listing settled")
        assert len(fake_ollama.requests_to("/api/tags")) == before + 1
        assert [model.name for model in app.models or []] == ["llama3.2:latest"]
        await pilot.press("escape")
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: "llama3.2:latest" in screen_text(app), message="the picker")
        assert "qwen2.5:0.5b" not in screen_text(app)
        assert picker.is_attached


async def test_keys_are_handled_while_an_unload_waits_for_the_server(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.running.append(
        {"name": "qwen2.5:0.5b", "model": "qwen2.5:0.5b", "size": 1, "expires_at": ""}
    )
    answer = threading.Event()
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        _row_of(screen, "qwen2.5:0.5b")
        fake_ollama.script_reply("", hold=answer)  # the unload's answer is held back
        await pilot.press("x")
        await fake_ollama.async_wait_for(lambda: fake_ollama.requests_to("/api/generate"))
        await pilot.press("s")
        await wait_until(lambda: "sorted by size" in screen_text(app), message="the sort key")
        assert notified(app, "Unloading qwen2.5:0.5b")
        assert not notified(app, "Unloaded qwen2.5:0.5b")
        answer.set()
        await wait_until(lambda: notified(app, "Unloaded qwen2.5:0.5b"), message="unloaded")
        await wait_until(lambda: not any(m.loaded for m in screen.models), message="listed")


async def test_a_pull_that_ends_says_so_once(make_app: MakeApp, fake_ollama: FakeOllama) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        await press_for(pilot, "p", TextDialog)
        await pilot.press(*"tiny:1b")
        tags_before = len(fake_ollama.requests_to("/api/tags"))
        await pilot.press("enter")
        jobs = app.backend.jobs
        await wait_until(lambda: jobs.jobs and not jobs.jobs[0].running, message="pull ended")
        await wait_until(lambda: "tiny:1b" in [m.name for m in screen.models], message="listed")
        await wait_until(lambda: notified(app, "Pull of tiny:1b done."))
        # Every progress line after the server's "success" used to say it again.
        assert notifications(app).count("Pull of tiny:1b done.") == 1
        assert len(fake_ollama.requests_to("/api/tags")) <= tags_before + 1


async def test_the_pull_dialog_shows_its_field_before_anything_is_typed(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _models(app, pilot)
        await press_for(pilot, "p", TextDialog)
        await pilot.pause()
        rows = screen_text(app).splitlines()
        question = next(i for i, row in enumerate(rows) if "Pull which model?" in row)
        # Empty, a compact field was only its cursor: a bar marks it, as in the forms.
        field = next(row for row in rows[question + 1 :] if row.strip(" │"))
        assert "▊" in field, "\n".join(rows)
        await pilot.press(*"tiny:1b")
        assert "▊ tiny:1b" in screen_text(app)


async def test_an_embedding_model_is_not_taken_for_a_chat(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model(
        "all-minilm:latest", details={"family": "bert"}, _show_capabilities=["embedding"]
    )
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _models(app, pilot)
        tabs_before = len(app.chat_views())
        _row_of(screen, "all-minilm:latest")
        for key in ("enter", "u"):  # a new chat with it, or this one
            await pilot.press(key)
            await wait_until(lambda: notified(app, "all-minilm:latest only makes embeddings"))
            assert "e compares texts' embeddings with it" in notifications(app)[-1]
            app.clear_notifications()
        assert isinstance(app.screen, ModelsScreen)
        assert len(app.chat_views()) == tabs_before
        assert current_view(app).conversation.settings.model == "llama3.2:latest"
