"""F1 lists every key; Ctrl+P offers every action."""

from __future__ import annotations

from textual.binding import Binding
from textual.command import CommandPalette

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.chat.composer import Composer
from ollama_tui.ui.screens.help import HelpScreen
from tests.pilot import MakeApp, press_for, ready, screen_text, wait_until


async def test_f1_lists_every_key(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await ready(app)
        await press_for(pilot, "f1", HelpScreen)
        await pilot.pause()
        text = screen_text(app)
        for binding in [*OllamaTuiApp.BINDINGS, *ChatView.BINDINGS, *Composer.BINDINGS]:
            assert isinstance(binding, Binding)
            if not (binding.id or "").startswith("app.tab_"):
                assert (binding.tooltip or binding.description) in text, binding.description
        assert "Go to tab N" in text
        for keys in (
            "Ctrl+N",
            "Ctrl+W",
            "Ctrl+PageDown",
            "Alt+1 … Alt+9",
            "Ctrl+L",
            "Ctrl+J",
            "Ctrl+G",
            "Esc",
            "Ctrl+Q",
            "Ctrl+P",
            "Ctrl+R",
            "Ctrl+Up",
            "Ctrl+End",
        ):
            assert keys in text, keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_offers_the_actions(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("New conversation", "Close conversation", "Choose model", "Help", "Quit"):
            assert title in titles
        await press_for(pilot, "ctrl+p", CommandPalette)
        await pilot.press(*"new conv", "enter")
        await wait_until(lambda: app.tabs.tab_count == 2)


async def test_at_80_columns_a_long_description_wraps_under_itself(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "f1", HelpScreen)
        await pilot.pause()
        rows = screen_text(app).splitlines()
        first = next(row for row in rows if "Ctrl+O" in row and "Saved conversations" in row)
        column = first.index("Saved conversations")
        following = rows[rows.index(first) + 1]
        # The rest of the sentence starts under its beginning, not under the keys.
        assert following[:column].strip(" │") == "", following
        assert following[column : column + 1].strip(), following


async def test_at_80x24_the_end_of_the_keys_can_be_read(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "f1", HelpScreen)
        await pilot.press("end")
        # The list used to be taller than the dialog by its title: its last lines never
        # came into view, however far it scrolled.
        await wait_until(lambda: "while dragging." in screen_text(app), message="the last line")
