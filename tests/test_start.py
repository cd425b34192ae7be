"""Start-up pays only for what the first frame draws: the screens and dialogs behind a key
(models, saved conversations, help, settings, the model picker...) are imported when that
key is first pressed, not when the app is imported or started; and the first screen is
styled once, in its theme, not styled and then styled again when the theme is set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from textual.app import App

from ollama_tui.ui.app import OllamaTuiApp
from tests.pilot import MakeApp, ready

OPENED_LATER = (
    "ollama_tui.ui.screens.models",
    "ollama_tui.ui.screens.conversations",
    "ollama_tui.ui.screens.help",
    "ollama_tui.ui.dialogs.settings",
    "ollama_tui.ui.dialogs.model_picker",
    "ollama_tui.ui.dialogs.create_model",
    "ollama_tui.ui.dialogs.embeddings",
    "ollama_tui.ui.dialogs.inspect_model",
    "ollama_tui.ui.dialogs.pull_offer",
    "ollama_tui.ui.dialogs.attach_image",
    "ollama_tui.ui.widgets.form",
    "ollama_tui.ui.widgets.entry_list",
    "textual.widgets._data_table",
)
"""Modules only a key press needs (each of them a screen, a dialog or one of their parts)."""


def _modules_after(script: str) -> set[str]:
    listing = "import sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", f"{script}\n{listing}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_app_leaves_the_screens_and_dialogs_for_later() -> None:
    loaded = _modules_after("import ollama_tui.ui.app")
    assert sorted(set(OPENED_LATER) & loaded) == []


def test_the_first_frame_leaves_the_screens_and_dialogs_for_later(tmp_path: Path) -> None:
    # A new conversation on its first frame; the server is unreachable, so nothing it says
    # (models, a missing model) opens anything either.
    script = f"""
import asyncio
from pathlib import Path
from ollama_tui.cli import build_app
from ollama_tui.config import Settings

async def first_frame():
    app = build_app(Settings(host="http://127.0.0.1:9", data_dir=Path({str(tmp_path)!r})))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.query("#composer")

asyncio.run(first_frame())
"""
    loaded = _modules_after(script)
    assert sorted(set(OPENED_LATER) & loaded) == []


async def test_the_first_screen_is_styled_once_in_its_theme(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    restyled: list[int] = []
    refresh_css = App.refresh_css

    def counted(app: App[object], animate: bool = True) -> None:
        if app.screen_stack and app.screen.children:
            restyled.append(len(app.screen.children))  # every widget there styled again
        refresh_css(app, animate)

    monkeypatch.setattr(App, "refresh_css", counted)
    app: OllamaTuiApp = make_app(theme="ollama-16")
    async with app.run_test() as pilot:
        await ready(app)
        await pilot.pause()
        assert app.theme == "ollama-16"
        assert restyled == []
