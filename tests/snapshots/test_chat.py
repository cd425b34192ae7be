"""Snapshots of the chat: the empty conversation, saved and streamed replies, the banners
and states around them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ollama_tui.config import HostConfig
from tests.fake_ollama.server import FakeOllama

from . import world
from .steps import LOOKS, Look, Shoot, open_saved, settled_chat, shows


@pytest.mark.parametrize("look", LOOKS)
def test_empty_conversation(shoot: Shoot, look: Look) -> None:
    """What a newcomer sees first: the model and host, the keys that matter."""
    assert shoot(look)


async def _long_reply(pilot: Pilot[None]) -> None:
    await open_saved(pilot, "ownership", "chapter 4")


@pytest.mark.parametrize("look", LOOKS)
def test_long_reply(shoot: Shoot, look: Look) -> None:
    """An attachment, a prompt of several lines, thinking, a long Markdown reply with code,
    a table and a quote, its statistics and its versions."""
    assert shoot(look, _long_reply)


async def _structured(pilot: Pilot[None]) -> None:
    await open_saved(pilot, "invoice", "schema error")


@pytest.mark.parametrize("look", LOOKS)
def test_structured_reply(shoot: Shoot, look: Look) -> None:
    """A JSON reply shown indented, with the line saying where it breaks the schema."""
    assert shoot(look, _structured)


async def _read_only(pilot: Pilot[None]) -> None:
    await open_saved(pilot, "newer version", "newer format")


@pytest.mark.parametrize("look", LOOKS)
def test_read_only_banner(shoot: Shoot, look: Look) -> None:
    """A file written by a newer version opens read-only, with a banner saying why."""
    assert shoot(look, _read_only)


@pytest.mark.parametrize("look", LOOKS)
def test_offline(shoot: Shoot, look: Look) -> None:
    """No server: the host tried, how to fix it, and the prompt still there to type in."""
    assert shoot(look, offline=True)


async def _pull_offer(pilot: Pilot[None]) -> None:
    await open_saved(pilot, "lisbon", "Lisbon")
    await pilot.press(*"And on the third day?", "enter")
    await shows(pilot, "Pull it now?")
    await settled_chat(pilot)


@pytest.mark.parametrize("look", LOOKS)
def test_pull_offer(shoot: Shoot, look: Look) -> None:
    """The conversation's model is not on the server: the offer to pull it."""
    assert shoot(look, _pull_offer)


async def _pull_offer_on_auto(pilot: Pilot[None]) -> None:
    await open_saved(pilot, "lisbon", "Lisbon")
    await pilot.press(*"And on the third day?", "enter")
    await shows(pilot, "Pull it onto default")
    await settled_chat(pilot)


@pytest.mark.parametrize("look", LOOKS)
def test_pull_offer_on_auto(shoot: Shoot, look: Look, fixed_world: Path) -> None:
    """The conversation is on `auto` and none of its hosts has its model: the offer names
    the hosts asked and the one the pull goes to."""
    for path in (fixed_world / "sessions").glob("01SNAPCONV*.json"):
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved["title"] == "Three days in Lisbon":
            saved.update(host_name="auto", host=None)
            path.write_text(json.dumps(saved), encoding="utf-8")
    gpu = HostConfig("gpu", world.GPU_HOST, use_proxy=True)
    assert shoot(look, _pull_offer_on_auto, other_hosts=(gpu,))


async def _attach(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+t")
    await shows(pilot, "image")
    await pilot.press(*"/tmp/red.png")


@pytest.mark.parametrize("look", LOOKS)
def test_attach_dialog(shoot: Shoot, look: Look) -> None:
    """Ctrl+T: the path of an image to send with the next prompt."""
    assert shoot(look, _attach)


@pytest.fixture
def held_reply(fake_server: FakeOllama) -> Iterator[None]:
    """A reply that thinks, writes half its Markdown, then waits until the test ends."""
    release = threading.Event()
    half = world.LONG_REPLY[: world.LONG_REPLY.index("```rust")]
    fake_server.script_reply(
        [line + "\n" for line in half.split("\n")],
        thinking=[world.THINKING],
        hold=release,
        hold_after=1 + half.count("\n") + 1,
    )
    yield
    release.set()


async def _streaming(pilot: Pilot[None]) -> None:
    await pilot.press(*"Explain ownership in Rust", "ctrl+j", *"with an example.", "enter")
    await shows(pilot, "The three rules")
    await shows(pilot, "A reference never outlives")


@pytest.mark.parametrize("look", LOOKS)
def test_streaming_reply(shoot: Shoot, held_reply: None, look: Look) -> None:
    """A reply being written: its thinking open above it, the tab marked, Esc to stop."""
    assert shoot(look, _streaming)


async def _select(pilot: Pilot[None]) -> None:
    await _long_reply(pilot)
    await pilot.press("shift+tab")
    await pilot.pause()


@pytest.mark.parametrize("look", LOOKS)
def test_message_selected(shoot: Shoot, look: Look) -> None:
    """Shift+Tab selects the last reply; the footer shows what can be done with it."""
    assert shoot(look, _select)
