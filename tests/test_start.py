"""Start-up pays only for what the first frame draws: the screens and dialogs behind a key
(models, saved conversations, help, settings, the model picker...) are imported when that
key is first pressed, not when the app is imported or started; the first screen is styled
once, in its theme, not styled and then styled again when the theme is set; and it is drawn
by its first layout, with its tabs in it and the one active at the last quit shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import RenderableType
from textual import events
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import OptionList

from ollama_tui.cli import build_app
from ollama_tui.config import Settings
from ollama_tui.domain.conversation import Conversation, Message
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.screens.workspace import WorkspaceScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, notified, ready, screen_text, wait_until

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

STARTED_LATER = (
    "ollama_tui.ui.chat.compare_view",
    "ollama_tui.ui.widgets.pull_panel",
    "textual.widgets._progress_bar",
    "ollama_tui.services.throughput",
    "ollama_tui.domain.html_text",
    "html.parser",
)
"""What a comparison, a pull of a missing model, a throughput test or a fetched page needs
(and the saved conversations list, for the tests it lists): the first frame has none."""

DRAWN_LATER = ("markdown_it", "rich.markdown", "pygments.lexers.python")
"""What drawing a reply needs (a new conversation draws none): loaded after the first frame,
off the loop, so that neither start-up nor the first Enter pays for it. (Pygments and Rich's Syntax
come with httpx, whose command line imports them, on the first request after that frame.)"""

TYPED_LATER = (
    "ollama_tui.ui.chat.slash_commands",
    "ollama_tui.services.slash",
    "ollama_tui.services.path_completion",
    "ollama_tui.services.text_files",
    "ollama_tui.services.images",
    "ollama_tui.services.compaction",
    "ollama_tui.services.tools.loop",
)
"""What typing and sending need beyond the first frame (slash commands, attachments,
compacting, the tool rounds of a reply): loaded after it, off the loop, like the renderer."""

VALIDATED_LATER = ("pydantic", "ollama_tui.api.wire")
"""The validation library and the wire's models, which only answers from a server need: a
conversation is read without them (`domain.json_fields`), and they load on the connecting
thread after the first frame, before the first request."""

LOADED_LATER = (*TYPED_LATER, "ollama_tui.services.compare", "ollama_tui.api.mcp_client")
"""Of this package, what a new conversation's first frame does without (the last two come
with a comparison and with an MCP server configured)."""


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
    assert sorted(set(OPENED_LATER + STARTED_LATER + DRAWN_LATER) & loaded) == []


def test_the_first_frame_leaves_the_screens_and_dialogs_for_later(tmp_path: Path) -> None:
    # A new conversation on its first frame; the server is unreachable, so nothing it says
    # (models, a missing model) opens anything either. The modules are listed as that frame
    # is drawn: the threads started after it (the conversations' index lists the saved
    # throughput tests, say) may load some of these before the app is stopped.
    script = f"""
import asyncio, sys
from pathlib import Path
from textual.app import App
from ollama_tui.cli import build_app
from ollama_tui.config import Settings

at_first_frame = []
display = App._display

def drawn(app, screen, renderable):
    if not at_first_frame and renderable is not None:
        at_first_frame.extend(sys.modules)
    display(app, screen, renderable)

App._display = drawn

async def first_frame():
    app = build_app(Settings(host="http://127.0.0.1:9", data_dir=Path({str(tmp_path)!r})))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.query("#composer")

asyncio.run(first_frame())
import json
print(json.dumps(at_first_frame))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "ollama_tui.ui.chat.chat_view" in loaded
    assert sorted(set(OPENED_LATER + STARTED_LATER) & loaded) == []


