"""Snapshots of the compare view: two replies streaming side by side (stacked at 80
columns), each under its model and host, held after their first lines."""

from __future__ import annotations

import threading

import pytest
from textual.pilot import Pilot

from tests.fake_ollama.server import FakeOllama

from .steps import LOOKS, Look, Shoot, shows

FIRST = "Rayleigh scattering: the air scatters short, blue wavelengths of sunlight most.\n\n"
SECOND = "Blue light has a shorter wavelength, so molecules in the air scatter it more.\n\n"


async def _comparing(pilot: Pilot[None]) -> None:
    await pilot.press("f5")
    await shows(pilot, "qwen2.5:0.5b")
    await pilot.press("space", "down", "space")  # llama3.2 and qwen2.5
    await shows(pilot, "[2]")
    await pilot.press("enter", *"Why is the sky blue?", "enter")
    await shows(pilot, "Rayleigh scattering")
    await shows(pilot, "Blue light has")
    pilot.app.clear_notifications()  # the note naming the models would be shot or not by timing


@pytest.mark.parametrize("look", LOOKS)
def test_compare_view(shoot: Shoot, look: Look, fake_server: FakeOllama) -> None:
    """F5, two models marked, a prompt: both replies under way, side by side."""
    hold = threading.Event()
    fake_server.script_reply([FIRST, "And more."], hold=hold, hold_after=1)
    fake_server.script_reply([SECOND, "And more."], hold=hold, hold_after=1)
    try:
        assert shoot(look, _comparing)
    finally:
        hold.set()
