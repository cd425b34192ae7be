"""Snapshots of the tool permissions of a conversation (Ctrl+P, "Tool permissions…"): the tools
it lets run without asking, a built-in one and an MCP server's."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.fake_ollama.script import tool_call

from . import world
from .steps import LOOKS, Look, Shoot, open_saved, palette, shows

SIZES = [look for look in LOOKS if not look.id.endswith("-16")]
GRANTED = (("run_command", {"command": "make lint"}), ("files__write_note", {"text": "lint ok"}))


def _save_granted(data_dir: Path) -> None:
    """A conversation where both tools were allowed for the rest of it."""
    at = world.NOW - timedelta(hours=1)
    reply = world._message(
        2,
        "assistant",
        "Lint is clean; I noted it.",
        at,
        tool_calls=[
            tool_call(name, arguments, f"call_{n}") for n, (name, arguments) in enumerate(GRANTED)
        ],
    )
    results = [
        world._message(
            3 + n,
            "tool",
            "ok",
            at,
            tool_name=name,
            tool_call_id=f"call_{n}",
            approval="conversation",
            duration_ms=40,
        )
        for n, (name, _) in enumerate(GRANTED)
    ]
    conversation = world._conversation(
        90,
        "Tidy the build scripts",
        at,
        [world._message(1, "user", "Run the linter and note the result", at), reply, *results],
        settings={"tools": ["run_command", "files.*"]},
    )
    path = data_dir / "sessions" / f"{conversation['id']}.json"
    path.write_text(json.dumps(conversation), encoding="utf-8")
    path.chmod(0o600)


async def _permissions(pilot: Pilot[None]) -> None:
    await open_saved(pilot, "Tidy the build", "Lint is clean")
    await palette(pilot, "Tool permissions")
    await pilot.press("enter")
    await shows(pilot, "files.write_note")


@pytest.mark.parametrize("look", SIZES)
def test_tool_permissions(shoot: Shoot, look: Look, fixed_world: Path) -> None:
    """The tools allowed without asking, the first highlighted, and the keys that withdraw."""
    _save_granted(fixed_world)
    assert shoot(look, _permissions)