def test_what_replies_and_typing_need_is_loaded_after_the_first_frame_off_the_loop(
    tmp_path: Path,
) -> None:
    # What is loaded when the app starts loading the renderer is what the first frame
    # needed. The renderer, then what typing and sending need, load on a thread, and the
    # validation library and the wire's models on another (none at the first frame): the
    # first key, the first Enter and the first reply then find them ready.
    script = f"""
import asyncio, sys, threading
from pathlib import Path
from textual.app import App
from ollama_tui.cli import build_app
from ollama_tui.config import Settings
from ollama_tui.ui.chat import chat_view, render

seen = {{}}
prepare = render.prepare
load_rest = chat_view.load_after_the_first_frame
display = App._display

def built():
    wire = sys.modules.get("ollama_tui.api.wire")
    return wire is not None and wire.ChatRequest.__pydantic_complete__

def drawn(app, screen, renderable):
    if "validated_at_first" not in seen and renderable is not None:
        seen["validated_at_first"] = [name for name in {VALIDATED_LATER!r} if name in sys.modules]
    display(app, screen, renderable)

def watched(palette):
    seen["modules"] = sorted(sys.modules)
    seen["thread"] = threading.current_thread() is threading.main_thread()
    prepare(palette)
    seen["loaded"] = all(name in sys.modules for name in {DRAWN_LATER!r})

def watched_rest():
    load_rest()
    seen["typed"] = all(name in sys.modules for name in {TYPED_LATER!r})
    seen["done"] = True

App._display = drawn
render.prepare = watched
chat_view.load_after_the_first_frame = watched_rest

async def first_frame():
    app = build_app(Settings(host="http://127.0.0.1:9", data_dir=Path({str(tmp_path)!r})))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(500):
            await pilot.pause(0.01)
            if "done" in seen and built():
                break
    seen["built"] = built()

asyncio.run(first_frame())
import json
import os
print(json.dumps(seen))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    seen = json.loads(out.splitlines()[-1])
    assert seen.get("done"), "the renderer was not loaded after the first frame"
    assert seen["thread"] is False
    first_frame = set(seen["modules"])
    assert (
        sorted(set(OPENED_LATER + STARTED_LATER + DRAWN_LATER + LOADED_LATER) & first_frame) == []
    )
    assert seen["loaded"] is True
    assert seen["typed"] is True
    assert seen["validated_at_first"] == []
    assert seen["built"] is True


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


async def test_the_first_screen_is_not_styled_again_as_it_first_resumes(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every widget is styled as it mounts; Textual's first resume of the screen styled them
    # all again for nothing.
    restyled: list[str] = []
    update_node_styles = DOMNode.update_node_styles

    def counted(node: DOMNode, animate: bool = True) -> None:
        if isinstance(node, Screen):
            restyled.append(type(node).__name__)
        update_node_styles(node, animate)

    monkeypatch.setattr(DOMNode, "update_node_styles", counted)
    app: OllamaTuiApp = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        await pilot.pause()
        assert restyled == []
        # Only the first resume: later ones (Textual sends them when screens are switched)
        # restyle as before.
        app.screen.post_message(events.ScreenResume())
        await wait_until(lambda: restyled == ["WorkspaceScreen"], message="a later resume")


async def test_the_first_frame_is_drawn_by_the_first_layout_with_the_first_tab_in_it(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first tab was added once the screen was up: the screen was laid out three times as
    # the tab's widgets mounted, and drawn only then. It is composed with the screen now,
    # which is mounted, styled and laid out in one pass, its prompt focused in that frame.
    layouts: list[int] = []
    """The conversations on the first screen at each of its layouts."""
    refresh_layout = Screen._refresh_layout

    def counted(screen: Screen[object], size: Size | None = None, scroll: bool = False) -> None:
        if isinstance(screen, WorkspaceScreen):
            layouts.append(len(screen.query(ChatView)))
        refresh_layout(screen, size, scroll)

    at_first_frame: list[list[int]] = []
    display = App._display

    def drawn(app: App[object], screen: Screen[object], renderable: RenderableType | None) -> None:
        if not at_first_frame and isinstance(screen, WorkspaceScreen):
            at_first_frame.append(list(layouts))
        display(app, screen, renderable)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    monkeypatch.setattr(App, "_display", drawn)
    app: OllamaTuiApp = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        await pilot.pause()
        assert at_first_frame == [[1]]
        view = app.tabs.current_view
        assert view is not None and app.focused is view.composer


def _saved(data_dir: Path, *names: str) -> list[str]:
    """Conversations saved with one question each ("question of the NAME tab"); their ids."""
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, exist_ok=True, mode=0o700)
    ids = []
    for name in names:
        conversation = Conversation(title=f"the {name} one")
        conversation.messages.append(Message.user(f"question of the {name} tab"))
        (sessions / f"{conversation.id}.json").write_text(json.dumps(conversation.to_json_dict()))
        ids.append(conversation.id)
    return ids


def _conversations_drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The conversation of the tab shown in each frame of the first screen ("" for none),
    filled in as the frames are drawn."""
    shown: list[str] = []
    display = App._display

    def drawn(app: App[object], screen: Screen[object], renderable: RenderableType | None) -> None:
        if isinstance(app, OllamaTuiApp) and isinstance(screen, WorkspaceScreen):
            view = app.tabs.current_view
            shown.append(view.conversation.id if view is not None else "")
        display(app, screen, renderable)

    monkeypatch.setattr(App, "_display", drawn)
    return shown


