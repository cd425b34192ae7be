"""Snapshots of the prompt library's list: `/prompt` alone, and `/persona` alone."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from .steps import LOOKS, Look, Shoot, shows

SIZES = [look for look in LOOKS if not look.id.endswith("-16")]


async def _library(pilot: Pilot[None]) -> None:
    await pilot.press(*"/prompt", "enter")
    await shows(pilot, "5 of 5")


@pytest.mark.parametrize("look", SIZES)
def test_prompt_library(shoot: Shoot, look: Look) -> None:
    """Every prompt and persona, the first words of each, and the file skipped."""
    assert shoot(look, _library)


async def _personas(pilot: Pilot[None]) -> None:
    await pilot.press(*"/persona", "enter")
    await shows(pilot, "2 of 2")
    await pilot.press(*"hai")
    await shows(pilot, "1 of 2")


@pytest.mark.parametrize("look", SIZES)
def test_personas_filtered(shoot: Shoot, look: Look) -> None:
    """`/persona`: the personas only, filtered by what is typed."""
    assert shoot(look, _personas)
