"""One list of keys: every binding of every screen and widget comes from it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import replace
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode

import ollama_tui.ui
from ollama_tui.cli import build_app, build_parser, settings_from_args
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.attach_image import AttachImageDialog
from ollama_tui.ui.dialogs.inspect_model import InspectScreen
from ollama_tui.ui.dialogs.settings import SettingsDialog
from ollama_tui.ui.dialogs.tool_approval import ToolApprovalDialog
from ollama_tui.ui.kit.keys import KEYS, REGISTRY, key_name
from ollama_tui.ui.screens.conversations import ConversationsScreen
from ollama_tui.ui.screens.help import HelpScreen
from ollama_tui.ui.screens.models import ModelsScreen
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, current_view, notified, press_for, ready, screen_text, wait_until
from tests.snapshots.steps import palette


def _classes_with_bindings() -> list[type[DOMNode]]:
    """Every screen, widget and the app under ollama_tui.ui that declares BINDINGS."""
    found = []
    for module_info in pkgutil.walk_packages(ollama_tui.ui.__path__, "ollama_tui.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
                and "BINDINGS" in vars(value)
            ):
                found.append(value)
    return found


def test_every_binding_comes_from_the_registry() -> None:
    classes = _classes_with_bindings()
    assert len(classes) >= 15, classes
    bound: set[str] = set()
    for holder in classes:
        for binding in vars(holder)["BINDINGS"]:
            assert isinstance(binding, Binding), (holder, binding)
            assert binding.id in REGISTRY, (holder.__name__, binding)
            assert binding == REGISTRY[binding.id].binding(), (holder.__name__, binding)
            places = {REGISTRY[b.id].place for b in vars(holder)["BINDINGS"]}
            assert len(places) == 1, (holder.__name__, places)
            bound.add(binding.id)
    # And every key of the registry is bound somewhere: no entry describes a key that is not.
    assert bound == {key.id for key in KEYS}
    assert len(KEYS) == len(REGISTRY)  # ids are unique


def _app_from_config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_ollama: FakeOllama,
    data_dir: Path,
    config: str,
) -> OllamaTuiApp:
    """The app as `ollama-tui` starts it with `config` as the user's config file (in the
    XDG config dir), against the fake server."""
    config_home = tmp_path / "xdg"
    (config_home / "ollama-tui").mkdir(parents=True)
    (config_home / "ollama-tui" / "config.toml").write_text(config, encoding="utf-8")
    monkeypatch.delenv("OLLAMA_TUI_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    settings = settings_from_args(build_parser().parse_args([]), {})
    assert settings.problems == ()
    settings = replace(settings, host=fake_ollama.url, data_dir=data_dir, reconnect_interval=0.2)
    return build_app(settings)


def _row(text: str, words: str) -> str:
    return next(row for row in text.splitlines() if words in row)


async def test_a_remapped_key_is_the_key_shown_in_f1_the_footer_and_the_palette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    config = '[keys]\n"app.new_tab" = "f9"\n"chat.attach" = "f8"\n"app.models" = "f10"\n'
    app = _app_from_config(tmp_path, monkeypatch, fake_ollama, data_dir, config)
    async with app.run_test(size=(160, 120)) as pilot:  # tall enough for all of F1
        await ready(app)
        footer = screen_text(app)
        assert "f9 New" in footer and "^n" not in footer, footer
        assert "f8 Files" in footer and "^t" not in footer, footer
        await pilot.press("f9")  # the key that works
        await wait_until(lambda: app.tabs.tab_count == 2, message="a tab from F9")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.tabs.tab_count == 2

        await press_for(pilot, "f1", HelpScreen)
        await pilot.pause()
        text = screen_text(app)
        assert re.search(r"F9 +New conversation tab", _row(text, "New conversation tab"))
        assert "F8" in _row(text, "Attach files")
        assert "Ctrl+N" not in text and "Ctrl+T" not in _row(text, "Attach files")
        assert "Models (F10)" in text and "Models (F3)" not in text
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, HelpScreen))

        await palette(pilot, "new conv")
        assert "Open a new tab (F9)" in screen_text(app)
        assert "Ctrl+N" not in screen_text(app)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, CommandPalette))
        await palette(pilot, "attach")
        assert "images for a vision model (F8)" in screen_text(app)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, CommandPalette))

        await press_for(pilot, "f8", AttachImageDialog)


def _distinct_default_names() -> set[str]:
    """The default keys' names that cannot be read as an ordinary word or letter: with a
    modifier, a function key, a page key."""
    names = set()
    for key in KEYS:
        for name in key.keys.split(","):
            if "+" in name or name in ("pageup", "pagedown") or name[1:].isdigit():
                names.add(key_name(name))
    # Textual's own palette key, which F1 lists among the keys of every screen.
    names.discard("Ctrl+P")
    return names


async def test_with_every_key_remapped_no_default_key_is_named(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    keymap = {key.id: f"super+{chr(ord('a') + n % 26)}" for n, key in enumerate(KEYS)}
    # Those pressed below, on keys a test can press that no key has by default (F8 measures
    # the server); F12 leaves each screen.
    keymap.update({"app.help": "f10", "app.models": "f11", "app.settings": "f9"})
    keymap.update({"app.conversations": "ctrl+f8", "models.inspect": "f7"})
    for leave in ("help", "models", "inspect", "settings.cancel", "browser"):
        keymap[f"{leave}.close" if "." not in leave else leave] = "f12"
    defaults = _distinct_default_names()
    assert {"Ctrl+N", "F3", "Alt+1", "Shift+Tab", "Ctrl+PageDown", "Ctrl+Z"} <= defaults

    def named(text: str) -> list[str]:
        return sorted(
            name for name in defaults if re.search(rf"(?<![\w+]){re.escape(name)}\b", text)
        )

    app = make_app(keymap=keymap)
    async with app.run_test(size=(160, 200)) as pilot:
        await ready(app)
        commands = " ".join(f"{c.title} {c.help}" for c in app.get_system_commands(app.screen))
        assert "Super+" in commands and named(commands) == []
        await press_for(pilot, "f10", HelpScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Super+" in text and named(text) == []
        await pilot.press("f12")
        await wait_until(lambda: not isinstance(app.screen, HelpScreen))
        models = await press_for(pilot, "f11", ModelsScreen)
        await wait_until(lambda: models.models, message="the models listed")
        commands = " ".join(f"{c.title} {c.help}" for c in app.get_system_commands(models))
        assert "Super+" in commands and named(commands) == []
        assert named(screen_text(app)) == []
        await press_for(pilot, "f7", InspectScreen)
        await wait_until(lambda: "Modelfile" in screen_text(app), message="the model's facts")
        assert named(screen_text(app)) == []
        await pilot.press("f12")
        await wait_until(lambda: app.screen is models)
        await pilot.press("f12")
        await wait_until(lambda: app.screen is app.screen_stack[0])
        for key, screen in (("f9", SettingsDialog), ("ctrl+f8", ConversationsScreen)):
            await press_for(pilot, key, screen)
            await pilot.pause()
            assert named(screen_text(app)) == [], screen
            await pilot.press("f12")
            await wait_until(lambda: app.screen is app.screen_stack[0])


async def test_an_unknown_id_in_the_config_is_named_with_the_ids_it_is_close_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    config = '[keys]\n"app.new_tabs" = "f9"\n"nothing.like.it" = "f8"\n"app.models" = "f10"\n'
    app = _app_from_config(tmp_path, monkeypatch, fake_ollama, data_dir, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert notified(
            app,
            "Unknown binding ids in the config's [keys]: "
            "app.new_tabs (did you mean app.new_tab?), nothing.like.it",
        )
        await press_for(pilot, "f10", ModelsScreen)  # the known ones still apply


async def test_the_help_key_rebound_is_the_help_key_of_the_saved_conversations_too(
    make_app: MakeApp,
) -> None:
    # The browser is modal, so it repeats the app's F1 as a binding of its own.
    app = make_app(keymap={"app.help": "f10"})
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await press_for(pilot, "ctrl+o", ConversationsScreen)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "f10 Keys" in footer and "f1 " not in footer, footer
        help_screen = await press_for(pilot, "f10", HelpScreen)
        assert help_screen.sections[0][0] == "Saved conversations (Ctrl+O)"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("plum\n")
    return folder.resolve()


async def test_the_approval_dialog_names_its_keys_as_rebound(
    make_app: MakeApp, fake_ollama: FakeOllama, project: Path
) -> None:
    fake_ollama.script_reply(
        "Reading.", tool_calls=[tool_call("read_file", {"path": "notes.txt"}, "call_1")]
    )
    fake_ollama.script_reply("Done.")
    keymap = {"approval.once": "o", "approval.deny": "x,escape"}
    app = make_app(
        keymap=keymap,
        conversation_defaults={"tools": ["read_file"]},
        tool_roots=(project,),
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await ready(app)
        await pilot.press(*"read notes.txt", "enter")
        await wait_until(lambda: isinstance(app.screen, ToolApprovalDialog))
        await wait_until(lambda: "allow once" in screen_text(app), message="the hint")
        hint = _row(screen_text(app), "allow once")
        assert "o: allow once" in hint and "x/Esc: deny" in hint, hint
        assert "y: allow once" not in hint and "n/Esc" not in hint, hint
        await pilot.press("o")  # and it is the key that works
        await wait_until(lambda: not isinstance(app.screen, ToolApprovalDialog))
        view = current_view(app)
        await wait_until(lambda: not view.is_streaming, timeout=10, message="the turn to end")
        await pilot.pause()
        assert "allowed once" in screen_text(app)
