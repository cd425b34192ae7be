"""Several hosts in one picker, credentials kept off screen and disk, themes, key overrides."""

from __future__ import annotations

import json
from pathlib import Path

from ollama_tui.config import HostConfig
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from ollama_tui.ui.screens.models import ModelsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

TOKEN = "Bearer tok-3f9a1c"


async def test_two_hosts_in_one_picker_and_a_conversation_moves_between_them(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    with FakeOllama() as gpu:
        gpu.models = [m for m in gpu.models if m["name"] == "llama3.2:latest"]
        gpu.models[0] = {**gpu.models[0], "name": "big-gpu-model:70b", "model": "big-gpu-model:70b"}
        # Credentials two ways: a bearer token in a header, a user and password in a URL
        # (of a host that is down, so that its error message is shown too).
        app = make_app(
            other_hosts=(
                HostConfig("gpu", gpu.url, headers={"Authorization": TOKEN}),
                HostConfig("gone", "http://alice:pa55word@127.0.0.1:9", connect_timeout=0.5),
            ),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            view = await ready(app)
            await ask(pilot, view, "hello local")
            picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
            await wait_until(lambda: "big-gpu-model" in screen_text(app))
            await wait_until(lambda: "cannot be reached" in screen_text(app))
            text = screen_text(app)
            assert "── default" in text and "── gpu" in text and "── gone" in text
            assert "pa55word" not in text and "alice" not in text and "tok-3f9a1c" not in text
            await pilot.press(*"big-gpu")
            await wait_until(lambda: any(c is not None and c.host == "gpu" for c in picker.shown))
            # `auto` is listed first among the hosts, with every model any host has: the gpu
            # host's row is the next one.
            hosts = [c.host for c in picker.shown if c is not None]
            assert hosts == ["auto", "gpu"]
            await pilot.press("down", "enter")
            await wait_until(lambda: view.conversation.host_name == "gpu")
            await pilot.pause()
            assert "big-gpu-model:70b @ gpu" in screen_text(app)
            await ask(pilot, view, "hello gpu")
            request = gpu.requests_to("/api/chat")[-1]
            assert request.headers.get("authorization") == TOKEN
            # The history went along to the new host.
            contents = [m["content"] for m in request.body["messages"]]
            assert contents[:2] == ["hello local", "Echo: hello local"]
            local = fake_ollama.requests_to("/api/chat")
            assert not any(TOKEN in h for r in local for h in r.headers.values())
            # And back: the next reply comes from the default host again.
            picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
            await pilot.press(*"llama3.2")
            await wait_until(
                lambda: [c.host for c in picker.shown if c is not None] == ["auto", ""]
            )
            await pilot.press("down", "enter")
            await wait_until(lambda: view.conversation.host_name == "default")
            await ask(pilot, view, "back home")
            assert fake_ollama.requests_to("/api/chat")[-1].body["messages"][-1]["content"] == (
                "back home"
            )
    raw = session_file(data_dir, view.conversation.id).read_text()
    assert "pa55word" not in raw and "alice" not in raw and "tok-3f9a1c" not in raw
    saved = json.loads(raw)
    assert saved["host_name"] == "default" and saved["host"] == fake_ollama.url.rstrip("/")
    assert [m.get("model") for m in saved["messages"] if m["role"] == "assistant"] == [
        "llama3.2:latest",
        "big-gpu-model:70b",
        "llama3.2:latest",
    ]


async def test_a_theme_is_previewed_put_back_on_escape_and_remembered_when_chosen(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, tmp_path: Path
) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "mine.toml").write_text('name = "mine"\ndark = true\nprimary = "#ff00ff"\n')
    (themes / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    app = make_app(theme_dirs=(themes,))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        assert app.theme == "ollama-dark" and "mine" in app.available_themes
        assert notified(app, "broken.toml: primary = 'not-a-colour' is not a colour")
        assert "broken" not in app.available_themes
        app.action_change_theme()
        await wait_until(lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"ollama-high")
        await wait_until(lambda: app.theme == "ollama-high-contrast")  # previewed
        await pilot.press("escape")
        await wait_until(lambda: app.screen.__class__.__name__ != "CommandPalette")
        assert app.theme == "ollama-dark"
        app.action_change_theme()
        await wait_until(lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"mine")
        await wait_until(lambda: app.theme == "mine")
        await pilot.press("enter")
        await wait_until(
            lambda: json.loads((data_dir / "workspace.json").read_text()).get("theme") == "mine"
        )
    again = make_app(theme_dirs=(themes,))
    async with again.run_test(size=(100, 30)):
        await wait_until(lambda: again.theme == "mine")


async def test_a_key_from_the_config_replaces_the_default_and_unknown_ids_are_named(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app(keymap={"app.models": "f9", "app.nonsense": "f7"})
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        assert notified(app, "Unknown binding ids in the config's [keys]: app.nonsense")
        await pilot.press("f3")
        await pilot.pause()
        assert not isinstance(app.screen, ModelsScreen)
        await press_for(pilot, "f9", ModelsScreen)


async def test_the_idle_app_does_not_blink_and_config_problems_are_shown(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app(problems=("config.toml, line 3: flush_hz: must be from 1 to 120; ignored",))
    async with app.run_test(size=(80, 24)):
        await ready(app)
        assert notified(app, "line 3: flush_hz")
        assert not current_view(app).composer.cursor_blink


async def test_cursor_blink_from_the_config_reaches_every_field(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    # Asked for, the composer and a dialog's field blink (the default, tested above and in
    # the idle terminal test, is still).
    app = make_app(cursor_blink=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        assert current_view(app).composer.cursor_blink
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        assert app.focused is not None and getattr(app.focused, "cursor_blink", False)
