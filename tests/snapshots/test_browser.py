"""Snapshots of the saved conversations (Ctrl+O): the list, a search, rename, export, trash."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from .steps import LOOKS, Look, Shoot, settled_browser, shows


async def _browser(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+o")
    await settled_browser(pilot)


@pytest.mark.parametrize("look", LOOKS)
def test_browser(shoot: Shoot, look: Look) -> None:
    """Every saved conversation, newest first, with an unreadable file listed as such."""
    assert shoot(look, _browser)


async def _search(pilot: Pilot[None]) -> None:
    await _browser(pilot)
    await pilot.press(*"cafe")
    await settled_browser(pilot)


@pytest.mark.parametrize("look", LOOKS)
def test_search(shoot: Shoot, look: Look) -> None:
    """Typing searches titles and messages, accents aside, and highlights the matches."""
    assert shoot(look, _search)


async def _rename(pilot: Pilot[None]) -> None:
    await _browser(pilot)
    await pilot.press("f2")
    await shows(pilot, "New title")


@pytest.mark.parametrize("look", LOOKS)
def test_rename(shoot: Shoot, look: Look) -> None:
    """F2: the new title, the old one to edit."""
    assert shoot(look, _rename)


async def _export(pilot: Pilot[None]) -> None:
    await _browser(pilot)
    await pilot.press("ctrl+e")
    await shows(pilot, "Export")


@pytest.mark.parametrize("look", LOOKS)
def test_export(shoot: Shoot, look: Look) -> None:
    """Ctrl+E: where to export the conversation."""
    assert shoot(look, _export)


async def _trash(pilot: Pilot[None]) -> None:
    await _search(pilot)
    await pilot.press("ctrl+d")
    await shows(pilot, "to the trash?")
    await pilot.press("enter")
    await settled_browser(pilot)
    await pilot.press("ctrl+t")
    await settled_browser(pilot)
    await shows(pilot, "Café")


@pytest.mark.parametrize("look", LOOKS)
def test_trash(shoot: Shoot, look: Look) -> None:
    """Ctrl+D moves one to the trash; Ctrl+T shows the trash."""
    assert shoot(look, _trash)
