"""The trash view of the saved-conversations browser (Ctrl+O, then Ctrl+T), driven by keys."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.basic import ConfirmDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.pilot import MakeApp, press_for, ready, screen_text, wait_until
from tests.test_ui_conversations import _save


async def _browse(app: OllamaTuiApp, pilot: Pilot[None]) -> ConversationsScreen:
    await ready(app)
    screen = await press_for(pilot, "ctrl+o", ConversationsScreen)
    await wait_until(lambda: "Apple pie" in screen_text(app), message="the list")
    return screen


def _footer(app: OllamaTuiApp) -> str:
    return screen_text(app).splitlines()[-1]


async def test_back_from_an_empty_trash_searches_again(make_app: MakeApp, data_dir: Path) -> None:
    _save(data_dir, "Apple pie", "crust")
    _save(data_dir, "Banana bread", "loaf")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _browse(app, pilot)
        await pilot.press("ctrl+t")
        await wait_until(lambda: "0 in the trash" in screen_text(app), message="the trash")
        await pilot.press("ctrl+t")
        await wait_until(lambda: "Saved conversations" in screen_text(app), message="back")
        assert "Trash" not in screen_text(app).splitlines()[2]
        await pilot.press(*"banana")
        await wait_until(lambda: "1 of 2 conversations" in screen_text(app), message="found")
        assert "Banana bread" in screen_text(app) and "Apple pie" not in screen_text(app)


async def test_back_from_a_trash_keeps_the_first_query_typed(
    make_app: MakeApp, data_dir: Path
) -> None:
    _save(data_dir, "Apple pie", "crust")
    _save(data_dir, "Banana bread", "loaf")
    _save(data_dir, "Cherry tart", "stones")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _browse(app, pilot)
        await pilot.press(*"cherry")
        await wait_until(lambda: "1 of 3" in screen_text(app), message="cherry found")
        await press_for(pilot, "ctrl+d", ConfirmDialog)
        await pilot.press("enter")
        await wait_until(lambda: "Nothing matches" in screen_text(app), message="deleted")
        await pilot.press("ctrl+t")
        await wait_until(lambda: "1 in the trash" in screen_text(app), message="the trash")
        await pilot.press("ctrl+t")
        await wait_until(lambda: "Saved conversations" in screen_text(app), message="back")
        await pilot.press(*"apple")
        await wait_until(lambda: "1 of 2 conversations" in screen_text(app), message="apple")
        assert "apple" in screen_text(app) and "Banana" not in screen_text(app)


async def test_the_trash_footer_shows_only_keys_that_work_there(
    make_app: MakeApp, data_dir: Path
) -> None:
    _save(data_dir, "Apple pie", "crust")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await _browse(app, pilot)
        await press_for(pilot, "ctrl+d", ConfirmDialog)
        await pilot.press("enter")
        await wait_until(lambda: "Undo" in _footer(app), message="undo offered")
        await pilot.press("ctrl+t")
        await wait_until(lambda: "1 in the trash" in screen_text(app), message="the trash")
        footer = _footer(app)
        assert "Delete" not in footer and "Undo" not in footer and "Open" not in footer
        assert "Restore" in footer and "Empty trash" in footer
