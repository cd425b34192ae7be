"""Theme files: the shipped ones load, a broken one is reported and skipped."""

from __future__ import annotations

from pathlib import Path

from ollama_tui.config import sixteen_colours
from ollama_tui.ui.dialogs.basic import ConfirmDialog
from ollama_tui.ui.kit.themes import load_themes, shipped_theme_dirs
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ask, current_view, press_for, ready, wait_until

SHIPPED = {
    "ollama-dark",
    "ollama-light",
    "ollama-high-contrast",
    "ollama-16",
    "ollama-midnight",
    "ollama-solar-light",
}


def test_shipped_themes_are_valid() -> None:
    themes, problems = load_themes(shipped_theme_dirs())
    assert problems == []
    assert {theme.name for theme in themes} == SHIPPED
    assert any(not theme.dark for theme in themes) and any(theme.ansi for theme in themes)


async def test_every_shipped_theme_draws_the_screens_and_dialogs(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    # Deleting the open conversation from the browser closes its tab, and the new tab's
    # composer is first drawn under the dialog: with the 16-colour theme that crashed once
    # (Textual hands the theme's surface colour to Rich, which knew no "ansi_default").
    # Every theme draws the transcript and a dialog; that path runs in a dark, a light and
    # the 16-colour one (each run takes seconds).
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await ask(pilot, current_view(app), "**bold** and `code`")
        for theme in sorted(SHIPPED):
            app.theme = theme
            await press_for(pilot, "ctrl+o", ConversationsScreen)
            if theme in ("ollama-16", "ollama-solar-light", "ollama-dark"):
                await press_for(pilot, "ctrl+d", ConfirmDialog)
                await pilot.press("enter")
                await wait_until(lambda: not app.screen.query(ConfirmDialog) and app.tabs.tab_count)
            await pilot.press("escape")
            await pilot.pause()
            assert app.return_code is None, f"{theme} broke the app"
            if not current_view(app).has_messages:
                await ask(pilot, current_view(app), "**bold** and `code`")


def test_sixteen_colours_are_judged_as_rich_judges_them() -> None:
    assert sixteen_colours({"TERM": "xterm"})
    assert sixteen_colours({"TERM": "linux"})
    assert not sixteen_colours({"TERM": "xterm-256color"})
    assert not sixteen_colours({"TERM": "xterm", "COLORTERM": "truecolor"})
    assert sixteen_colours({"TERM": "xterm-256color", "TEXTUAL_COLOR_SYSTEM": "standard"})
    assert not sixteen_colours({"TERM": "dumb"})


def test_a_broken_theme_is_reported_once_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#123456"\n')
    (tmp_path / "bad-colour.toml").write_text('name = "bad"\nprimary = "not-a-color"\n')
    (tmp_path / "bad-key.toml").write_text('name = "odd"\nprimary = "#fff"\nsparkle = 1\n')
    (tmp_path / "bad-toml.toml").write_text("name = \n")
    # Textual's theme list parses a name as markup: `[/]` crashed the app when it opened.
    (tmp_path / "bad-name.toml").write_text('name = "a[/]b\\u001b]0;x"\nprimary = "#fff"\n')
    themes, problems = load_themes([tmp_path])
    assert [theme.name for theme in themes] == ["good"]
    assert len(problems) == 4
    assert any("not-a-color" in problem for problem in problems)
    assert any("sparkle" in problem for problem in problems)
    assert any("'a[/]b\\x1b]0;x' may hold only" in problem for problem in problems)
