"""Snapshots of the composer's slash commands: the completion popup and `/?`."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from .steps import LOOKS, Look, Shoot, shows

SIZES = [look for look in LOOKS if not look.id.endswith("-16")]


async def _popup(pilot: Pilot[None]) -> None:
    await pilot.press("/", "s")
    await shows(pilot, "/show")


@pytest.mark.parametrize("look", SIZES)
def test_slash_popup(shoot: Shoot, look: Look) -> None:
    """`/s` in the composer: the commands it may become, above the composer."""
    assert shoot(look, _popup)


async def _argument_popup(pilot: Pilot[None]) -> None:
    await pilot.press(*"/set parameter ")
    await shows(pilot, "num_predict")


@pytest.mark.parametrize("look", SIZES)
def test_slash_popup_arguments(shoot: Shoot, look: Look) -> None:
    """`/set parameter `: the parameter names the settings form knows."""
    assert shoot(look, _argument_popup)


async def _commands(pilot: Pilot[None]) -> None:
    await pilot.press("/", "?", "enter")
    await shows(pilot, "Slash commands")


@pytest.mark.parametrize("look", SIZES)
def test_slash_commands_list(shoot: Shoot, look: Look) -> None:
    """`/?`: every command with what it does."""
    assert shoot(look, _commands)
