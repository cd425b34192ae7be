"""Snapshots of the dialogs over a chat: model picker, help, palette, themes, settings."""

from __future__ import annotations

import threading

import pytest
from textual.pilot import Pilot

from ollama_tui.config import HostConfig
from ollama_tui.ui.dialogs.settings import SettingsDialog
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import wait_until

from . import world
from .steps import LOOKS, Look, Shoot, open_saved, palette, settled_chat, shows


async def _picker(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+l")
    await shows(pilot, "qwen2.5:0.5b")


@pytest.mark.parametrize("look", LOOKS)
def test_model_picker(shoot: Shoot, look: Look) -> None:
    """Ctrl+L: the installed models, the loaded one marked."""
    assert shoot(look, _picker)


async def _picker_with_hosts(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+l")
    await shows(pilot, "── gpu")


@pytest.mark.parametrize("look", LOOKS)
def test_model_picker_with_auto(shoot: Shoot, look: Look) -> None:
    """Ctrl+L with two hosts: `auto` first, every model any host has, then each host's."""
    gpu = HostConfig("gpu", world.GPU_HOST, use_proxy=True)
    assert shoot(look, _picker_with_hosts, other_hosts=(gpu,))


async def _help(pilot: Pilot[None]) -> None:
    await pilot.press("f1")
    await shows(pilot, "Everywhere")


@pytest.mark.parametrize("look", LOOKS)
def test_help(shoot: Shoot, look: Look) -> None:
    """F1 over a chat: every key, grouped."""
    assert shoot(look, _help)


async def _palette(pilot: Pilot[None]) -> None:
    await palette(pilot)


@pytest.mark.parametrize("look", LOOKS)
def test_palette(shoot: Shoot, look: Look) -> None:
    """Ctrl+P over a chat: every action, with its key."""
    assert shoot(look, _palette)


async def _themes(pilot: Pilot[None]) -> None:
    await palette(pilot, "theme")
    await pilot.press("enter")
    await shows(pilot, "Search for themes")


@pytest.mark.parametrize("look", LOOKS)
def test_theme_list(shoot: Shoot, look: Look) -> None:
    """The theme list from the palette."""
    assert shoot(look, _themes)


async def _settings(pilot: Pilot[None]) -> None:
    await pilot.press("f4")
    await shows(pilot, "temperature")


@pytest.mark.parametrize("look", LOOKS)
def test_settings_chat(shoot: Shoot, look: Look) -> None:
    """F4 in a chat: system prompt, every option, keep-alive, thinking, reply format."""
    assert shoot(look, _settings)


async def _completion_settings(pilot: Pilot[None]) -> None:
    await palette(pilot, "New completion")
    await pilot.press("enter")
    app = pilot.app
    await wait_until(lambda: len(app.chat_views()) == 2, message="the completion tab")  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("f4")
    await wait_until(lambda: isinstance(app.screen, SettingsDialog), message="the settings")
    await pilot.pause()


@pytest.mark.parametrize("look", LOOKS)
def test_settings_completion(shoot: Shoot, look: Look) -> None:
    """F4 in a completion: raw, suffix and template as well."""
    assert shoot(look, _completion_settings)


@pytest.mark.parametrize("look", LOOKS)
def test_tool_approval(shoot: Shoot, look: Look, fake_server: FakeOllama) -> None:
    """A call asking first: the command line, the directory it runs in, the arguments."""
    fake_server.script_reply(
        "Let me check.",
        tool_calls=[tool_call("run_command", {"command": "git status --short | head -5"})],
    )

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("f4")
        await wait_until(lambda: bool(pilot.app.screen.query("#tools")), message="F4's tools")
        tools = pilot.app.screen.query_one("#tools")
        while not tools.has_focus:
            await pilot.press("tab")
        await pilot.press("down", "down", "down", "down", "space", "ctrl+s")
        await wait_until(lambda: not isinstance(pilot.app.screen, SettingsDialog))
        pilot.app.clear_notifications()  # "Settings saved" would be shot or not by timing
        await pilot.press(*"What changed?", "enter")
        await shows(pilot, "Run run_command")

    assert shoot(look, steps)


async def _throughput(pilot: Pilot[None]) -> None:
    await pilot.press("f8")
    await shows(pilot, "Why is the sky blue?")


@pytest.mark.parametrize("look", LOOKS)
def test_throughput_dialog(shoot: Shoot, look: Look) -> None:
    """F8: the throughput test's form, filled with the tutorial's defaults."""
    assert shoot(look, _throughput)


async def _throughput_on_auto(pilot: Pilot[None]) -> None:
    """The conversation moved to `auto` (its llama row, listed first), then F8 and Enter:
    the warm-up waits on the server while the dialog says which host was left out."""
    await pilot.press("ctrl+l")
    await shows(pilot, "── gpu")
    await pilot.press(*"llama3.2", "enter")
    await shows(pilot, "@ auto")
    await pilot.press("f8")
    await shows(pilot, "Why is the sky blue?")
    await pilot.press("enter")
    await shows(pilot, "Hosts on auto:")


@pytest.mark.parametrize("look", LOOKS)
def test_throughput_on_auto_with_a_host_left_out(
    shoot: Shoot, look: Look, fake_server: FakeOllama
) -> None:
    """F8 on `auto` with a host that cannot be reached: the note on it in the result area."""
    warming = threading.Event()
    fake_server.script_reply("Rayleigh scattering.", hold=warming)
    gpu = HostConfig("gpu", world.OFFLINE_HOST)
    try:
        assert shoot(look, _throughput_on_auto, other_hosts=(gpu,))
    finally:
        warming.set()


async def _compare_picker(pilot: Pilot[None]) -> None:
    await pilot.press("f5")
    await shows(pilot, "qwen2.5:0.5b")
    await pilot.press("down", "space", "up", "space")
    await shows(pilot, "[2]")


@pytest.mark.parametrize("look", LOOKS)
def test_compare_picker(shoot: Shoot, look: Look) -> None:
    """F5: the picker marking models to compare, numbered in the order marked."""
    assert shoot(look, _compare_picker)


async def _compare_picker_long_names(pilot: Pilot[None]) -> None:
    await pilot.press("f5")
    await shows(pilot, "hf.co/")


@pytest.mark.parametrize("look", LOOKS)
def test_compare_picker_long_names(shoot: Shoot, look: Look, fake_server: FakeOllama) -> None:
    """F5 with names of 50 and more characters: the dialog grows as wide as the terminal
    allows to show them whole; the family column gives way before a name is cut."""
    fake_server.add_model(
        "hf.co/bartowski/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M-imatrix", size=19_851_336_256
    )
    fake_server.add_model("hf.co/unsloth/DeepSeek-R1-Distill-Llama-8B-GGUF:Q8_0")
    assert shoot(look, _compare_picker_long_names)


async def _version_map(pilot: Pilot[None]) -> None:
    """The saved Rust conversation (a reply written twice), a second question, then the
    first reply written a third time: a branch whose second version has turns after it."""
    await open_saved(pilot, "ownership", "chapter 4")
    await pilot.press(*"And borrowing?", "enter")
    await shows(pilot, "Echo: And borrowing?")
    await settled_chat(pilot)
    await pilot.press("shift+tab", "up", "up", "r")
    await shows(pilot, "version 3 of 3")
    await settled_chat(pilot)
    await pilot.press("shift+tab", "t")
    await shows(pilot, "Map of versions")


@pytest.mark.parametrize("look", LOOKS)
def test_version_map(shoot: Shoot, look: Look) -> None:
    """`t` on a selected message: every version as a tree, the one shown marked."""
    assert shoot(look, _version_map)
