"""Tabs: opening, closing, switching, several streaming at once, reopened at start."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    ask_until_text,
    current_view,
    drawn,
    last_reply,
    notifications,
    press_for,
    quit_app,
    ready,
    screen_text,
    session_file,
    wait_until,
)


async def test_new_close_and_switch_tabs(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        first = current_view(app)
        await pilot.press("ctrl+n")
        await pilot.press("ctrl+n")
        assert app.tabs.tab_count == 3
        third = current_view(app)
        assert third is not first
        assert app.focused is third.composer
        await pilot.press("alt+1")
        assert current_view(app) is first
        await pilot.press("ctrl+pageup")
        assert current_view(app) is third
        await pilot.press("ctrl+pagedown")
        assert current_view(app) is first
        await pilot.press("alt+right")
        second = current_view(app)
        assert second not in (first, third)
        await pilot.press("ctrl+w")
        assert app.tabs.tab_count == 2
        assert second not in app.chat_views()
        await pilot.press("ctrl+w", "ctrl+w")
        # Closing the last tab leaves a fresh one, never an empty window.
        assert app.tabs.tab_count == 1
        assert not current_view(app).conversation.messages
    # Tabs never used leave no file.
    assert not list((data_dir / "sessions").glob("*.json"))


async def test_replies_stream_in_two_tabs_at_once(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    hold_a, hold_b = threading.Event(), threading.Event()
    fake_ollama.script_reply(["alpha ", "one ", "two"], hold=hold_a, hold_after=1)
    fake_ollama.script_reply(["beta ", "three ", "four"], hold=hold_b, hold_after=1)
    app = make_app()
    try:
        async with app.run_test() as pilot:
            await ready(app)
            tab_a = current_view(app)
            await pilot.press(*"first question", "enter")
            await wait_until(lambda: last_reply(tab_a))
            await pilot.press("ctrl+n")
            tab_b = current_view(app)
            await wait_until(lambda: tab_b.conversation.settings.model)
            await pilot.press(*"second question", "enter")
            await wait_until(lambda: last_reply(tab_b))
            await wait_until(lambda: "alpha" in drawn(tab_a, last_reply(tab_a)))
            await wait_until(lambda: "beta" in drawn(tab_b, last_reply(tab_b)))
            assert tab_a.is_streaming and tab_b.is_streaming
            assert "●" in str(app.tabs.get_tab(f"c-{tab_a.conversation.id}").label)
            # The composer of the visible tab still takes typing while both stream.
            await pilot.press(*"typing")
            assert tab_b.composer.text == "typing"
            hold_b.set()
            await wait_until(lambda: not tab_b.is_streaming)
            assert tab_a.is_streaming
            hold_a.set()
            await wait_until(lambda: not tab_a.is_streaming)
    finally:
        hold_a.set()
        hold_b.set()
    a = json.loads(session_file(data_dir, tab_a.conversation.id).read_text())
    b = json.loads(session_file(data_dir, tab_b.conversation.id).read_text())
    assert a["messages"][-1]["content"] == "alpha one two"
    assert b["messages"][-1]["content"] == "beta three four"


async def test_open_tabs_come_back_at_the_next_start(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        first = current_view(app)
        await ask(pilot, first, "one")
        await pilot.press("ctrl+n")
        await wait_until(lambda: current_view(app).conversation.settings.model)
        second = current_view(app)
        await ask(pilot, second, "two")
        await pilot.press("ctrl+n")  # an unused tab is not remembered
        await pilot.press("alt+1")
        await quit_app(pilot)
    assert app.return_code == 0

    again = make_app()
    async with again.run_test() as pilot:
        await wait_until(lambda: again.tabs.tab_count == 2)
        titles = [view.conversation.title for view in again.chat_views()]
        assert titles == ["one", "two"]
        assert current_view(again).conversation.id == first.conversation.id
        view = current_view(again)
        assert "Echo: one" in drawn(view, last_reply(view))


async def test_quit_while_streaming_saves_the_reply_as_interrupted(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["so far ", "and more"], hold=hold, hold_after=1)
    app = make_app()
    try:
        async with app.run_test() as pilot:
            view = await ready(app)
            await ask_until_text(pilot, view, "question", "so far")
            await quit_app(pilot)
    finally:
        hold.set()
    assert app.return_code == 0
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][-1]["status"] == "interrupted"
    assert saved["messages"][-1]["content"] == "so far "


async def test_closing_a_streaming_tab_saves_the_reply_and_frees_the_conversation(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    from ollama_tui.store import SessionStore

    hold = threading.Event()
    fake_ollama.script_reply(["kept ", "lost"], hold=hold, hold_after=1)
    app = make_app()
    try:
        async with app.run_test() as pilot:
            view = await ready(app)
            await ask_until_text(pilot, view, "question", "kept")
            await pilot.press("ctrl+w")
            assert view not in app.chat_views()
            await fake_ollama.async_disconnect_time("/api/chat")
            saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
            assert saved["messages"][-1]["status"] == "interrupted"
            assert saved["messages"][-1]["content"] == "kept "
            # Another instance may now write it.
            other = SessionStore(data_dir)
            assert other.load(view.conversation.id).read_only_reason is None
            other.close()
    finally:
        hold.set()


async def test_an_unreadable_tab_is_reported_at_start_and_left_alone(
    make_app: MakeApp, data_dir: Path
) -> None:
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True)
    broken = sessions / "01BROKEN.json"
    broken.write_bytes(b"{half a file")
    (data_dir / "workspace.json").write_text('{"open_tabs": ["01BROKEN"]}')
    app = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        await pilot.pause()
        messages = notifications(app)
        assert any("01BROKEN.json" in m and "not valid JSON" in m for m in messages)
        assert app.tabs.tab_count == 1 and not current_view(app).conversation.messages
        await quit_app(pilot)
    assert broken.read_bytes() == b"{half a file"


async def test_tab_keys_in_a_dialog_or_screen_leave_the_tabs_behind_it_alone(
    make_app: MakeApp,
) -> None:
    """Ctrl+W in the picker's filter deletes a word there; it used to close the tab behind
    the picker, unseen. The same for Ctrl+N, Alt+2 and F4 on the saved conversations."""
    from ollama_tui.ui.dialogs.model_picker import FilterInput, ModelPickerScreen
    from ollama_tui.ui.screens.conversations import ConversationsScreen

    app = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        await pilot.press("ctrl+n")
        assert app.tabs.tab_count == 2
        second = current_view(app)
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await pilot.press(*"llama three")
        await pilot.press("ctrl+w", "ctrl+n", "alt+1", "f4", "f5")
        assert app.screen is picker
        assert picker.query_one(FilterInput).value == "llama "  # Ctrl+W took the word
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        assert app.tabs.tab_count == 2 and current_view(app) is second
        # The footer left the tab keys out while they did nothing; they are back.
        await wait_until(lambda: " Close " in screen_text(app).splitlines()[-2])

        browser = await press_for(pilot, "ctrl+o", ConversationsScreen)
        await pilot.press("ctrl+w", "ctrl+n", "alt+1", "ctrl+pageup")
        assert app.screen_stack[-1] is browser
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ConversationsScreen))
        assert app.tabs.tab_count == 2 and current_view(app) is second
        await pilot.press("ctrl+w")  # and on the tabs themselves, it closes one as before
        await wait_until(lambda: app.tabs.tab_count == 1)
