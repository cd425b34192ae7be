"""Every screen's keys can be found in an 80x24 terminal: the footer shows what fits, always
with F1 and Ctrl+P; F1 lists the keys of the screen it was opened from first; the palette
lists that screen's actions; the models table fits."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.basic import TextDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from ollama_tui.ui.screens.help import HelpScreen
from ollama_tui.ui.screens.models import ModelsScreen
from tests.pilot import MakeApp, press_for, ready, screen_text, wait_until
from tests.test_ui_conversations import _save


def _rows(app: OllamaTuiApp) -> list[str]:
    return screen_text(app).splitlines()


def _footer(app: OllamaTuiApp, row: int = -1) -> str:
    return _rows(app)[row]


def _whole_keys_only(footer: str) -> None:
    """Every key shown has its whole label: the footer ends with the palette key, not with a
    label cut in the middle."""
    assert footer.rstrip().endswith("^p palette"), footer
    assert "f1 Keys" in footer, footer


async def _models(app: OllamaTuiApp, pilot: Pilot[None]) -> ModelsScreen:
    await ready(app)
    screen = await press_for(pilot, "f3", ModelsScreen)
    await wait_until(lambda: screen.models, message="the models listed")
    await wait_until(lambda: "qwen2.5:0.5b" in screen_text(app), message="the table")
    return screen


async def test_the_models_footer_at_80_columns(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _models(app, pilot)
        footer = _footer(app)
        _whole_keys_only(footer)
        assert "Inspect" in footer and "Load" in footer


async def test_the_models_table_fits_80_columns(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _models(app, pilot)
        header = next(row for row in _rows(app) if row.lstrip().startswith("Name"))
        for column in ("Size", "Params", "Memory", "GPU", "Context", "Unloads"):
            assert column in header, header
        assert all(len(row.rstrip()) <= 80 for row in _rows(app))
        await pilot.resize_terminal(140, 30)
        await wait_until(lambda: "Family" in screen_text(app), message="all the columns")
        assert screen.is_current


async def test_f1_from_the_models_screen_lists_its_keys_first(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _models(app, pilot)
        help_screen = await press_for(pilot, "f1", HelpScreen)
        assert [title for title, _ in help_screen.sections][:2] == ["Models (F3)", "Everywhere"]
        text = screen_text(app)
        for words in ("Models (F3)", "Load into memory now", "Free its memory now", "Compare"):
            assert words in text, words


async def test_f1_from_the_chat_still_has_a_models_section(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        help_screen = await press_for(pilot, "f1", HelpScreen)
        titles = [title for title, _ in help_screen.sections]
        assert titles[0] == "Everywhere" and "Models (F3)" in titles


async def test_the_palette_on_the_models_screen_lists_its_actions(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _models(app, pilot)
        await press_for(pilot, "ctrl+p", CommandPalette)
        await pilot.press(*"load")
        await wait_until(lambda: "Load into memory now" in screen_text(app), message="Load")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, TextDialog), message="the load dialog")
        assert "keep it for" in screen_text(app)
        await pilot.press("escape")
        await press_for(pilot, "ctrl+p", CommandPalette)
        await pilot.press(*"regenerate")
        await wait_until(lambda: "No matches" in screen_text(app), message="searched")
        assert "Regenerate reply" not in screen_text(app)  # a chat action: not here
        await pilot.press("escape")  # its search worker ends with it
        await wait_until(lambda: isinstance(app.screen, ModelsScreen), message="closed")


async def test_the_chat_footer_at_80_columns(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)):
        await ready(app)
        await wait_until(lambda: "Send" in _footer(app, -2), message="the footer")
        _whole_keys_only(_footer(app, -2))


async def test_the_browser_footer_at_80_columns(make_app: MakeApp, data_dir: Path) -> None:
    _save(data_dir, "Apple pie", "crust")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "ctrl+o", ConversationsScreen)
        await wait_until(lambda: "Apple pie" in screen_text(app), message="the list")
        _whole_keys_only(_footer(app))
        help_screen = await press_for(pilot, "f1", HelpScreen)
        assert help_screen.sections[0][0] == "Saved conversations (Ctrl+O)"
        assert "Saved conversations (Ctrl+O)" in screen_text(app)
