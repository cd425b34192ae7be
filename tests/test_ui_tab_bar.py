"""The tab bar when there are more tabs than fit: the active one is always on screen, and the
bar says how many are hidden on each side."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ollama_tui.ui.app import OllamaTuiApp
from tests.pilot import MakeApp, ready, screen_text, wait_until
from tests.test_ui_conversations import _save


def _tab_row(app: OllamaTuiApp) -> str:
    return screen_text(app).splitlines()[0]


async def test_the_active_tab_is_on_screen_and_hidden_tabs_are_counted(
    make_app: MakeApp, data_dir: Path
) -> None:
    ids = [_save(data_dir, f"Topic number {n}", "text").id for n in range(1, 10)]
    workspace = {"open_tabs": ids, "active_tab": ids[-1]}
    (data_dir / "workspace.json").write_text(json.dumps(workspace))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        # At start the active tab is the last one.
        await wait_until(lambda: "Topic number 9" in _tab_row(app), message="the last tab")
        assert re.search(r"◂\d", _tab_row(app)) and "▸" not in _tab_row(app)
        await pilot.press("ctrl+pagedown")  # round to the first
        await wait_until(lambda: "Topic number 1" in _tab_row(app), message="the first tab")
        assert re.search(r"\d▸", _tab_row(app)) and "◂" not in _tab_row(app)
        await pilot.press("alt+5")
        await wait_until(lambda: "Topic number 5" in _tab_row(app), message="the fifth tab")
        await pilot.press("ctrl+n")  # a new tab, at the end
        await wait_until(lambda: "New conversation" in _tab_row(app), message="the new tab")
        assert re.search(r"◂\d", _tab_row(app))
        await pilot.press("ctrl+pageup")
        await wait_until(lambda: "Topic number 9" in _tab_row(app), message="back one")


async def test_no_count_when_every_tab_fits(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await pilot.press("ctrl+n")
        await wait_until(lambda: _tab_row(app).count("New conversation") == 2)
        assert "◂" not in _tab_row(app) and "▸" not in _tab_row(app)
