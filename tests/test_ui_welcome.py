"""The empty conversation says where the user is: model and host, the keys that matter,
and the latest saved conversations to reopen; it gives way to the first prompt."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ollama_tui.domain.conversation import Conversation, Message
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ask, current_view, press_for, ready, screen_text, wait_until

NOW = datetime.now(timezone.utc)


def _save(data_dir: Path, title: str, hours_ago: int) -> Conversation:
    conversation = Conversation(title=title)
    conversation.settings.model = "llama3.2:latest"
    conversation.messages.append(Message.user(f"About {title}"))
    conversation.updated_at = NOW - timedelta(hours=hours_ago)
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700, exist_ok=True)
    (sessions / f"{conversation.id}.json").write_text(json.dumps(conversation.to_json_dict()))
    return conversation


def _rows_with(app: OllamaTuiApp, text: str) -> list[str]:
    return [row for row in screen_text(app).splitlines() if text in row]


async def test_an_empty_conversation_shows_model_host_keys_and_recent_ones_to_reopen(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    saved = [_save(data_dir, f"Saved number {n}", hours_ago=n) for n in range(1, 8)]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await wait_until(
            lambda: "Saved number 1" in screen_text(app), message="the recent conversations"
        )
        text = screen_text(app)
        host = fake_ollama.url.removeprefix("http://").rstrip("/")
        assert _rows_with(app, "llama3.2:latest") and _rows_with(app, host)
        assert any("llama3.2:latest" in row and host in row for row in text.splitlines())
        for key, what in [
            ("Enter", "send"),
            ("Ctrl+L", "model"),
            ("Ctrl+O", "saved conversations"),
            ("F1", "every key"),
        ]:
            assert any(key in row and what in row for row in text.splitlines()), (key, text)
        # The five latest, newest first; the older ones are a Ctrl+O away.
        shown = [n for n in range(1, 8) if f"Saved number {n}" in text]
        assert shown == [1, 2, 3, 4, 5]
        assert text.index("Saved number 1") < text.index("Saved number 2")
        assert "1 h ago" in _rows_with(app, "Saved number 1")[0]
        # Tab to the list, Down to the second, Enter opens it in a tab of its own.
        first_view = current_view(app)
        await pilot.press("tab", "down", "enter")
        await wait_until(
            lambda: (
                app.current_view is not None and current_view(app).conversation.id == saved[1].id
            ),
            message="the second conversation opened",
        )
        await wait_until(lambda: "About Saved number 2" in screen_text(app))
        assert "Recent conversations" not in screen_text(app)  # not on a conversation
        # Back in the empty tab, the first prompt takes the place of the welcome.
        await pilot.press("ctrl+pageup")
        await wait_until(lambda: current_view(app) is first_view)
        await wait_until(lambda: "Saved number 1" in screen_text(app))
        await ask(pilot, first_view, "hello")
        await pilot.pause()
        text = screen_text(app)
        assert "Echo: hello" in text
        assert "Saved number 1" not in text and "Ctrl+O" not in text.split("Echo: hello")[0]


async def test_the_keys_shown_are_the_keys_bound(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app(keymap={"app.pick_model": "ctrl+b", "app.help": "f2"})
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await wait_until(lambda: "No saved conversations yet" in screen_text(app))
        rows = screen_text(app).splitlines()
        assert any("Ctrl+B" in row and "model" in row for row in rows)
        assert any("F2" in row and "every key" in row for row in rows)
        assert not any("Ctrl+L" in row for row in rows)
        await press_for(pilot, "ctrl+b", ModelPickerScreen)  # and it is the key that works


async def test_a_new_tab_lists_the_conversation_just_written(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await wait_until(lambda: "No saved conversations yet" in screen_text(app))
        await ask(pilot, current_view(app), "What is a quark?")
        await pilot.press("ctrl+n")
        await wait_until(
            lambda: (
                "What is a quark?" in screen_text(app)
                and "Recent conversations" in screen_text(app)
            ),
            message="the conversation of the first tab among the recent ones",
        )