async def test_the_first_frame_shows_the_tab_that_was_active_at_the_last_quit(
    make_app: MakeApp, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reopened tabs are composed with the first screen, which would show the first of
    # them: the one that was active is chosen before that screen is drawn, not a frame on.
    opened = _saved(data_dir, "first", "second", "third")
    (data_dir / "workspace.json").write_text(
        json.dumps({"open_tabs": opened, "active_tab": opened[1]})
    )
    shown = _conversations_drawn(monkeypatch)
    app: OllamaTuiApp = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(app)
        await wait_until(
            lambda: "question of the second tab" in screen_text(app), message="its question"
        )
        await pilot.pause()
        assert shown and set(shown) == {opened[1]}


async def test_the_conversation_asked_for_on_the_command_line_is_in_the_first_frame(
    fake_ollama: FakeOllama, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--session ID` with a tab of the last quit open: the asked one is shown from the first
    # frame (it was opened once the screen was up: three frames without a tab, then it).
    asked, reopened = _saved(data_dir, "asked", "reopened")
    (data_dir / "workspace.json").write_text(
        json.dumps({"open_tabs": [reopened], "active_tab": reopened})
    )
    shown = _conversations_drawn(monkeypatch)
    app = build_app(Settings(host=fake_ollama.url, data_dir=data_dir), open_session=asked)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(app)
        await wait_until(
            lambda: "question of the asked tab" in screen_text(app), message="its question"
        )
        await pilot.pause()
        assert shown and set(shown) == {asked}
        assert app.tabs.tab_count == 2


async def test_a_conversation_asked_for_that_cannot_be_opened_is_said_and_a_new_one_is_ready(
    fake_ollama: FakeOllama, data_dir: Path
) -> None:
    missing = Conversation().id  # a valid id with no file
    app = build_app(Settings(host=fake_ollama.url, data_dir=data_dir), open_session=missing)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(app)
        await wait_until(
            lambda: notified(app, "Could not open the conversation"), message="the notice"
        )
        await pilot.pause()
        view = app.tabs.current_view
        assert app.tabs.tab_count == 1
        assert view is not None and not view.conversation.messages
        assert view.conversation.id != missing and app.focused is view.composer


def _parses_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The stylesheet's parses from now on (the length of its sources at each)."""
    parses: list[int] = []
    parse = Stylesheet.parse

    def counted(stylesheet: Stylesheet) -> None:
        parses.append(len(stylesheet.source))
        parse(stylesheet)

    monkeypatch.setattr(Stylesheet, "parse", counted)
    return parses


async def test_the_stylesheet_is_parsed_once_before_the_first_frame(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual parses the stylesheet again each time a widget of a new type mounts; the
    # default CSS of every type on the first screen is added before anything is styled.
    # (A new widget type on the first screen belongs in `FIRST_SCREEN_TYPES`.)
    parses = _parses_counted(monkeypatch)
    at_first_frame: list[int] = []
    on_ready = OllamaTuiApp.on_ready

    def ready_seen(app: OllamaTuiApp) -> None:
        at_first_frame.append(len(parses))
        on_ready(app)

    monkeypatch.setattr(OllamaTuiApp, "on_ready", ready_seen)
    app: OllamaTuiApp = make_app()
    async with app.run_test() as pilot:
        await wait_until(lambda: bool(at_first_frame), message="the first frame")
        await pilot.pause()
        assert at_first_frame == [1]


async def test_a_dialog_with_widget_types_of_its_own_parses_only_their_css(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual's re-parse (at start, and when the theme changes) kept no cache of what it
    # parsed, so the first Ctrl+O parsed every source again for three new ones.
    from textual.css.parse import parse

    from ollama_tui.ui.screens.conversations import ConversationsScreen

    parsed: list[str] = []

    def recorded(scope: str, css: str, read_from: object, **options: object) -> object:
        parsed.append(str(read_from))
        return parse(scope, css, read_from, **options)  # type: ignore[arg-type]

    app: OllamaTuiApp = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        monkeypatch.setattr("textual.css.stylesheet.parse", recorded)
        await pilot.press("ctrl+o")
        await wait_until(lambda: isinstance(app.screen, ConversationsScreen))
        await pilot.pause()
    assert parsed, "the browser brings CSS of its own"
    assert not [source for source in parsed if "app.tcss" in source], parsed
    assert all("DEFAULT_CSS" in source for source in parsed), parsed


async def test_the_lists_the_first_frame_does_not_show_are_mounted_when_they_have_rows(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The slash commands' popup and the recent conversations are lists with nothing to show
    # in a new conversation's first frame: they are mounted on the first offer and when
    # there are saved conversations, and their styles were parsed before that frame.
    parses = _parses_counted(monkeypatch)
    app: OllamaTuiApp = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        assert list(app.screen.query(OptionList)) == []
        parsed = len(parses)
        await pilot.press("/", "s")
        await wait_until(lambda: "/set" in screen_text(app), message="the popup")
        assert [type(found).__name__ for found in app.screen.query(OptionList)] == ["SlashPopup"]
        assert len(parses) == parsed


def test_start_up_runs_no_full_collection_and_sets_its_objects_aside(tmp_path: Path) -> None:
    # Start-up makes objects that live as long as the app (modules, classes, the stylesheet,
    # the first screen): a full pass of the collector over them before the first frame is
    # wasted. After it, the collector is on again and passes over none of them.
    script = f"""
import gc, json, sys
from textual import events
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.screen import Screen
from ollama_tui import cli
from ollama_tui.ui.app import OllamaTuiApp

full = []
gc.callbacks.append(
    lambda phase, info: full.append(1) if phase == "start" and info["generation"] == 2 else None
)
seen = {{}}
run = App.run
OllamaTuiApp.run = lambda self: run(self, headless=True, size=(100, 30))
ready = getattr(OllamaTuiApp, "on_ready", None)

def on_ready(self):
    if ready is not None:
        ready(self)
    seen.update(full=len(full), enabled=gc.isenabled(), frozen=gc.get_freeze_count())
    self.exit()

OllamaTuiApp.on_ready = on_ready
full.clear()
cli.main(["--host", "http://127.0.0.1:9", "--data-dir", {str(tmp_path / "data")!r}])
print(json.dumps(seen))
"""
    env = {**os.environ, "OLLAMA_TUI_CONFIG": str(tmp_path / "no-config.toml")}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    ).stdout
    seen = json.loads(out.splitlines()[-1])
    assert seen["full"] == 0
    assert seen["enabled"] is True
    assert seen["frozen"] > 10_000


def test_the_http_client_is_built_off_the_loop_after_the_first_frame(tmp_path: Path) -> None:
    # Importing httpx and building its client (an SSL context) takes a few tenths of a
    # second: on the loop, the first keys typed after the prompt appeared waited for it.
    script = f"""
import asyncio, json, threading
from pathlib import Path
import httpx
from ollama_tui.cli import build_app
from ollama_tui.config import Settings

built = []
init = httpx.AsyncClient.__init__

def watched(self, *args, **kwargs):
    built.append(threading.current_thread() is threading.main_thread())
    init(self, *args, **kwargs)

httpx.AsyncClient.__init__ = watched

async def first_frame():
    app = build_app(Settings(host="http://127.0.0.1:9", data_dir=Path({str(tmp_path)!r})))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(500):
            await pilot.pause(0.01)
            if built and app.server_status.state.name != "CONNECTING":
                break

asyncio.run(first_frame())
print(json.dumps(built))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.splitlines()[-1]) == [False]


def test_no_pydantic_plugin_sees_what_the_app_validates(tmp_path: Path) -> None:
    # A plugin installed beside the app (a tracer, say) would be handed every request and
    # answer validated; looking for one also reads every installed distribution's entry
    # points.
    site = tmp_path / "site"
    info = site / "probe_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: probe-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nprobe = probe_plugin:plugin\n")
    (site / "probe_plugin.py").write_text(
        "class Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = Plugin()\n"
    )
    script = f"""
import sys
from ollama_tui import cli
from ollama_tui.api.wire import ModelEntry, build_models

cli._prepare(["--host", "http://127.0.0.1:9", "--data-dir", {str(tmp_path / "data")!r}])
build_models()
ModelEntry.model_validate({{"name": "m"}})
print("probe_plugin" in sys.modules)
"""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), *sys.path]),
        "OLLAMA_TUI_CONFIG": str(tmp_path / "no-config.toml"),
    }
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.splitlines()[-1] == "False"
