"""Snapshots of a compacted conversation: the turns before the last prompt folded into one
line, the last prompt and its reply as they were."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.fake_ollama.server import FakeOllama
from tests.pilot import notified, wait_until

from .steps import LOOKS, Look, Shoot, settled_chat, shows

SIZES = [look for look in LOOKS if not look.id.endswith("-16")]


async def _compacted(pilot: Pilot[None], server: FakeOllama) -> None:
    for prompt, answer in (
        ("What is a closure?", "A function with the variables it captured."),
        ("And in Rust?", "Fn, FnMut and FnOnce, by how they use what they capture."),
        ("Show one that counts.", "let mut n = 0; let mut count = || { n += 1; n };"),
    ):
        server.script_reply(answer)
        await pilot.press(*prompt, "enter")
        await shows(pilot, answer[:20])
        await settled_chat(pilot)
    server.script_reply("Closures capture variables; Rust has Fn, FnMut and FnOnce.")
    await pilot.press(*"/compact", "enter")
    await wait_until(lambda: notified(pilot.app, "Compacted:"), timeout=10)
    pilot.app.clear_notifications()
    await shows(pilot, "summarised")
    await settled_chat(pilot)


@pytest.mark.parametrize("look", SIZES)
def test_compacted_conversation(shoot: Shoot, look: Look, fake_server: FakeOllama) -> None:
    """Four earlier turns folded into their summary's line, then the last turn."""

    async def steps(pilot: Pilot[None]) -> None:
        await _compacted(pilot, fake_server)

    assert shoot(look, steps)


@pytest.mark.parametrize("look", SIZES)
def test_summary_opened(shoot: Shoot, look: Look, fake_server: FakeOllama) -> None:
    """Enter on the folded line: the summary, and the choice to restore the turns."""

    async def steps(pilot: Pilot[None]) -> None:
        await _compacted(pilot, fake_server)
        await pilot.press("shift+tab", "up", "up", "enter")
        await shows(pilot, "Restore the turns")

    assert shoot(look, steps)
