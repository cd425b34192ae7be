"""`/set verbose|quiet`, `/set wordwrap|nowordwrap` and `/set history|nohistory`: each the
same change the settings dialog (F4) makes, saved in the file, shown in F4 and on screen."""

from __future__ import annotations

import json
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Select

from ollama_tui.domain.conversation import Conversation, ConversationSettings, Message, Role
from ollama_tui.services.conversation_options import SettingsForm
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.transcript import CUT_MARK
from ollama_tui.ui.dialogs.settings import SettingsDialog
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    drawn,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

LONG_LINE = "start " + "word " * 60 + "THEEND"


async def type_line(pilot: Pilot[None], line: str) -> None:
    await pilot.press(*line, "enter")
    await pilot.pause()


def saved_settings(data_dir: Path, conversation_id: str) -> dict[str, object]:
    saved = json.loads(session_file(data_dir, conversation_id).read_text())
    settings = saved["settings"]
    assert isinstance(settings, dict)
    return settings


async def choose_in_f4(app: OllamaTuiApp, pilot: Pilot[None], field: str, choice: str) -> None:
    """Open F4, Tab to `field`, open its list, move to `choice`, Enter, and save."""
    dialog = await press_for(pilot, "f4", SettingsDialog)
    for _ in range(40):
        if app.focused is not None and app.focused.id == field:
            break
        await pilot.press("tab")
    select = dialog.query_one(f"#{field}", Select)
    assert app.focused is select, f"Tab never reached {field}"
    await pilot.press("enter")
    for _ in range(5):
        if select.value == choice:
            break
        await pilot.press("down", "enter")
        if select.value != choice:
            await pilot.press("enter")
    assert select.value == choice
    await pilot.press("ctrl+s")
    await wait_until(lambda: not isinstance(app.screen, SettingsDialog), message="F4 closed")


async def f4_shows(app: OllamaTuiApp, pilot: Pilot[None], values: dict[str, str]) -> None:
    dialog = await press_for(pilot, "f4", SettingsDialog)
    for field, value in values.items():
        assert dialog.query_one(f"#{field}", Select).value == value, field
    await pilot.press("escape")
    await wait_until(lambda: not isinstance(app.screen, SettingsDialog))


async def test_verbose_and_quiet_change_the_line_under_replies(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        reply = await ask(pilot, view, "Hi")
        assert "token" in drawn(view, reply) and "load" not in drawn(view, reply)
        await type_line(pilot, "/set verbose")
        await wait_until(lambda: notified(app, "Replies show the server's timings."))
        await wait_until(lambda: "total 1.23 s · load 0.01 s" in screen_text(app))
        assert "prompt 26 tokens in 0.13 s (200.0 tok/s)" in screen_text(app)
        assert saved_settings(data_dir, view.conversation.id)["verbose"] is True
        await f4_shows(app, pilot, {"stats": "verbose"})
        await type_line(pilot, "/set quiet")
        await wait_until(lambda: "total 1.23 s" not in screen_text(app))
        assert "token" not in drawn(view, reply) and "llama3.2:latest" in drawn(view, reply)
        assert saved_settings(data_dir, view.conversation.id)["verbose"] is False
        await f4_shows(app, pilot, {"stats": "quiet"})
        # Changed in F4: what /set verbose would have done.
        await choose_in_f4(app, pilot, "stats", "verbose")
        await wait_until(lambda: "total 1.23 s" in screen_text(app))
        assert saved_settings(data_dir, view.conversation.id)["verbose"] is True


async def test_nowordwrap_cuts_long_lines_with_a_mark(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        fake_ollama.script_reply(LONG_LINE)
        await ask(pilot, view, "long")
        await wait_until(lambda: "THEEND" in screen_text(app), message="wrapped: all shown")
        await type_line(pilot, "/set nowordwrap")
        await wait_until(lambda: "THEEND" not in screen_text(app), message="cut")
        row = next(line for line in screen_text(app).splitlines() if "start word" in line)
        assert row.rstrip().endswith(CUT_MARK) and "word" in row
        assert saved_settings(data_dir, view.conversation.id)["wordwrap"] is False
        await f4_shows(app, pilot, {"wordwrap": "no wrap"})
        await choose_in_f4(app, pilot, "wordwrap", "wrap")
        await wait_until(lambda: "THEEND" in screen_text(app), message="wrapped again")
        assert saved_settings(data_dir, view.conversation.id)["wordwrap"] is None


async def test_history_is_shown_and_changed_in_f4(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "one")
        await f4_shows(app, pilot, {"history": "whole conversation"})
        await type_line(pilot, "/set nohistory")
        await f4_shows(app, pilot, {"history": "last prompt only"})
        await choose_in_f4(app, pilot, "history", "whole conversation")
        assert saved_settings(data_dir, view.conversation.id)["history"] is None
        await ask(pilot, view, "two")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"] if m["role"] == "user"] == ["one", "two"]
        await choose_in_f4(app, pilot, "history", "last prompt only")
        assert saved_settings(data_dir, view.conversation.id)["history"] is False
        await ask(pilot, view, "three")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"]] == ["three"]


def test_every_set_word_round_trips_through_the_form() -> None:
    """Each `/set` switch lands in the field F4 shows, and the form writes it back."""
    from ollama_tui.services.slash import SWITCHES, apply_set

    for word, (field, value, _said) in SWITCHES.items():
        settings = ConversationSettings(model="m")
        apply_set(settings, word)
        form = SettingsForm.of(settings)
        assert getattr(form, field) == value, word
        again = ConversationSettings(model="m")
        form.apply_to(again)
        assert again == settings, word


def test_old_and_hostile_files_load_with_the_usual_display() -> None:
    old = Conversation.read({"settings": {"model": "m"}, "messages": []})
    assert (old.settings.verbose, old.settings.wordwrap, old.settings.history) == (None,) * 3
    hostile = Conversation.read(
        {"settings": {"verbose": "\x1b[2J", "wordwrap": 7, "history": ["x"]}, "messages": []}
    )
    assert (hostile.settings.verbose, hostile.settings.wordwrap) == (None, None)
    assert hostile.settings.history is None
    message = Message(role=Role.USER, content="x")
    assert "verbose" not in message.to_json_dict()


async def test_a_line_streaming_past_the_edge_gets_its_mark(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    """With word wrap off, a line that grows past the edge while it streams shows the mark as
    soon as it does, though the cells before the edge did not change."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/set nowordwrap")
        # The reply's margin is 2 cells and the transcript's padding 1 each side: 74 fill it.
        fake_ollama.script_reply(["x" * 73 + "y", " and more past the edge"], tokens_per_second=4)
        await pilot.press(*"go", "enter")
        await wait_until(lambda: "y" in screen_text(app) and "xxxx" in screen_text(app))
        await wait_until(lambda: not view.is_streaming, timeout=10)
        row = next(line for line in screen_text(app).splitlines() if "xxxx" in line)
        assert row.rstrip().endswith(CUT_MARK), row
